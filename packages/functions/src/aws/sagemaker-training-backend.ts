import { CopyObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DescribeTrainingJobCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { createHash } from "node:crypto";
import pMap from "p-map";
import { sleep } from "./sleep.ts";
import { TrainingStillRunning, trainingPrefix } from "./training-common.ts";

/** The slices of the SageMaker and S3 clients this adapter uses. */
export type SageMakerSlice = Pick<SageMakerClient, "send">;
export type S3CopySlice = Pick<S3Client, "send">;

/**
 * The training container's filesystem contract, as packages/model-server/src/training reads it
 * (test/aws/training-entry-point.test.ts checks both sides agree):
 * - channel `train`: a ManifestFile listing this run's customers' `data.csv` under the prefix
 *   `customers/<dataset>/` (`training/<dataset>/<version>/train.manifest`), ShardedByS3Key, so
 *   each host gets its share of them under `/opt/ml/input/data/train/<id>/data.csv` and no
 *   host downloads the customers of earlier uploads that this run does not train;
 * - channel `jobs`: `jobs.json`, the TrainJob list, FullyReplicated;
 * - channel `drivers`: `drivers/<dataset>/` (item metadata and related series), FullyReplicated,
 *   only when the dataset has any (SageMaker refuses a channel with no objects);
 * - each customer's artifact is written to `/opt/ml/checkpoints/<modelKey>`, its own file,
 *   which SageMaker uploads file by file to the CheckpointConfig prefix (and restores after a
 *   Spot interruption, so a restarted host skips finished customers);
 * - each host's TrainResult list goes to `/opt/ml/checkpoints/results/<host>.json`.
 */
export const TRAINING_LAYOUT = {
  trainChannel: "train",
  jobsChannel: "jobs",
  driversChannel: "drivers",
  jobsFile: "jobs.json",
  manifestFile: "train.manifest",
  resultsDir: "results",
} as const;

/**
 * The `train` channel's manifest (API_S3DataSource: a JSON array whose first element is
 * `{"prefix": "s3://…"}`, followed by the keys relative to it): this run's customers only.
 */
export function trainingManifest(bucket: string, jobs: TrainJob[]): string {
  const dataset = jobs[0]?.dataset ?? "";
  const prefix = `customers/${dataset}/`;
  const keys = jobs.map((job) => {
    if (!job.dataKey.startsWith(prefix)) throw new Error(`${job.dataKey} is not under ${prefix}`);
    return job.dataKey.slice(prefix.length);
  });
  return JSON.stringify([{ prefix: `s3://${bucket}/${prefix}` }, ...keys]);
}

export interface SageMakerTrainingOptions {
  bucket: string;
  /** ECR image URI of packages/model-server/training.Dockerfile. */
  image: string;
  /** Execution role SageMaker assumes: reads `customers/` and `training/`, writes `training/`. */
  roleArn: string;
  instanceType: string;
  instanceCount: number;
  /** StoppingCondition.MaxRuntimeInSeconds. */
  maxRuntimeSeconds: number;
  volumeSizeGb?: number;
  /** How long `train` waits in this process before handing back with TrainingPending. */
  waitMs?: number;
  pollMs?: number;
  copyConcurrency?: number;
}

/**
 * A deterministic job name (a retried Train Lambda finds its job instead of starting another):
 * `myriad-<dataset>-<hash>`, and `-<attempt>` for the job a redrive starts after a failed one,
 * within SageMaker's 63 characters of `[A-Za-z0-9-]`.
 */
export function trainingJobName(dataset: string, version: string, attempt = 1): string {
  const hash = createHash("sha256").update(`${dataset}\n${version}`).digest("hex").slice(0, 12);
  const slug = dataset
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `myriad-${slug ? `${slug}-` : ""}${hash}${attempt > 1 ? `-${attempt}` : ""}`;
}

/** The CreateTrainingJob request for one dataset version; also what a `.sync` ASL state would send. */
export function trainingJobRequest(
  dataset: string,
  version: string,
  o: SageMakerTrainingOptions,
  attempt = 1,
  withDrivers = false,
): CreateTrainingJobCommandInput {
  const base = `s3://${o.bucket}/${trainingPrefix(dataset, version)}`;
  return {
    TrainingJobName: trainingJobName(dataset, version, attempt),
    AlgorithmSpecification: { TrainingImage: o.image, TrainingInputMode: "File" },
    RoleArn: o.roleArn,
    HyperParameters: { dataset, version },
    InputDataConfig: [
      {
        ChannelName: TRAINING_LAYOUT.trainChannel,
        DataSource: {
          S3DataSource: {
            S3DataType: "ManifestFile",
            S3Uri: `${base}${TRAINING_LAYOUT.manifestFile}`,
            S3DataDistributionType: "ShardedByS3Key",
          },
        },
        ContentType: "text/csv",
      },
      {
        ChannelName: TRAINING_LAYOUT.jobsChannel,
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: `${base}${TRAINING_LAYOUT.jobsFile}`,
            S3DataDistributionType: "FullyReplicated",
          },
        },
        ContentType: "application/json",
      },
      ...(withDrivers
        ? [
            {
              ChannelName: TRAINING_LAYOUT.driversChannel,
              DataSource: {
                S3DataSource: {
                  S3DataType: "S3Prefix" as const,
                  S3Uri: `s3://${o.bucket}/drivers/${dataset}/`,
                  S3DataDistributionType: "FullyReplicated" as const,
                },
              },
              ContentType: "application/json",
            },
          ]
        : []),
    ],
    OutputDataConfig: { S3OutputPath: `${base}output/` },
    CheckpointConfig: { S3Uri: `${base}checkpoints/`, LocalPath: "/opt/ml/checkpoints" },
    ResourceConfig: {
      InstanceType: o.instanceType as never,
      InstanceCount: o.instanceCount,
      VolumeSizeInGB: o.volumeSizeGb ?? 30,
    },
    StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntimeSeconds },
    // The container reads and writes only local files; SageMaker moves the data.
    EnableNetworkIsolation: true,
    Tags: [{ Key: "myriad:dataset", Value: dataset }],
  };
}

