import type { Backend } from "@myriad/core/dataset/dataset-config";
import { DEFAULT_CUSTOMERS_PER_SHARD } from "@myriad/core/pipeline/train-shards";
import {
  DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES,
  PREPROCESS_MODES,
  type PreprocessMode,
} from "@myriad/functions/aws/env";
import type { App } from "sst/constructs";

/**
 * Deploy-time settings. Each stage starts from STAGE_DEFAULTS (`prod` is sized for traffic,
 * every other stage for cost) and any `MYRIAD_*` variable set when running `sst deploy`
 * overrides it; sst.config.ts reads them once with readMyriadConfig.
 */
export interface MyriadConfig {
  /** Training backend when a dataset does not name one. */
  trainingBackend: Backend;
  trainingInstanceType: string;
  trainingInstanceCount: number;
  trainingMaxSeconds: number;
  /** Memory of the Train Lambda (the `local` backend trains in it); vCPUs grow with it. */
  trainMemoryMb: number;
  /** Customers per TrainShards item (one child execution, one Train Lambda) for the `local` backend. */
  trainShardSize: number;
  /** Where Preprocess runs: `auto` (by input size), `lambda` or `processing` (SageMaker Processing). */
  preprocessMode: PreprocessMode;
  /** In `auto` mode, inputs of at least this many CSV bytes go to a SageMaker Processing job. */
  preprocessMaxLambdaBytes: number;
  preprocessInstanceType: string;
  /** StoppingCondition of a preprocess Processing job. */
  preprocessMaxSeconds: number;
  endpointInstanceType: string;
  endpointMinInstances: number;
  endpointMaxInstances: number;
  /** Target of SageMakerVariantInvocationsPerInstance (invocations per instance per minute). */
  endpointInvocationsPerInstance: number;
  /** Creates the Amazon Forecast role and permissions (closed to new AWS customers). */
  forecastEnabled: boolean;
  dbMinAcu: number;
  dbMaxAcu: number;
  natGateways: number;
  /** Keep the bucket and a final database snapshot on `sst remove`; deletion protection on. */
  retain: boolean;
  logRetentionDays: number;
}

const DEV: MyriadConfig = {
  trainingBackend: "sagemaker",
  trainingInstanceType: "ml.m5.large",
  trainingInstanceCount: 1,
  trainingMaxSeconds: 3600,
  trainMemoryMb: 3008,
  trainShardSize: DEFAULT_CUSTOMERS_PER_SHARD,
  preprocessMode: "auto",
  preprocessMaxLambdaBytes: DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES,
  preprocessInstanceType: "ml.m5.large",
  preprocessMaxSeconds: 6 * 3600,
  endpointInstanceType: "ml.m5.large",
  endpointMinInstances: 1,
  endpointMaxInstances: 2,
  endpointInvocationsPerInstance: 600,
  forecastEnabled: false,
  dbMinAcu: 0.5,
  dbMaxAcu: 4,
  natGateways: 1,
  retain: false,
  logRetentionDays: 14,
};

export const STAGE_DEFAULTS: Record<string, Partial<MyriadConfig>> = {
  prod: {
    trainingInstanceCount: 2,
    endpointInstanceType: "ml.c5.xlarge",
    endpointMinInstances: 2,
    endpointMaxInstances: 8,
    dbMinAcu: 0.5,
    dbMaxAcu: 16,
    natGateways: 2,
    retain: true,
    logRetentionDays: 90,
  },
};

type Env = Record<string, string | undefined>;

