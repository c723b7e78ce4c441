import pMap from "p-map";
import { DEFAULT_TOLERATED_FAILURE_PERCENTAGE } from "../../dataset/dataset-config.ts";
import { Keys } from "../../dataset/keys.ts";
import type { TrainJob, TrainResult } from "../../forecasting/train-job.ts";
import type { Db } from "../../ports/database.ts";
import { type ObjectStore, readStoredJson } from "../../ports/object-store.ts";
import { TrainingPending, type TrainingBackend } from "../../ports/training-backend.ts";
import { activeModelsOf } from "../../registry/models.ts";
import { addRunCounts, addTrainProgress } from "../../registry/runs.ts";
import type { Manifest } from "../manifest.ts";
import type { PipelineState, TrainShardInput, TrainShardSummary, TrainSummary } from "../pipeline-state.ts";
import { shardForecastsKey, writeShardForecasts } from "../shard-forecasts.ts";
import { customersOfShard, shardResultsKey, type TrainShard } from "../train-shards.ts";
import { coldStartCohorts } from "./cohorts.ts";
import { reforecastModels } from "./reforecast-step.ts";

const MAX_LISTED_FAILURES = 20;

/** A re-forecast run's results object (a run trained in shards keeps its shards' objects). */
export const resultsKey = (dataset: string, runId: string) => `runs/${dataset}/${runId}/train-results.json`;

/**
 * The model version a run writes: its start time then its id, so versions sort by time and a
 * retried Train writes the same names again instead of new ones.
 */
