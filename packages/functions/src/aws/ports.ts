import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { S3Client } from "@aws-sdk/client-s3";
import { ForecastClient } from "@aws-sdk/client-forecast";
import type { Backend } from "@myriad/core/dataset/dataset-config";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import { InProcessPreprocessor } from "@myriad/core/ingest/in-process-preprocessor";
import type { PreprocessResult } from "@myriad/core/pipeline/manifest";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { RunInput } from "@myriad/core/ports/pipeline-runner";
import type { Ports } from "@myriad/core/ports/ports";
import type { Preprocessor } from "@myriad/core/ports/preprocessor";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { createAuroraDb } from "./aurora-database.ts";
import { type AwsConfig, ENV, type PreprocessMode, readAwsConfig, required } from "./env.ts";
import { ForecastTrainingBackend } from "./forecast-training-backend.ts";
import { LambdaTrainingBackend } from "./lambda-training-backend.ts";
import { createS3Client, S3ObjectStore } from "./s3-object-store.ts";
import { S3UploadTarget } from "./s3-upload-target.ts";
import { emfMetricSink, SageMakerInferenceEndpoint } from "./sagemaker-inference-endpoint.ts";
import { SageMakerProcessingPreprocessor } from "./sagemaker-processing-preprocessor.ts";
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
        emfMetricSink(config.endpointName),
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
  return {
    store,
    bucket,
    runner,
    preprocessor: createPreprocessor(config, store),
    training,
    endpoint,
    db,
    uploads,
    unavailableAlgorithms: AWS_UNAVAILABLE_ALGORITHMS,
  };
}

/**
 * Prophet fits through augurs' WebAssembly, which is loaded from node_modules beside the module
 * (import.meta.url): neither the Lambda bundle nor the training image ships it.
 */
export const AWS_UNAVAILABLE_ALGORITHMS: Readonly<Record<string, string>> = {
  Prophet:
    "Prophet's WebAssembly is not shipped in the AWS Lambda bundle or the SageMaker training image; it runs on the embedded stack only",
};

/** In this Lambda, or a SageMaker Processing job for inputs a Lambda cannot finish in time. */
export function createPreprocessor(config: AwsConfig, store: ObjectStore): Preprocessor {
  const p = config.preprocess;
  const remote =
    config.bucket && p.image && p.roleArn
      ? new SageMakerProcessingPreprocessor(
          new SageMakerClient({ region: config.region }),
          store,
          {
            bucket: config.bucket,
            region: config.region,
            image: p.image,
            roleArn: p.roleArn,
            instanceType: p.instanceType,
            maxRuntimeSeconds: p.maxSeconds,
            waitMs: p.waitSeconds * 1000,
          },
          (input) => estimatedCsvBytes(input),
        )
      : unconfigured<Preprocessor>(
          "SageMaker Processing preprocessor",
          `${ENV.bucket}, ${ENV.preprocessImage} and ${ENV.preprocessRoleArn}`,
        );
  return new PreprocessRouter({
    mode: p.mode,
    maxLambdaBytes: p.maxLambdaBytes,
    store,
    local: new InProcessPreprocessor(store),
    remote,
  });
}

/**
 * What a gzip input counts for against the Lambda threshold, per byte. Meter CSV compresses
 * 3–8× (3.4× for the ingest benchmark's data) and preprocess time follows the CSV bytes; the top
 * of the range is taken because guessing "Lambda" wrongly fails the run at 15 minutes, while
 * guessing "Processing" wrongly only costs a job's start-up.
 */
export const GZIP_EXPANSION = 8;

/** The input's CSV bytes as the threshold counts them: `.gz` names count GZIP_EXPANSION times. */
export function estimatedCsvBytes(input: RunInput, gzip = /\.gz$/i.test(input.key)): number {
  return gzip ? input.size * GZIP_EXPANSION : input.size;
}

export interface PreprocessRouterOptions {
  mode: PreprocessMode;
  maxLambdaBytes: number;
  /** Where the input is, for its first bytes. */
  store: ObjectStore;
  local: Preprocessor;
  remote: Preprocessor;
}

/**
 * Sends each run's Preprocess to the Lambda (`local`) or to the remote job, by
 * MYRIAD_PREPROCESS_MODE: `lambda` and `processing` always pick one; `auto` picks the remote
 * job for inputs of at least `maxLambdaBytes` CSV bytes. An input that is gzip (by its first
 * bytes, as preprocess itself decides) counts GZIP_EXPANSION bytes per byte; its first bytes
 * are read only when that decides the route.
 */
export class PreprocessRouter implements Preprocessor {
  readonly #o: PreprocessRouterOptions;

  constructor(options: PreprocessRouterOptions) {
    this.#o = options;
  }

  async run(input: RunInput): Promise<PreprocessResult> {
    return (await this.remote(input)) ? this.#o.remote.run(input) : this.#o.local.run(input);
  }

  /** Whether this run's input goes to the remote job. */
  async remote(input: RunInput): Promise<boolean> {
    const { mode, maxLambdaBytes, store } = this.#o;
    if (mode !== "auto") return mode === "processing";
    if (estimatedCsvBytes(input, false) >= maxLambdaBytes) return true;
    if (estimatedCsvBytes(input, true) < maxLambdaBytes) return false;
    return startsWithGzipMagic(await store.getStream(input.key));
  }
}

/** Reads the stream's first chunk only: leaving the loop closes the stream (an aborted GET in S3). */
async function startsWithGzipMagic(stream: AsyncIterable<Uint8Array> | undefined): Promise<boolean> {
  if (stream === undefined) return false;
  for await (const chunk of stream) return chunk[0] === 0x1f && chunk[1] === 0x8b;
  return false;
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
