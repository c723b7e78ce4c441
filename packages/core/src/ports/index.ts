export type { Db } from "./database.ts";
export type {
  ForecastPoint,
  InferenceEndpoint,
  InvokeRequest,
  InvokeResponse,
} from "./inference-endpoint.ts";
export type { ObjectInfo, ObjectStore } from "./object-store.ts";
export type { PipelineRunner, RunInput, StartedRun } from "./pipeline-runner.ts";
export type { Preprocessor } from "./preprocessor.ts";
export type { TrainingBackend } from "./training-backend.ts";
export type { Ports } from "./ports.ts";
export type { UploadTarget, UploadTicket } from "./upload-target.ts";