export function versionFor(runId: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${runId.slice(4, 12)}`;
}

/**
 * The last manifest read, shared by the shards of a run that this process trains at once (the
 * embedded stack runs up to MaxConcurrency of them; a warm Lambda may get the next shard): a
 * manifest of 100,000 customers is tens of megabytes parsed. A run's manifest is written once,
 * by the Preprocess that succeeded before any shard starts, so a cached one cannot be stale.
 */
let lastManifest: { key: string; manifest: Promise<Manifest> } | undefined;

function readManifest(store: ObjectStore, key: string): Promise<Manifest> {
  if (lastManifest?.key !== key) {
    const manifest = readStoredJson<Manifest>(store, key).then((m) => {
      if (!m) throw new Error(`missing manifest ${key}`);
      return m;
    });
    lastManifest = { key, manifest };
    // A failed read is not kept: the next attempt reads again.
    manifest.catch(() => {
      if (lastManifest?.manifest === manifest) lastManifest = undefined;
    });
  }
  return lastManifest.manifest;
}

async function runVersion(db: Db, runId: string): Promise<string> {
  const run = await db.selectFrom("runs").select("started_at").where("run_id", "=", runId).executeTakeFirst();
  return versionFor(runId, run ? new Date(run.started_at) : new Date());
}

type Failed = Extract<TrainResult, { ok: false }>;
const failures = (results: TrainResult[]) => results.filter((r): r is Failed => !r.ok);

/**
 * The TrainShard state: trains the customers of one shard of the run (customersOfShard) through
 * the backend and writes their results to the shard's object, never to the execution's state.
 * Failures are per customer and part of the results; Train applies the dataset's tolerance over
 * every shard. Idempotent: a shard whose results exist (a redrive rerunning the map, a retried
 * child execution) trains nothing again. Progress is added to the run's, shard by shard.
 */
export async function trainShardStep(
  ports: { db: Db; store: ObjectStore; training: TrainingBackend },
  input: TrainShardInput,
): Promise<TrainShardSummary> {
  const key = shardResultsKey(input.dataset, input.runId, input.shard.shard);
  const written = await readStoredJson<TrainResult[]>(ports.store, key);
  if (written) return { ...shardSummary(input.shard.shard, written), skipped: true };
  const manifest = await readManifest(ports.store, input.manifestKey);
  if (manifest.reforecast) throw new Error("a re-forecast run has no shards: Train re-forecasts it whole");
  const version = await runVersion(ports.db, input.runId);
  const customers = customersOfShard(manifest.customers, input.shard);
  const jobs = await trainJobs(ports, manifest, customers, version, carriesForecasts(manifest, input.shard));
  const total = manifest.customers.length;
  let reported = 0;
  const report = (done: number) => {
    const part = done - reported;
    reported = done;
    return addTrainProgress(ports.db, input.runId, part, total);
  };
  let results: TrainResult[];
  try {
    results = await ports.training.train(jobs, (done, all) => {
      // Progress lands in the run's counts about every 10% of a shard, so the API and console
      // can show it. Best effort: a lost update is corrected by Train's final counts.
      if (done - reported >= Math.max(1, Math.ceil(all / 10))) void report(done).catch(() => {});
    });
  } catch (e) {
    // This attempt's progress is taken back: the next one (the wait loop, a retry, a redrive)
    // reports the shard again.
    await report(0).catch(() => {});
    if (!(e instanceof TrainingPending)) throw e;
    await addRunCounts(ports.db, input.runId, { trainingPending: (e as Error).message });
    return { shard: input.shard.shard, trained: 0, failed: 0, pending: true };
  }
  results = await writeShardForecasts(
    ports.store,
    shardForecastsKey(input.dataset, input.runId, input.shard.shard),
    { horizon: manifest.horizon, quantiles: manifest.quantiles },
    results,
  );
  await ports.store.put(key, JSON.stringify(results), "application/json");
  await report(results.length);
  return shardSummary(input.shard.shard, results);
}

function shardSummary(shard: number, results: TrainResult[]): TrainShardSummary {
  const failed = failures(results).length;
  return { shard, trained: results.length - failed, failed };
}

/** A single remote shard's results up to this many customers may carry their forecasts. */
const FORECASTS_IN_ONE_SHARD = 1_000;

/**
 * Whether the shard's trainers return each customer's forecast (TrainJob `forecast`). A remote
 * backend (SageMaker) gathers a host's results in one JSON file, which 20 KB of points per
 * customer would take past what can be parsed; only it gets a run's single shard (train-shards.ts),
 * so a run split in several shards, or a dataset that names the local backend, trains locally.
 * A single shard of the deployment's default backend may be remote: it carries them while small.
 */
function carriesForecasts(manifest: Manifest, shard: TrainShard): boolean {
  if (manifest.backend) return manifest.backend === "local";
  return shard.of > 1 || manifest.customers.length <= FORECASTS_IN_ONE_SHARD;
}

/** The backend's jobs for `customers` of the manifest. */
async function trainJobs(
  ports: { db: Db; store: ObjectStore },
  manifest: Manifest,
  customers: Manifest["customers"],
  version: string,
  forecast: boolean,
): Promise<TrainJob[]> {
  const cohorts = await coldStartCohorts(ports.store, manifest, customers);
  // The versions the new actuals score (forecast monitoring): each customer's active one.
  const active = new Map(
    (
      await activeModelsOf(
        ports.db,
        manifest.dataset,
        customers.map((c) => c.id),
      )
    ).map((m) => [m.customer_id, { version: m.version, modelKey: m.artifact_key }]),
  );
  return customers.map((c) => ({
    dataset: manifest.dataset,
    customerId: c.id,
    dataKey: c.dataKey,
    modelKey: Keys.model(manifest.dataset, c.id, version),
    version,
    frequency: manifest.frequency,
    horizon: manifest.horizon,
    quantiles: manifest.quantiles,
    algorithm: manifest.algorithm,
    backend: manifest.backend,
    ...(manifest.holidays ? { holidays: manifest.holidays } : {}),
    ...(manifest.related ? { related: manifest.related } : {}),
    ...(cohorts.has(c.id) ? { cohort: cohorts.get(c.id) } : {}),
    ...(active.has(c.id) ? { previous: active.get(c.id) } : {}),
    ...(manifest.anomalies === "exclude" ? { anomalies: "exclude" as const } : {}),
    ...(manifest.retrain && manifest.retrain !== "always" ? { retrain: manifest.retrain } : {}),
    ...(forecast ? { forecast: true as const } : {}),
  }));
}

/**
 * The objects holding a run's TrainResults, in order, as Train left them: each shard's, or a
 * re-forecast's one. Readers take them one at a time, so no step holds every customer's.
 */
export function trainResultKeys(state: PipelineState): string[] {
  if (!state.train) throw new Error("the run has no Train result yet");
  if (state.train.resultsKey) return [state.train.resultsKey];
  return (state.preprocess?.shards ?? []).map(({ shard }) =>
    shardResultsKey(state.dataset, state.runId, shard),
  );
}

/** Shards' results objects read at once by Train: each is counted, then let go. */
const SHARD_READS = 8;

/**
 * The Train state, after TrainShards: counts every shard's results, exactly as one Train over
 * all customers would have returned them, reading the shards' objects a few at a time (a run
 * of 100,000 customers' results is a hundred megabytes, and Register reads them shard by shard
 * as well). Refuses a run whose shards did not all finish, or that do not train each customer
 * of the manifest exactly once. Fails when more than the dataset's `toleratedFailurePercentage`
 * of customers failed (as a Distributed Map's ToleratedFailurePercentage does); those
 * customers keep their previous active model.
 * A re-forecast run (started by a related file; no shards) fits nothing: see reforecastModels.
 */
export async function trainStep(
  ports: { db: Db; store: ObjectStore },
  state: PipelineState,
): Promise<TrainSummary> {
  if (!state.preprocess) throw new Error("Train needs the Preprocess result");
  const manifest = await readManifest(ports.store, state.preprocess.manifestKey);
  const version = await runVersion(ports.db, state.runId);
  if (manifest.reforecast)
    return reforecastModels(ports, manifest, version, resultsKey(manifest.dataset, state.runId));
  const shards = state.preprocess.shards;
  if (!shards) throw new Error("Train needs the shards Preprocess listed ($.preprocess.shards)");
  const missing: number[] = [];
  const seen = new Set<string>();
  let results = 0;
  let refreshed = 0;
  // Each shard's first failures, so the listed ones are the first in shard order.
  const failedByShard = await pMap(
    shards,
    async ({ shard }) => {
      const shardResults = await readStoredJson<TrainResult[]>(
        ports.store,
        shardResultsKey(manifest.dataset, state.runId, shard),
      );
      if (!shardResults) {
        missing.push(shard);
        return { count: 0, listed: [] };
      }
      for (const r of shardResults) {
        if (seen.has(r.customerId)) throw new Error(`customer ${r.customerId} was trained by two shards`);
        seen.add(r.customerId);
        if (r.ok && r.refreshed) refreshed++;
      }
      results += shardResults.length;
      const failed = failures(shardResults);
      return { count: failed.length, listed: failed.slice(0, MAX_LISTED_FAILURES) };
    },
    { concurrency: SHARD_READS },
  );
  if (missing.length > 0)
    throw new Error(
      `shard${missing.length > 1 ? "s" : ""} ${missing.sort((a, b) => a - b).join(", ")} of ${shards.length} wrote no results: TrainShards did not finish ${missing.length > 1 ? "them" : "it"}`,
    );
  assertEachCustomerOnce(manifest, seen);
  const failed = failedByShard.reduce((n, f) => n + f.count, 0);
  const listed = failedByShard.flatMap((f) => f.listed).slice(0, MAX_LISTED_FAILURES);
  const summary = { version, trained: results - failed, failed };
  await addRunCounts(ports.db, state.runId, {
    customersTrained: summary.trained,
    // Of those, the ones that kept their algorithm (`retrain`: drift or never).
    customersRefreshed: refreshed,
    customersFailed: summary.failed,
    // The first few, with their reason; every one is in the shards' results objects.
    trainFailures: listed.map(({ customerId, error }) => ({ customerId, error })),
    trainProgress: { done: results, total: manifest.customers.length },
  });
  const tolerated = manifest.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE;
  if (results > 0 && (failed / results) * 100 > tolerated) {
    const sample = listed.slice(0, 3).map((f) => `${f.customerId}: ${f.error}`);
    throw new TrainingFailedError(
      `${failed} of ${results} customers failed to train (tolerated: ${tolerated}%); e.g. ${sample.join("; ")}`,
    );
  }
  return summary;
}

/** The shards partition the manifest: a customer missing (or one not in it) means they did not. */
function assertEachCustomerOnce(manifest: Manifest, seen: Set<string>): void {
  const untrained = manifest.customers.filter((c) => !seen.has(c.id));
  if (untrained.length > 0 || seen.size !== manifest.customers.length)
    throw new Error(
      `the shards' results do not cover the run's ${manifest.customers.length} customers (e.g. missing ${untrained
        .slice(0, 3)
        .map((c) => c.id)
        .join(", ")})`,
    );
}

export class TrainingFailedError extends Error {
  override readonly name = "TrainingFailed";
}