/**
 * The `sagemaker` backend: one SageMaker training job per Train state, spread over
 * `instanceCount` hosts by ShardedByS3Key. `train` writes the job list and the manifest of the
 * run's customers, starts the job (or
 * finds it, by name, on a retry), polls DescribeTrainingJob up to `waitMs`, then copies each
 * customer's artifact from the checkpoint prefix to its model key and returns the hosts'
 * results. A job still running at `waitMs` throws TrainingPending, and the state machine
 * calls again; Failed or Stopped jobs throw with SageMaker's FailureReason. Customers that no host
 * reported (or whose copy failed) come back as failed results; the others carry on.
 */
export class SageMakerTrainingBackend implements TrainingBackend {
  readonly #sagemaker: SageMakerSlice;
  readonly #s3: S3CopySlice;
  readonly #store: ObjectStore;
  readonly #o: SageMakerTrainingOptions;

  constructor(
    sagemaker: SageMakerSlice,
    s3: S3CopySlice,
    store: ObjectStore,
    options: SageMakerTrainingOptions,
  ) {
    this.#sagemaker = sagemaker;
    this.#s3 = s3;
    this.#store = store;
    this.#o = options;
  }

  async train(jobs: TrainJob[], onProgress?: (done: number, total: number) => void): Promise<TrainResult[]> {
    if (jobs.length === 0) return [];
    const { dataset, version } = jobs[0];
    if (jobs.some((j) => j.dataset !== dataset || j.version !== version)) {
      throw new Error("a SageMaker training job trains one dataset version: jobs mix datasets or versions");
    }
    const prefix = trainingPrefix(dataset, version);
    // A job that failed was reported and failed its run; a later call is a redrive, which starts
    // the next attempt's job. Checkpoints are shared, so customers already trained are skipped.
    let attempt = 1;
    while (await this.#store.head(`${prefix}failed/${trainingJobName(dataset, version, attempt)}`)) attempt++;
    const request = trainingJobRequest(dataset, version, this.#o, attempt, await this.#hasDrivers(dataset));
    const name = request.TrainingJobName as string;
    await this.#store.put(`${prefix}${TRAINING_LAYOUT.jobsFile}`, JSON.stringify(jobs), "application/json");
    await this.#store.put(
      `${prefix}${TRAINING_LAYOUT.manifestFile}`,
      trainingManifest(this.#o.bucket, jobs),
      "application/json",
    );
    try {
      await this.#sagemaker.send(new CreateTrainingJobCommand(request));
    } catch (e) {
      // A retried Train state: the job exists already; wait for it.
      if ((e as Error).name !== "ResourceInUse") throw e;
    }
    await this.#wait(name, `${prefix}failed/${name}`);
    const results = await this.collect(jobs);
    onProgress?.(jobs.length, jobs.length);
    return results;
  }

  /** Whether the dataset has stored drivers (metadata or related series) to send along. */
  async #hasDrivers(dataset: string): Promise<boolean> {
    for await (const _ of this.#store.list(`drivers/${dataset}/`)) return true;
    return false;
  }

  async #wait(name: string, failedMarker: string): Promise<void> {
    const deadline = Date.now() + (this.#o.waitMs ?? 10 * 60_000);
    for (;;) {
      const job = await this.#sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      const status = job.TrainingJobStatus ?? "Unknown";
      if (status === "Completed") return;
      if (status === "Failed" || status === "Stopped") {
        await this.#store.put(failedMarker, job.FailureReason ?? status, "text/plain");
        throw new Error(
          `training job ${name} ${status.toLowerCase()}: ${job.FailureReason ?? "no reason given"}`,
        );
      }
      if (Date.now() >= deadline)
        throw new TrainingStillRunning(`training job ${name}`, `${status}/${job.SecondaryStatus}`);
      await sleep(this.#o.pollMs ?? 30_000);
    }
  }

  /** Reads the hosts' results and copies each trained artifact to its model key. */
  async collect(jobs: TrainJob[]): Promise<TrainResult[]> {
    const { dataset, version } = jobs[0];
    const checkpoints = `${trainingPrefix(dataset, version)}checkpoints/`;
    const reported = new Map<string, TrainResult>();
    for await (const o of this.#store.list(`${checkpoints}${TRAINING_LAYOUT.resultsDir}/`)) {
      const bytes = await this.#store.get(o.key);
      if (!bytes) continue;
      for (const r of JSON.parse(new TextDecoder().decode(bytes)) as TrainResult[])
        reported.set(r.customerId, r);
    }
    return pMap(
      jobs,
      async (job): Promise<TrainResult> => {
        const result = reported.get(job.customerId);
        if (!result)
          return { ok: false, customerId: job.customerId, error: "no training host reported this customer" };
        if (!result.ok) return result;
        try {
          await this.#s3.send(
            new CopyObjectCommand({
              Bucket: this.#o.bucket,
              Key: job.modelKey,
              CopySource: `${this.#o.bucket}/${encodeURI(`${checkpoints}${job.modelKey}`)}`,
              ContentType: "application/gzip",
            }),
          );
          return { ...result, modelKey: job.modelKey };
        } catch (e) {
          return {
            ok: false,
            customerId: job.customerId,
            error: `artifact copy failed: ${(e as Error).message}`,
          };
        }
      },
      { concurrency: this.#o.copyConcurrency ?? 16 },
    );
  }
}
