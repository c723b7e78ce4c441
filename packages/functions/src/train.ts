import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { trainStep } from "@myriad/core/pipeline/steps/train-step";
import { lambda } from "./lib/lambda.ts";

/** One model per customer through the configured training backend. */
export async function run(input: PipelineState, ports: Pick<Ports, "db" | "store" | "training">) {
  return trainStep(ports, input);
}

export const main = lambda("Train", ["db", "store", "training"], run);
