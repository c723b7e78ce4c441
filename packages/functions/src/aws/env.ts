import { BACKENDS, type Backend } from "@myriad/core/dataset/dataset-config";
import { DEFAULT_CUSTOMERS_PER_SHARD } from "@myriad/core/pipeline/train-shards";
import { lambdaPreprocessMaxBytes, PREPROCESS_LAMBDA } from "./preprocess-lambda-sizing.ts";

/**
 * The one place the AWS runtime reads `process.env`, in the manner of powertools' envUtils:
 * typed getters with a default, and an error naming the variable when a required one is
 * missing or malformed. The Pipeline, Api and Database stacks set these variables.
 */
type Env = Record<string, string | undefined>;

export function getStringFromEnv(key: string, opts: { default?: string; env?: Env } = {}): string {
  const value = (opts.env ?? process.env)[key]?.trim();
  if (value) return value;
  if (opts.default !== undefined) return opts.default;
  throw new Error(`environment variable ${key} is required`);
}

export function getOptionalStringFromEnv(key: string, env: Env = process.env): string | undefined {
  const value = env[key]?.trim();
  return value ? value : undefined;
}

export function getNumberFromEnv(key: string, opts: { default?: number; env?: Env } = {}): number {
  const raw = getOptionalStringFromEnv(key, opts.env);
  if (raw === undefined) {
    if (opts.default !== undefined) return opts.default;
    throw new Error(`environment variable ${key} is required`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`environment variable ${key} must be a number (got ${raw})`);
  return value;
}

const TRUTHY = new Set(["1", "true", "on", "yes", "y"]);
const FALSY = new Set(["0", "false", "off", "no", "n"]);

export function getBooleanFromEnv(key: string, opts: { default?: boolean; env?: Env } = {}): boolean {
  const raw = getOptionalStringFromEnv(key, opts.env)?.toLowerCase();
  if (raw === undefined) {
    if (opts.default !== undefined) return opts.default;
    throw new Error(`environment variable ${key} is required`);
  }
  if (TRUTHY.has(raw)) return true;
  if (FALSY.has(raw)) return false;
  throw new Error(`environment variable ${key} must be a boolean (got ${raw})`);
}

/** Environment variable names, shared with the stacks that set them. */
export const ENV = {
  region: "AWS_REGION",
  bucket: "MYRIAD_BUCKET",
  stateMachineArn: "MYRIAD_STATE_MACHINE_ARN",
  databaseUrl: "DATABASE_URL",
  dbSecretArn: "MYRIAD_DB_SECRET_ARN",
  dbHost: "MYRIAD_DB_HOST",
  dbName: "MYRIAD_DB_NAME",
  endpointName: "MYRIAD_ENDPOINT_NAME",
  trainingBackend: "MYRIAD_TRAINING_BACKEND",
  trainConcurrency: "MYRIAD_TRAIN_CONCURRENCY",
  trainShardSize: "MYRIAD_TRAIN_SHARD_SIZE",
  warmConcurrency: "MYRIAD_WARM_CONCURRENCY",
  trainingImage: "MYRIAD_TRAINING_IMAGE",
  trainingRoleArn: "MYRIAD_TRAINING_ROLE_ARN",
  trainingInstanceType: "MYRIAD_TRAINING_INSTANCE_TYPE",
  trainingInstanceCount: "MYRIAD_TRAINING_INSTANCE_COUNT",
  trainingMaxSeconds: "MYRIAD_TRAINING_MAX_SECONDS",
  trainingWaitSeconds: "MYRIAD_TRAINING_WAIT_SECONDS",
  forecastRoleArn: "MYRIAD_FORECAST_ROLE_ARN",
  preprocessMode: "MYRIAD_PREPROCESS_MODE",
  preprocessMaxLambdaBytes: "MYRIAD_PREPROCESS_MAX_LAMBDA_BYTES",
  preprocessImage: "MYRIAD_PREPROCESS_IMAGE",
  preprocessRoleArn: "MYRIAD_PREPROCESS_ROLE_ARN",
  preprocessInstanceType: "MYRIAD_PREPROCESS_INSTANCE_TYPE",
  preprocessMaxSeconds: "MYRIAD_PREPROCESS_MAX_SECONDS",
  preprocessWaitSeconds: "MYRIAD_PREPROCESS_WAIT_SECONDS",
  adminKeySecretArn: "MYRIAD_ADMIN_KEY_SECRET_ARN",
} as const;

export interface AwsConfig {
  region: string | undefined;
  bucket: string | undefined;
  stateMachineArn: string | undefined;
  /** `postgres://…`: wins over the secret (tests, or a database outside AWS). */
  databaseUrl: string | undefined;
  dbSecretArn: string | undefined;
  /** The RDS Proxy endpoint; the secret's own host (the cluster writer) when unset. */
  dbHost: string | undefined;
  dbName: string | undefined;
  endpointName: string | undefined;
  trainingBackend: Backend;
  trainConcurrency: number;
  /** Customers per TrainShards item (a child execution, one Train Lambda) for the `local` backend. */
  trainShardSize: number;
  warmConcurrency: number;
  training: {
    image: string | undefined;
    roleArn: string | undefined;
    instanceType: string;
    instanceCount: number;
    maxSeconds: number;
    /** How long one Train invocation waits on a SageMaker or Forecast job before returning `pending`. */
    waitSeconds: number;
  };
  forecastRoleArn: string | undefined;
  preprocess: {
    /** `auto`: by input size; `lambda`: always in the Lambda; `processing`: always a SageMaker Processing job. */
    mode: PreprocessMode;
    /** Inputs of at least this many (CSV) bytes go to a Processing job in `auto` mode. */
    maxLambdaBytes: number;
    /** ECR image URI of packages/model-server/training.Dockerfile (its `preprocess` command). */
    image: string | undefined;
    roleArn: string | undefined;
    instanceType: string;
    maxSeconds: number;
    /** How long one Preprocess invocation waits on its job before returning `pending`. */
    waitSeconds: number;
  };
}

export const PREPROCESS_MODES = ["auto", "lambda", "processing"] as const;
export type PreprocessMode = (typeof PREPROCESS_MODES)[number];

/**
 * What the Preprocess Lambda, as the Pipeline stack sizes it, finishes in its time and /tmp
 * (3 GiB; see preprocess-lambda-sizing.ts for the measured and assumed figures).
 */
export const DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES = lambdaPreprocessMaxBytes(PREPROCESS_LAMBDA);

/** Reads every setting once. Missing optional values stay undefined: wiring a port that needs one fails. */
export function readAwsConfig(env: Env = process.env): AwsConfig {
  const backend = getStringFromEnv(ENV.trainingBackend, { default: "local", env });
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new Error(`${ENV.trainingBackend} must be one of ${BACKENDS.join(", ")} (got ${backend})`);
  }
  return {
    region: getOptionalStringFromEnv(ENV.region, env),
    bucket: getOptionalStringFromEnv(ENV.bucket, env),
    stateMachineArn: getOptionalStringFromEnv(ENV.stateMachineArn, env),
    databaseUrl: getOptionalStringFromEnv(ENV.databaseUrl, env),
    dbSecretArn: getOptionalStringFromEnv(ENV.dbSecretArn, env),
    dbHost: getOptionalStringFromEnv(ENV.dbHost, env),
    dbName: getOptionalStringFromEnv(ENV.dbName, env),
    endpointName: getOptionalStringFromEnv(ENV.endpointName, env),
    trainingBackend: backend as Backend,
    trainConcurrency: getNumberFromEnv(ENV.trainConcurrency, { default: 4, env }),
    trainShardSize: getNumberFromEnv(ENV.trainShardSize, { default: DEFAULT_CUSTOMERS_PER_SHARD, env }),
    warmConcurrency: getNumberFromEnv(ENV.warmConcurrency, { default: 8, env }),
    training: {
      image: getOptionalStringFromEnv(ENV.trainingImage, env),
      roleArn: getOptionalStringFromEnv(ENV.trainingRoleArn, env),
      instanceType: getStringFromEnv(ENV.trainingInstanceType, { default: "ml.m5.large", env }),
      instanceCount: getNumberFromEnv(ENV.trainingInstanceCount, { default: 1, env }),
      maxSeconds: getNumberFromEnv(ENV.trainingMaxSeconds, { default: 3600, env }),
      waitSeconds: getNumberFromEnv(ENV.trainingWaitSeconds, { default: 60, env }),
    },
    forecastRoleArn: getOptionalStringFromEnv(ENV.forecastRoleArn, env),
    preprocess: {
      mode: preprocessMode(env),
      maxLambdaBytes: getNumberFromEnv(ENV.preprocessMaxLambdaBytes, {
        default: DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES,
        env,
      }),
      image: getOptionalStringFromEnv(ENV.preprocessImage, env),
      roleArn: getOptionalStringFromEnv(ENV.preprocessRoleArn, env),
      instanceType: getStringFromEnv(ENV.preprocessInstanceType, { default: "ml.m5.large", env }),
      maxSeconds: getNumberFromEnv(ENV.preprocessMaxSeconds, { default: 6 * 3600, env }),
      waitSeconds: getNumberFromEnv(ENV.preprocessWaitSeconds, { default: 60, env }),
    },
  };
}

function preprocessMode(env: Env): PreprocessMode {
  const mode = getStringFromEnv(ENV.preprocessMode, { default: "auto", env });
  if (!(PREPROCESS_MODES as readonly string[]).includes(mode)) {
    throw new Error(`${ENV.preprocessMode} must be one of ${PREPROCESS_MODES.join(", ")} (got ${mode})`);
  }
  return mode as PreprocessMode;
}

/** The value, or an error naming the variable that should have held it. */
export function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`environment variable ${key} is required for this function`);
  return value;
}
