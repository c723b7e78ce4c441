import { packArtifact, unpackArtifact } from "../artifact/archive.ts";
import type { ModelArtifact } from "../artifact/model-artifact.ts";
import { customerDrivers, type DatasetDrivers } from "../drivers/customer-drivers.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import type { TrainResult } from "./train-job.ts";

/** One customer whose active model is forecast again with the dataset's current drivers. */
export interface ReforecastJob {
  customerId: string;
  /** The active version's artifact. */
  activeKey: string;
  /** Where the new version's artifact goes, and its name. */
  modelKey: string;
  version: string;
  /** Why, for the registry's reason (`related weather.csv`). */
  cause: string;
}

export type ReforecastResult =
  | { status: "updated"; result: Extract<TrainResult, { ok: true }> }
  /** The drivers over its horizon, or the forecast from them, did not change. */
  | { status: "unchanged"; customerId: string }
  /** It could not be re-forecast and keeps its active model and forecast. */
  | { status: "kept"; customerId: string; reason: string };

/**
 * Forecasts a customer's active model again with the related fields now stored for the dataset,
 * without refitting: the fitted state, its calibrated errors and its backtest metrics stay, and
 * only the future driver values it forecasts from change (a newer weather forecast). The result
 * is a new version, registered and published like a trained one, so the forecast API, the
 * history of versions and a rollback work as for any run.
 *
 * Customers whose model was fitted without related fields, whose drivers over the horizon are
 * the same, or whose model ignores them (the same forecast) are `unchanged`. A customer whose
 * fields no longer cover the whole horizon is `kept` with the reason: a model cannot forecast
 * from part of its drivers.
 */
export async function reforecastCustomer(
  store: ObjectStore,
  drivers: DatasetDrivers,
  job: ReforecastJob,
): Promise<ReforecastResult> {
  const started = performance.now();
  const { customerId } = job;
  try {
    const bytes = await store.get(job.activeKey);
    if (!bytes) return { status: "kept", customerId, reason: `artifact ${job.activeKey} is missing` };
    const artifact = await unpackArtifact(bytes);
    const fields = Object.keys(artifact.drivers?.fields ?? {});
    if (!artifact.drivers || fields.length === 0) return { status: "unchanged", customerId };
    const horizon = artifact.drivers.fields[fields[0]].length;
    // The grid starts at the last training step: a field needs one known history step to count
    // as covered, and the stored related series keep the history they were fitted on.
    const now = customerDrivers(drivers, customerId, {
      frequency: artifact.frequency,
      start: Date.parse(artifact.trainEnd),
      length: 1,
      horizon,
      related: { fields, aggregation: {}, keys: {} },
    });
    const lost = fields.filter((f) => now.future.fields[f] === undefined);
    if (lost.length > 0) {
      return {
        status: "kept",
        customerId,
        reason: `related ${lost.join(", ")} no longer cover${lost.length === 1 ? "s" : ""} the ${horizon} steps after ${artifact.trainEnd}`,
      };
    }
    const future = Object.fromEntries(fields.map((f) => [f, Array.from(now.future.fields[f])]));
    if (fields.every((f) => sameValues(future[f], artifact.drivers?.fields[f] ?? []))) {
      return { status: "unchanged", customerId };
    }
    const updated: ModelArtifact = {
      ...artifact,
      version: job.version,
      drivers: { ...artifact.drivers, fields: future, coverage: now.coverage },
      selection: {
        ...artifact.selection,
        reason: `re-forecast from version ${artifact.version} with ${job.cause} (not refitted); ${artifact.selection.reason}`,
      },
      createdAt: new Date().toISOString(),
    };
    const request = { horizon: artifact.horizon, quantiles: artifact.quantiles };
    if (sameForecast(forecastArtifact(artifact, request).points, forecastArtifact(updated, request).points)) {
      return { status: "unchanged", customerId };
    }
    await store.put(job.modelKey, await packArtifact(updated), "application/gzip");
    return {
      status: "updated",
      result: {
        ok: true,
        customerId,
        version: job.version,
        modelKey: job.modelKey,
        algorithm: updated.algorithm,
        metrics: updated.metrics,
        reason: updated.selection.reason,
        ...(updated.coldStart ? { cohort: updated.coldStart.cohort } : {}),
        trainedPoints: updated.trainedPoints,
        durationMs: Math.round(performance.now() - started),
      },
    };
  } catch (e) {
    return { status: "kept", customerId, reason: (e as Error).message };
  }
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function sameForecast(a: { mean: number }[], b: { mean: number }[]): boolean {
  return a.length === b.length && a.every((p, i) => p.mean === b[i].mean);
}
