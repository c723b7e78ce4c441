import type { StartModelServerOptions } from "./start-model-server.ts";

/** The port SageMaker asks for (`accept-bind-to-port`), else the contract's 8080. */
export const DEFAULT_PORT = 8080;

/**
 * The container's settings, read from the environment in this one place:
 * `SAGEMAKER_BIND_TO_PORT` (port), `MYRIAD_MODEL_MEMORY_BYTES` (budget for loaded models),
 * `MYRIAD_MAX_MODELS`, and DJL-style `MYRIAD_MIN_WORKERS`, `MYRIAD_MAX_WORKERS`,
 * `MYRIAD_BATCH_SIZE`, `MYRIAD_JOB_QUEUE_SIZE`. Unset means the app's defaults.
 */
export function modelServerOptionsFromEnv(env: NodeJS.ProcessEnv): StartModelServerOptions {
  const workers = {
    minWorkers: numberFromEnv(env, "MYRIAD_MIN_WORKERS"),
    maxWorkers: numberFromEnv(env, "MYRIAD_MAX_WORKERS"),
    batchSize: numberFromEnv(env, "MYRIAD_BATCH_SIZE"),
    jobQueueSize: numberFromEnv(env, "MYRIAD_JOB_QUEUE_SIZE"),
  };
  return {
    port: numberFromEnv(env, "SAGEMAKER_BIND_TO_PORT") ?? DEFAULT_PORT,
    host: "0.0.0.0",
    memoryBudgetBytes: numberFromEnv(env, "MYRIAD_MODEL_MEMORY_BYTES"),
    maxModels: numberFromEnv(env, "MYRIAD_MAX_MODELS"),
    workers: Object.fromEntries(Object.entries(workers).filter(([, v]) => v !== undefined)),
  };
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer (got ${raw})`);
  return value;
}
