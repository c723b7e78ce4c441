import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { publishStep } from "@myriad/core/pipeline/steps/publish-step";
import { lambda } from "./lib/lambda.ts";

/** Forecast rows per customer, switched in atomically with the new model version. */
export async function run(input: PipelineState, ports: Pick<Ports, "db" | "store">) {
  return publishStep(ports, input);
}

export const main = lambda("Publish", ["db", "store"], run);
