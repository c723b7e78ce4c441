import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { S3Client } from "@aws-sdk/client-s3";
import { ForecastClient } from "@aws-sdk/client-forecast";
import type { Backend } from "@myriad/core/dataset/dataset-config";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { Ports } from "@myriad/core/ports/ports";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { createAuroraDb } from "./aurora-database.ts";
import { type AwsConfig, ENV, readAwsConfig, required } from "./env.ts";
import { ForecastTrainingBackend } from "./forecast-training-backend.ts";
import { LambdaTrainingBackend } from "./lambda-training-backend.ts";
import { createS3Client, S3ObjectStore } from "./s3-object-store.ts";
import { S3UploadTarget } from "./s3-upload-target.ts";
import { SageMakerInferenceEndpoint } from "./sagemaker-inference-endpoint.ts";
import { SageMakerTrainingBackend } from "./sagemaker-training-backend.ts";
import { SfnPipelineRunner } from "./sfn-pipeline-runner.ts";

/**
 * The AWS runtime's wiring: the only place that reads configuration (through env.ts) and
 * picks adapters. Nothing connects here; a port whose variables a function lacks (the
 * authorizer has no state machine) throws naming the variable when it is first used.
 */
export async function createAwsPorts(config: AwsConfig = readAwsConfig()): Promise<Ports> {
  const region = config.region;
  const s3 = createS3Client({ region });
  const bucket = config.bucket ?? "";
  const store: ObjectStore = config.bucket
    ? new S3ObjectStore(s3, config.bucket)
    : unconfigured<ObjectStore>("object store", ENV.bucket);
  const runner = config.stateMachineArn
    ? new SfnPipelineRunner(new SFNClient({ region }), config.stateMachineArn)
    : unconfigured<Ports["runner"]>("pipeline runner", ENV.stateMachineArn);
  const endpoint = config.endpointName
    ? new SageMakerInferenceEndpoint(
        new SageMakerRuntimeClient({ region }),
        config.endpointName,
        config.warmConcurrency,
      )
    : unconfigured<Ports["endpoint"]>("inference endpoint", ENV.endpointName);
  const db = config.databaseUrl
    ? createAuroraDb({ url: config.databaseUrl })
    : config.dbSecretArn
      ? createAuroraDb({
          secretArn: config.dbSecretArn,
          secrets: new SecretsManagerClient({ region }),
          host: config.dbHost,
          database: config.dbName,
        })
      : unconfigured<Ports["db"]>("database", `${ENV.dbSecretArn} or ${ENV.databaseUrl}`);
  const training = new BackendRouter(config.trainingBackend, (backend) =>
    createTrainingBackend(backend, config, store, s3),
  );
  const uploads = config.bucket
    ? new S3UploadTarget(s3, config.bucket)
    : unconfigured<Ports["uploads"]>("upload target", ENV.bucket);
  return { store, bucket, runner, training, endpoint, db, uploads };
}

/** One training backend by name, configured from the environment. */
export function createTrainingBackend(
  backend: Backend,
  config: AwsConfig,
  store: ObjectStore,
  s3: S3Client = createS3Client({ region: config.region }),
): TrainingBackend {
  switch (backend) {
    case "local":
      return new LambdaTrainingBackend(store, config.trainConcurrency);
    case "sagemaker":
      return new SageMakerTrainingBackend(new SageMakerClient({ region: config.region }), s3, store, {
        bucket: required(config.bucket, ENV.bucket),
        image: required(config.training.image, ENV.trainingImage),
        roleArn: required(config.training.roleArn, ENV.trainingRoleArn),
        instanceType: config.training.instanceType,
        instanceCount: config.training.instanceCount,
        maxRuntimeSeconds: config.training.maxSeconds,
        waitMs: config.training.waitSeconds * 1000,
      });
    case "forecast":
      return new ForecastTrainingBackend(new ForecastClient({ region: config.region }), store, {
        bucket: required(config.bucket, ENV.bucket),
        roleArn: required(config.forecastRoleArn, ENV.forecastRoleArn),
        waitMs: config.training.waitSeconds * 1000,
      });
  }
}

/** A TrainJob that names its backend (the dataset's `backend`); the deploy's default otherwise. */
export type RoutedTrainJob = TrainJob & { backend?: Backend };

/**
 * Sends each job to its backend, built on first use, and returns results in the jobs' order.
 * Jobs without a `backend` go to the deploy's default (MYRIAD_TRAINING_BACKEND).
 */
export class BackendRouter implements TrainingBackend {
  readonly #default: Backend;
  readonly #make: (backend: Backend) => TrainingBackend;
  readonly #built = new Map<Backend, TrainingBackend>();

  constructor(defaultBackend: Backend, make: (backend: Backend) => TrainingBackend) {
    this.#default = defaultBackend;
    this.#make = make;
  }

  backend(name: Backend): TrainingBackend {
    let b = this.#built.get(name);
    if (!b) this.#built.set(name, (b = this.#make(name)));
    return b;
  }

  async train(
    jobs: RoutedTrainJob[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<TrainResult[]> {
    const groups = new Map<Backend, number[]>();
    jobs.forEach((job, i) => {
      const name = job.backend ?? this.#default;
      groups.set(name, [...(groups.get(name) ?? []), i]);
    });
    const results = new Array<TrainResult>(jobs.length);
    let done = 0;
    for (const [name, indexes] of groups) {
      const before = done;
      const out = await this.backend(name).train(
        indexes.map((i) => jobs[i]),
        (d) => onProgress?.(before + d, jobs.length),
      );
      for (const [k, i] of indexes.entries()) results[i] = out[k];
      done += indexes.length;
    }
    return results;
  }
}

/** A port this function was not configured for: any call throws naming the variable. */
function unconfigured<T extends object>(what: string, envKey: string): T {
  return new Proxy({} as T, {
    get(_, prop) {
      if (prop === "then") return undefined; // not a thenable
      return () => {
        throw new Error(`${what} is not configured: set ${envKey}`);
      };
    },
  });
}
