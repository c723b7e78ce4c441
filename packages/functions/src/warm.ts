import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { warmStep } from "@myriad/core/pipeline/steps/warm-step";
import { lambda } from "./lib/lambda.ts";

/** Loads the new versions into the multi-model endpoint before users ask. */
export async function run(input: PipelineState, ports: Pick<Ports, "db" | "endpoint">) {
  return warmStep(ports, input);
}

export const main = lambda("Warm", ["db", "endpoint"], run);
