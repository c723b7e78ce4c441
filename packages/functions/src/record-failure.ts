import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { recordFailure } from "@myriad/core/pipeline/steps/record-failure";
import { lambda } from "./lib/lambda.ts";

/** The Catch target: the run is marked FAILED with the caught error and cause. */
export async function run(input: PipelineState, ports: Ports) {
  await recordFailure(ports.db, input);
  return { recorded: true };
}

export const main = lambda(undefined, run);
