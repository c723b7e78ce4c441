import { runTrainJob } from "@myriad/core/forecasting/run-train-job";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ChannelObjectStore } from "./channel-object-store.ts";
import { type SageMakerPaths, sagemakerPaths, TRAINING_LAYOUT } from "./sagemaker-paths.ts";
import { type TrainingShare, trainInWorkers } from "./worker-processes.ts";

export interface TrainingOptions {
  /** SageMaker's root: `/opt/ml` in the container, a temp dir in tests. */
  root?: string;
  /** Customers one worker trains at once; fitting is synchronous, so this only overlaps file I/O. */
  concurrency?: number;
  /**
   * Processes that train this host's share side by side: one per vCPU in the container (fitting
   * is CPU-bound and single-threaded). 1, the default, trains in this process.
   */
  workers?: number;
  /** The script a worker process runs (the container's own entry point, which serves a share). */
  workerScript?: string;
  log?: (message: string) => void;
}

export interface TrainingSummary {
  host: string;
  hosts: number;
  /** Worker processes that trained this host's share (1: this process). */
  workers: number;
  assigned: number;
  trained: number;
  failed: number;
  /** Customers whose artifact and result a restored checkpoint already held. */
  resumed: number;
  resultsFile: string;
}

interface ResourceConfig {
  current_host: string;
  hosts: string[];
}

/**
 * The SageMaker training entry point: trains this host's share of the customers with core's
 * runTrainJob, writing each customer's artifact as its own file under `checkpoints/` (never one
 * archive), and this host's results to `checkpoints/results/<host>.json`.
 *
 * Which customers: with the `train` channel ShardedByS3Key, SageMaker already gave this host a
 * share of the `data.csv` files, so it trains the jobs whose file is here; with
 * FullyReplicated, job `i` goes to host `i mod hosts` (hosts sorted, from resourceconfig.json).
 * The host's share is dealt round-robin to `workers` processes, so a larger instance trains
 * proportionally faster. A customer whose artifact and result a restored checkpoint already
 * holds is not retrained. A customer that fails, or whose worker died, becomes a failed result;
 * anything else that goes wrong (no jobs, bad config) is written to `output/failure`, as
 * SageMaker expects, and rethrown.
 */
export async function runTraining(options: TrainingOptions = {}): Promise<TrainingSummary> {
  const paths = sagemakerPaths(options.root);
  const log = options.log ?? (() => {});
  try {
    return await train(paths, options, log);
  } catch (e) {
    await mkdir(dirname(paths.failure), { recursive: true });
    await writeFile(paths.failure, `${(e as Error).message}`.slice(0, 1024));
    throw e;
  }
}

async function train(
  paths: SageMakerPaths,
  options: TrainingOptions,
  log: (m: string) => void,
): Promise<TrainingSummary> {
  const resources = await readJson<ResourceConfig>(paths.resourceConfig, {
    current_host: "algo-1",
    hosts: ["algo-1"],
  });
  const channels = await readJson<Record<string, { S3DistributionType?: string }>>(paths.inputDataConfig, {});
  const jobs = await readJson<TrainJob[]>(
    join(paths.channel(TRAINING_LAYOUT.jobsChannel), TRAINING_LAYOUT.jobsFile),
  );
  if (!Array.isArray(jobs)) throw new Error(`${TRAINING_LAYOUT.jobsFile} must be a list of train jobs`);
  const hosts = [...resources.hosts].sort();
  const hostIndex = hosts.indexOf(resources.current_host);
  if (hostIndex < 0) throw new Error(`host ${resources.current_host} is not in ${JSON.stringify(hosts)}`);

  const datasets = new Set(jobs.map((j) => j.dataset));
  if (datasets.size > 1)
    throw new Error(`one training job trains one dataset (got ${[...datasets].join(", ")})`);
  const dataset = jobs[0]?.dataset ?? "";
  const store = channelStore(paths, dataset);
  const sharded = channels[TRAINING_LAYOUT.trainChannel]?.S3DistributionType === "ShardedByS3Key";
  const mine = sharded
    ? jobs.filter((job) => existsSync(store.pathOf(job.dataKey)))
    : jobs.filter((_, i) => i % hosts.length === hostIndex);
  const concurrency = options.concurrency ?? 2;
  const workers = Math.max(1, Math.min(options.workers ?? 1, mine.length));
  log(
    `${resources.current_host}: ${mine.length} of ${jobs.length} customers (${sharded ? "sharded" : "by index"}), ${workers} worker(s)`,
  );

  let outcome: { results: TrainResult[]; resumed: number };
  if (workers === 1) {
    outcome = await trainShare({ root: paths.root, dataset, concurrency, jobs: mine });
  } else {
    if (!options.workerScript) throw new Error("training with several workers needs the worker script");
    outcome = await trainInWorkers(
      options.workerScript,
      workers,
      { root: paths.root, dataset, concurrency },
      mine,
    );
  }
  const { results, resumed } = outcome;

  const resultsFile = join(paths.checkpoints, TRAINING_LAYOUT.resultsDir, `${resources.current_host}.json`);
  await mkdir(dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, JSON.stringify(results));
  const trained = results.filter((r) => r.ok).length;
  const summary: TrainingSummary = {
    host: resources.current_host,
    hosts: hosts.length,
    workers,
    assigned: mine.length,
    trained,
    failed: mine.length - trained,
    resumed,
    resultsFile,
  };
  await mkdir(paths.model, { recursive: true });
  await writeFile(join(paths.model, `summary-${resources.current_host}.json`), JSON.stringify(summary));
  log(`${resources.current_host}: trained ${trained}, failed ${summary.failed}, resumed ${resumed}`);
  return summary;
}

function channelStore(paths: SageMakerPaths, dataset: string): ChannelObjectStore {
  return new ChannelObjectStore(
    dataset,
    paths.channel(TRAINING_LAYOUT.trainChannel),
    paths.checkpoints,
    paths.channel(TRAINING_LAYOUT.driversChannel),
  );
}

/** Trains a list of customers in this process, skipping those a restored checkpoint holds. */
export async function trainShare(share: TrainingShare): Promise<{ results: TrainResult[]; resumed: number }> {
  const store = channelStore(sagemakerPaths(share.root), share.dataset);
  const { jobs } = share;
  let resumed = 0;
  let next = 0;
  const results: TrainResult[] = new Array(jobs.length);
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      const resultKey = `${job.modelKey}.result.json`;
      const previous = await store.get(resultKey);
      if (previous && (await store.head(job.modelKey))) {
        results[i] = JSON.parse(new TextDecoder().decode(previous)) as TrainResult;
        resumed++;
        continue;
      }
      results[i] = await runTrainJob(store, job);
      if (results[i].ok) await store.put(resultKey, JSON.stringify(results[i]));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, share.concurrency) }, worker));
  return { results, resumed };
}

async function readJson<T>(path: string, fallback?: T): Promise<T> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && fallback !== undefined) return fallback;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}
