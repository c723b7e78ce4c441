import { DEFAULT_TOLERATED_FAILURE_PERCENTAGE } from "../../dataset/dataset-config.ts";
import { Keys } from "../../dataset/keys.ts";
import type { TrainJob, TrainResult } from "../../forecasting/train-job.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { TrainingPending, type TrainingBackend } from "../../ports/training-backend.ts";
import { activeModelsOf } from "../../registry/models.ts";
import { addRunCounts } from "../../registry/runs.ts";
import type { Manifest } from "../manifest.ts";
import { coldStartCohorts } from "./cohorts.ts";
import { reforecastModels } from "./reforecast-step.ts";
import type { PipelineState, TrainSummary } from "../pipeline-state.ts";

const MAX_LISTED_FAILURES = 20;

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
 * Trains every customer of the manifest through the backend. Failures are per customer and
 * recorded with their reason; the step fails only when more than the dataset's
 * `toleratedFailurePercentage` of customers fail (as a Distributed Map's
 * ToleratedFailurePercentage does). The customers that failed keep their previous active model.
 * A re-forecast run (started by a related file) fits nothing: see reforecastModels.
 */
export async function trainStep(
  ports: { db: Db; store: ObjectStore; training: TrainingBackend },
  state: PipelineState,
): Promise<TrainSummary> {
  if (!state.preprocess) throw new Error("Train needs the Preprocess result");
  const manifest = JSON.parse(
    new TextDecoder().decode((await ports.store.get(state.preprocess.manifestKey)) ?? new Uint8Array()),
  ) as Manifest;
  const run = await ports.db
    .selectFrom("runs")
    .select("started_at")
    .where("run_id", "=", state.runId)
    .executeTakeFirst();
  const version = versionFor(state.runId, run ? new Date(run.started_at) : new Date());
  if (manifest.reforecast)
    return reforecastModels(ports, manifest, version, resultsKey(manifest.dataset, state.runId));
  const cohorts = await coldStartCohorts(ports.store, manifest);
  // The versions the new actuals score (forecast monitoring): each customer's active one.
  const active = new Map(
    (await activeModelsOf(ports.db, manifest.dataset)).map((m) => [
      m.customer_id,
      { version: m.version, modelKey: m.artifact_key },
    ]),
  );
  const jobs: TrainJob[] = manifest.customers.map((c) => ({
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
  }));
  let lastReported = 0;
  let results: TrainResult[];
  try {
    results = await ports.training.train(jobs, (done, total) => {
      // Progress lands in the run's counts about every 10%, so the API and console can show it.
      if (done === total || done - lastReported >= Math.max(1, Math.ceil(total / 10))) {
        lastReported = done;
        // Best effort: a lost progress update is corrected by the next one and by the final counts.
        void addRunCounts(ports.db, state.runId, { trainProgress: { done, total } }).catch(() => {});
      }
    });
  } catch (e) {
    if (!(e instanceof TrainingPending)) throw e;
    await addRunCounts(ports.db, state.runId, { trainingPending: (e as Error).message });
    return {
      resultsKey: resultsKey(manifest.dataset, state.runId),
      version,
      trained: 0,
      failed: 0,
      pending: true,
    };
  }
  const key = resultsKey(manifest.dataset, state.runId);
  await ports.store.put(key, JSON.stringify(results), "application/json");
  const failed = results.filter((r): r is Extract<TrainResult, { ok: false }> => !r.ok);
  const summary = {
    resultsKey: key,
    version,
    trained: results.length - failed.length,
    failed: failed.length,
  };
  await addRunCounts(ports.db, state.runId, {
    customersTrained: summary.trained,
    // Of those, the ones that kept their algorithm (`retrain`: drift or never).
    customersRefreshed: results.filter((r) => r.ok && r.refreshed).length,
    customersFailed: summary.failed,
    // The first few, with their reason; every one is in the results object.
    trainFailures: failed
      .slice(0, MAX_LISTED_FAILURES)
      .map(({ customerId, error }) => ({ customerId, error })),
    trainProgress: { done: results.length, total: jobs.length },
  });
  const tolerated = manifest.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE;
  if (jobs.length > 0 && (failed.length / jobs.length) * 100 > tolerated) {
    const sample = failed.slice(0, 3).map((f) => `${f.customerId}: ${f.error}`);
    throw new TrainingFailedError(
      `${failed.length} of ${jobs.length} customers failed to train (tolerated: ${tolerated}%); e.g. ${sample.join("; ")}`,
    );
  }
  return summary;
}

export class TrainingFailedError extends Error {
  override readonly name = "TrainingFailed";
}
