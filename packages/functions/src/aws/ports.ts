import { ForecastClient } from "@aws-sdk/client-forecast";
import type { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { Backend } from "@myriad/core/dataset/dataset-config";
import { InProcessPreprocessor } from "@myriad/core/ingest/in-process-preprocessor";
import type { Db } from "@myriad/core/ports/database";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { Ports } from "@myriad/core/ports/ports";
import type { Preprocessor } from "@myriad/core/ports/preprocessor";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { createAuroraDb } from "./aurora-database.ts";
import { BackendRouter } from "./backend-router.ts";
import { type AwsConfig, ENV, readAwsConfig, required } from "./env.ts";
import { ForecastTrainingBackend } from "./forecast-training-backend.ts";
import { LambdaTrainingBackend } from "./lambda-training-backend.ts";
import { PreprocessRouter, estimatedCsvBytes } from "./preprocess-router.ts";
import { createS3Client, S3ObjectStore } from "./s3-object-store.ts";
import { S3UploadTarget } from "./s3-upload-target.ts";
import { emfMetricSink, SageMakerInferenceEndpoint } from "./sagemaker-inference-endpoint.ts";
import { SageMakerProcessingPreprocessor } from "./sagemaker-processing-preprocessor.ts";
import { SageMakerTrainingBackend } from "./sagemaker-training-backend.ts";
import { SfnPipelineRunner } from "./sfn-pipeline-runner.ts";

export type PortName = keyof Ports;

/**
 * The AWS runtime's wiring: the only place that reads configuration (through env.ts) and picks
 * adapters. It builds exactly the ports a handler declares, at its cold start, and throws one
 * error naming every missing variable, so a function deployed without its configuration fails
 * on its first invocation rather than half-way through a run. Nothing connects here (the
 * database connects on its first query).
 */
export function createAwsPorts<K extends PortName>(
  names: readonly K[],
  config: AwsConfig = readAwsConfig(),
): Pick<Ports, K> {
  const build = builders(config);
  const ports: Partial<Ports> = {};
  const missing: string[] = [];
  for (const name of new Set(names)) {
    try {
      Object.assign(ports, { [name]: build[name]() });
    } catch (e) {
      missing.push(`${name}: ${(e as Error).message}`);
    }
  }
  if (missing.length > 0)
    throw new Error(`this function is not configured for the ports it needs (${missing.join("; ")})`);
  return ports as Pick<Ports, K>;
}

/** How each port is made in AWS; each throws naming the variable it lacks. */
function builders(config: AwsConfig): { [K in PortName]-?: () => NonNullable<Ports[K]> } {
  const region = config.region;
  let s3: S3Client | undefined;
  let store: ObjectStore | undefined;
  const bucket = () => required(config.bucket, ENV.bucket);
  const s3Client = () => (s3 ??= createS3Client({ region }));
  const objectStore = () => (store ??= new S3ObjectStore(s3Client(), bucket()));
  return {
    bucket,
    store: objectStore,
    uploads: () => new S3UploadTarget(s3Client(), bucket()),
    runner: () =>
      new SfnPipelineRunner(new SFNClient({ region }), required(config.stateMachineArn, ENV.stateMachineArn)),
    preprocessor: () => createPreprocessor(config, objectStore()),
    training: () => createTrainingRouter(config, objectStore(), s3Client()),
    endpoint: () => {
      const name = required(config.endpointName, ENV.endpointName);
      return new SageMakerInferenceEndpoint(
        new SageMakerRuntimeClient({ region }),
        name,
        config.warmConcurrency,
        emfMetricSink(name),
      );
    },
    db: () => createDb(config),
    unavailableAlgorithms: () => AWS_UNAVAILABLE_ALGORITHMS,
    // Step Functions runs a dataset's executions at once: Preprocess waits for earlier ones.
    datasetOrder: () => "preprocess",
    // The Preprocess Lambda gets the deploy's backend too, to give a remote one a single shard.
    trainSharding: () => ({
      customersPerShard: config.trainShardSize,
      defaultBackend: config.trainingBackend,
    }),
  };
}

/** DATABASE_URL when set (tests, a database outside AWS), else the secret through RDS Proxy. */
function createDb(config: AwsConfig): Db {
  if (config.databaseUrl) return createAuroraDb({ url: config.databaseUrl });
  return createAuroraDb({
    secretArn: required(config.dbSecretArn, `${ENV.dbSecretArn} (or ${ENV.databaseUrl})`),
    secrets: new SecretsManagerClient({ region: config.region }),
    host: config.dbHost,
    database: config.dbName,
  });
}

/**
 * Prophet fits through augurs' WebAssembly, which is loaded from node_modules beside the module
 * (import.meta.url): neither the Lambda bundle nor the training image ships it.
 */
export const AWS_UNAVAILABLE_ALGORITHMS: Readonly<Record<string, string>> = {
  Prophet:
    "Prophet's WebAssembly is not shipped in the AWS Lambda bundle or the SageMaker training image; it runs on the embedded stack only",
};

/**
 * In this Lambda (`lambda` mode), or routed by size between it and a SageMaker Processing job
 * (`auto`, `processing`), whose image and role are then required.
 */
export function createPreprocessor(config: AwsConfig, store: ObjectStore): Preprocessor {
  const p = config.preprocess;
  const local = new InProcessPreprocessor(store);
  if (p.mode === "lambda") return local;
  const remote = new SageMakerProcessingPreprocessor(
    new SageMakerClient({ region: config.region }),
    store,
    {
      bucket: required(config.bucket, ENV.bucket),
      region: config.region,
      image: required(p.image, ENV.preprocessImage),
      roleArn: required(p.roleArn, ENV.preprocessRoleArn),
      instanceType: p.instanceType,
      maxRuntimeSeconds: p.maxSeconds,
      waitMs: p.waitSeconds * 1000,
    },
    (input) => estimatedCsvBytes(input),
  );
  return new PreprocessRouter({ mode: p.mode, maxLambdaBytes: p.maxLambdaBytes, store, local, remote });
}

/**
 * The deploy's default backend is built now, so its missing configuration fails the cold start;
 * another one a dataset names (`backend` in _dataset.json) is built on first use.
 */
function createTrainingRouter(config: AwsConfig, store: ObjectStore, s3: S3Client): TrainingBackend {
  const router = new BackendRouter(config.trainingBackend, (backend: Backend) =>
    createTrainingBackend(backend, config, store, s3),
  );
  router.backend(config.trainingBackend);
  return router;
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