const num = (env: Env, key: string, fallback: number) => {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${key} must be a number (got ${raw})`);
  return n;
};
const bool = (env: Env, key: string, fallback: boolean) => {
  const raw = env[key]?.toLowerCase();
  return raw === undefined || raw === "" ? fallback : ["1", "true", "yes", "on"].includes(raw);
};

/** The stage's defaults with `MYRIAD_*` overrides applied, validated. */
export function readMyriadConfig(stage: string, env: Env = process.env): MyriadConfig {
  const base = { ...DEV, ...STAGE_DEFAULTS[stage] };
  const backend = env.MYRIAD_TRAINING_BACKEND ?? base.trainingBackend;
  if (!["local", "sagemaker", "forecast"].includes(backend)) {
    throw new Error(`MYRIAD_TRAINING_BACKEND must be local, sagemaker or forecast (got ${backend})`);
  }
  const preprocessMode = env.MYRIAD_PREPROCESS_MODE || base.preprocessMode;
  if (!(PREPROCESS_MODES as readonly string[]).includes(preprocessMode)) {
    throw new Error(`MYRIAD_PREPROCESS_MODE must be ${PREPROCESS_MODES.join(", ")} (got ${preprocessMode})`);
  }
  const config: MyriadConfig = {
    trainingBackend: backend as Backend,
    trainingInstanceType: env.MYRIAD_TRAINING_INSTANCE_TYPE ?? base.trainingInstanceType,
    trainingInstanceCount: num(env, "MYRIAD_TRAINING_INSTANCE_COUNT", base.trainingInstanceCount),
    trainingMaxSeconds: num(env, "MYRIAD_TRAINING_MAX_SECONDS", base.trainingMaxSeconds),
    trainMemoryMb: num(env, "MYRIAD_TRAIN_MEMORY_MB", base.trainMemoryMb),
    trainShardSize: num(env, "MYRIAD_TRAIN_SHARD_SIZE", base.trainShardSize),
    preprocessMode: preprocessMode as PreprocessMode,
    preprocessMaxLambdaBytes: num(env, "MYRIAD_PREPROCESS_MAX_LAMBDA_BYTES", base.preprocessMaxLambdaBytes),
    preprocessInstanceType: env.MYRIAD_PREPROCESS_INSTANCE_TYPE ?? base.preprocessInstanceType,
    preprocessMaxSeconds: num(env, "MYRIAD_PREPROCESS_MAX_SECONDS", base.preprocessMaxSeconds),
    endpointInstanceType: env.MYRIAD_ENDPOINT_INSTANCE_TYPE ?? base.endpointInstanceType,
    endpointMinInstances: num(env, "MYRIAD_ENDPOINT_MIN_INSTANCES", base.endpointMinInstances),
    endpointMaxInstances: num(env, "MYRIAD_ENDPOINT_MAX_INSTANCES", base.endpointMaxInstances),
    endpointInvocationsPerInstance: num(
      env,
      "MYRIAD_ENDPOINT_INVOCATIONS_PER_INSTANCE",
      base.endpointInvocationsPerInstance,
    ),
    forecastEnabled: bool(env, "MYRIAD_FORECAST_ENABLED", base.forecastEnabled || backend === "forecast"),
    dbMinAcu: num(env, "MYRIAD_DB_MIN_ACU", base.dbMinAcu),
    dbMaxAcu: num(env, "MYRIAD_DB_MAX_ACU", base.dbMaxAcu),
    natGateways: num(env, "MYRIAD_NAT_GATEWAYS", base.natGateways),
    retain: bool(env, "MYRIAD_RETAIN", base.retain),
    logRetentionDays: num(env, "MYRIAD_LOG_RETENTION_DAYS", base.logRetentionDays),
  };
  if (config.endpointMinInstances < 1 || config.endpointMaxInstances < config.endpointMinInstances) {
    throw new Error("endpoint instances: need 1 ≤ min ≤ max");
  }
  if (config.preprocessMaxLambdaBytes < 0) throw new Error("MYRIAD_PREPROCESS_MAX_LAMBDA_BYTES must be ≥ 0");
  if (config.trainingInstanceCount < 1) throw new Error("MYRIAD_TRAINING_INSTANCE_COUNT must be at least 1");
  if (!Number.isInteger(config.trainShardSize) || config.trainShardSize < 1)
    throw new Error("MYRIAD_TRAIN_SHARD_SIZE must be a whole number of customers, at least 1");
  if (config.dbMaxAcu < Math.max(config.dbMinAcu, 1))
    throw new Error("MYRIAD_DB_MAX_ACU must be ≥ 1 and ≥ the minimum");
  return config;
}

const CONFIGS = new WeakMap<object, MyriadConfig>();

/** Attaches the configuration to the app, before its stacks run. */
export function setMyriadConfig(app: App, config: MyriadConfig): void {
  CONFIGS.set(app, config);
}

/** The app's configuration (the stage defaults when sst.config.ts set none). */
export function myriadConfig(app: App): MyriadConfig {
  let config = CONFIGS.get(app);
  if (!config) CONFIGS.set(app, (config = readMyriadConfig(app.stage, {})));
  return config;
}

/** `<stage>-<app>-<suffix>`: names other stacks can compute without a reference. */
export const resourceName = (app: App, suffix: string) => app.logicalPrefixedName(suffix);
