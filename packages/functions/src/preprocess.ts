import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { preprocessStep } from "@myriad/core/pipeline/steps/preprocess-step";
import { lambda } from "./lib/lambda.ts";

/**
 * Validates and partitions the upload into one clean series per customer, in this Lambda or,
 * for an input too large for one, in a SageMaker Processing job (`{ pending: true }` while it runs).
 */
export async function run(input: PipelineState, ports: Ports) {
  return preprocessStep(ports, input);
}

export const main = lambda("Preprocess", run);
