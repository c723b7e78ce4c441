import type { Db } from "./database.ts";
import type { InferenceEndpoint } from "./inference-endpoint.ts";
import type { ObjectStore } from "./object-store.ts";
import type { PipelineRunner } from "./pipeline-runner.ts";
import type { TrainSharding } from "../pipeline/train-shards.ts";
import type { Preprocessor } from "./preprocessor.ts";
import type { TrainingBackend } from "./training-backend.ts";
import type { UploadTarget } from "./upload-target.ts";

/** Everything a handler may use; each runtime wires one of these. */
export interface Ports {
  store: ObjectStore;
  bucket: string;
  runner: PipelineRunner;
  preprocessor: Preprocessor;
  training: TrainingBackend;
  endpoint: InferenceEndpoint;
  db: Db;
  uploads: UploadTarget;
  /**
   * Algorithms this runtime cannot run, with why (Prophet's WebAssembly is not in AWS's bundles):
   * Preprocess refuses a dataset that pins one, before any customer is trained.
   */
  unavailableAlgorithms?: Readonly<Record<string, string>>;
  /**
   * Who keeps one dataset's runs in upload order. `runner`: the pipeline runner runs them one
   * after another (the embedded stack's local runner). `preprocess`: runs execute at once (Step
   * Functions), so Preprocess waits, reading the runs table, until earlier ones have ended.
   */
  datasetOrder: DatasetOrder;
  /**
   * How Preprocess splits the run's customers into TrainShards' items: the shard size and the
   * backend of a dataset that names none (a remote backend gets one shard).
   */
  trainSharding: TrainSharding;
}

export type DatasetOrder = "runner" | "preprocess";
