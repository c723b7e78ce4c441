import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { preprocessStep } from "@myriad/core/pipeline/steps/preprocess-step";
import { lambda } from "./lib/lambda.ts";

/**
 * What Preprocess uses. `datasetOrder` says who keeps a dataset's runs in upload order: in AWS
 * (executions run at once) Preprocess waits for earlier runs, reading the runs table; the
 * embedded stack's runner orders them itself. `trainSharding` sizes the TrainShards map.
 */
const PREPROCESS_PORTS = [
  "db",
  "store",
  "preprocessor",
  "unavailableAlgorithms",
  "datasetOrder",
  "trainSharding",
] as const;
type PreprocessPorts = Pick<Ports, (typeof PREPROCESS_PORTS)[number]>;

/**
 * Validates and partitions the upload into one clean series per customer, in this Lambda or,
 * for an input too large for one, in a SageMaker Processing job (`{ pending: true }` while it runs).
 */
export async function run(input: PipelineState, ports: PreprocessPorts) {
  return preprocessStep(ports, input);
}

export const main = lambda("Preprocess", PREPROCESS_PORTS, run);
