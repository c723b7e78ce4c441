import { join } from "node:path";

/**
 * SageMaker's training filesystem contract under one root (`/opt/ml` in the container, a
 * temporary directory in tests):
 * - `input/config/resourceconfig.json`: `{ current_host, hosts }`;
 * - `input/config/inputdataconfig.json`: each channel's `S3DistributionType`;
 * - `input/config/hyperparameters.json`: string values;
 * - `input/data/<channel>/`: the channel's objects, relative to its S3 prefix;
 * - `checkpoints/`: synced to CheckpointConfig.S3Uri file by file, restored on restart;
 * - `model/`: tarred into one model.tar.gz at the end (we put only a summary there);
 * - `output/failure`: the reason, when the job fails.
 */
export function sagemakerPaths(root = "/opt/ml") {
  return {
    root,
    resourceConfig: join(root, "input", "config", "resourceconfig.json"),
    inputDataConfig: join(root, "input", "config", "inputdataconfig.json"),
    hyperparameters: join(root, "input", "config", "hyperparameters.json"),
    channel: (name: string) => join(root, "input", "data", name),
    checkpoints: join(root, "checkpoints"),
    model: join(root, "model"),
    failure: join(root, "output", "failure"),
  };
}

export type SageMakerPaths = ReturnType<typeof sagemakerPaths>;

/**
 * What the Train Lambda's SageMaker backend and this entry point agree on
 * (packages/functions/src/aws/sagemaker-training-backend.ts holds the same values; a test
 * checks they match).
 */
export const TRAINING_LAYOUT = {
  trainChannel: "train",
  jobsChannel: "jobs",
  driversChannel: "drivers",
  jobsFile: "jobs.json",
  manifestFile: "train.manifest",
  resultsDir: "results",
} as const;
