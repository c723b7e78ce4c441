import type { Db } from "./database.ts";
import type { InferenceEndpoint } from "./inference-endpoint.ts";
import type { ObjectStore } from "./object-store.ts";
import type { PipelineRunner } from "./pipeline-runner.ts";
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
}
