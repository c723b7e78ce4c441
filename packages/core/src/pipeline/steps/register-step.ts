import type { TrainResult } from "../../forecasting/train-job.ts";
import type { Db } from "../../ports/database.ts";
import { type ObjectStore, readStoredJson } from "../../ports/object-store.ts";
import { registerModels } from "../../registry/models.ts";
import { recordAnomalyCounts, recordMonitoring } from "../../registry/monitoring.ts";
import { addRunCounts } from "../../registry/runs.ts";
import { upsertCustomers } from "../../registry/customers.ts";
import type { Manifest } from "../manifest.ts";
import type { PipelineState, RegisterSummary } from "../pipeline-state.ts";
import { trainResultKeys } from "./train-step.ts";

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  const value = await readStoredJson<T>(store, key);
  if (value === undefined) throw new Error(`missing ${key}`);
  return value;
}

/** Customers whose model this run has already registered (by an attempt that timed out). */
async function registeredCustomersOfRun(db: Db, runId: string): Promise<Set<string>> {
  const rows = await db.selectFrom("models").select("customer_id").where("run_id", "=", runId).execute();
  return new Set(rows.map((r) => r.customer_id));
}

/**
 * Records the dataset's customers and every trained model version in the registry. Versions are
 * registered inactive: Publish activates each one together with its forecast. Also keeps the
 * forecast monitoring Train measured: the previous versions' realised accuracy and drift flags.
 * The results are read one shard's object at a time (the next read while this one is written),
 * so memory holds a shard's customers, not the run's.
 *
 * Resumable: a retry after the Lambda timed out part-way skips the customers (written before
 * any model, so complete once a model of the run exists) and the models the run already
 * registered, and inserts only the rest. The monitoring writes are upserts and run again.
 */
export async function registerStep(
  ports: { db: Db; store: ObjectStore },
  state: PipelineState,
): Promise<RegisterSummary> {
  if (!state.preprocess || !state.train) throw new Error("Register needs the Preprocess and Train results");
  const manifest = await readJson<Manifest>(ports.store, state.preprocess.manifestKey);
  const { frequency, horizon, quantiles, aggregation, backend } = manifest;
  const done = await registeredCustomersOfRun(ports.db, state.runId);
  if (done.size === 0)
    await upsertCustomers(
      ports.db,
      manifest.dataset,
      { frequency, horizon, quantiles, aggregation, backend },
      frequency,
      manifest.customers,
    );
  const keys = trainResultKeys(state);
  let registered = 0;
  let anomalies = 0;
  const monitoring = { scored: 0, flagged: 0 };
  let next = keys.length > 0 ? readJson<TrainResult[]>(ports.store, keys[0]) : undefined;
  for (let k = 0; k < keys.length; k++) {
    const results = await (next as Promise<TrainResult[]>);
    next = k + 1 < keys.length ? readJson<TrainResult[]>(ports.store, keys[k + 1]) : undefined;
    // A read that fails while this shard is written is reported when its turn comes.
    next?.catch(() => {});
    registered += await registerModels(
      ports.db,
      results.flatMap((r) =>
        r.ok && !done.has(r.customerId)
          ? [
              {
                dataset: manifest.dataset,
                customerId: r.customerId,
                version: r.version,
                runId: state.runId,
                algorithm: r.algorithm,
                metrics: r.metrics,
                selection: { reason: r.reason, ...(r.cohort ? { cohort: r.cohort } : {}) },
                artifactKey: r.modelKey,
              },
            ]
          : [],
      ),
    );
    // After upsertCustomers: the drift verdict lands on the customer's row.
    const shard = await recordMonitoring(ports.db, manifest.dataset, state.runId, results);
    monitoring.scored += shard.scored;
    monitoring.flagged += shard.flagged;
    anomalies += await recordAnomalyCounts(ports.db, manifest.dataset, results);
  }
  if (anomalies > 0) await addRunCounts(ports.db, state.runId, { anomaliesFlagged: anomalies });
  if (monitoring.scored > 0)
    await addRunCounts(ports.db, state.runId, {
      forecastsScored: monitoring.scored,
      driftFlagged: monitoring.flagged,
    });
  return { registered: done.size + registered };
}
