import { packArtifact, unpackArtifact } from "../artifact/archive.ts";
import type { ModelArtifact } from "../artifact/model-artifact.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { detectAnomalies } from "../series/anomalies.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { seasonalPeriods } from "../series/frequency.ts";
import { type RegularSeries, seriesFromCsvBytes } from "../series/series.ts";
import { jobDrivers } from "./job-drivers.ts";
import { judgeDrift, realisedAccuracy } from "./monitoring.ts";
import { keepsAlgorithm, refreshCustomer } from "./refresh.ts";
import { trainCustomer } from "./train-customer.ts";
import type { Monitoring, TrainJob, TrainResult } from "./train-job.ts";

/**
 * Trains one customer end to end: reads its series from the store, scores its previous
 * forecast against the new actuals (monitoring), fits, writes its artifact. With a `retrain`
 * policy, a customer that may keep its algorithm is refitted without reselection (refresh.ts),
 * falling back to a full training if that fails. Never throws: a failing customer becomes a
 * failed result so the others go on.
 */
export async function runTrainJob(store: ObjectStore, job: TrainJob): Promise<TrainResult> {
  const started = performance.now();
  let monitoring: Monitoring | undefined;
  try {
    const bytes = await store.get(job.dataKey);
    if (!bytes) throw new Error(`no series at ${job.dataKey}`);
    const series = seriesFromCsvBytes(bytes, job.frequency);
    const previous = await previousArtifact(store, job);
    monitoring = previous && monitor(previous, series);
    const drivers = await jobDrivers(store, job, series);
    let refreshed: ModelArtifact | undefined;
    if (previous && keepsAlgorithm(job.retrain, previous, monitoring)) {
      const cause = `retrain: ${job.retrain}${monitoring ? `; ${monitoring.drift.reason}` : ""}`;
      try {
        refreshed = refreshCustomer(previous, series, job, drivers, cause);
      } catch {
        // The kept algorithm no longer fits this series: choose again.
      }
    }
    const artifact = refreshed ?? trainCustomer(series, job, new Date(), drivers);
    const result = await saveArtifact(store, job, artifact, started);
    const anomalies = artifact.anomalies?.flagged ?? countAnomalies(series);
    const forecast = job.forecast ? publishedForecast(artifact, job) : undefined;
    return {
      ...result,
      ...(forecast !== undefined ? { forecast } : {}),
      ...(monitoring ? { monitoring } : {}),
      ...(refreshed ? { refreshed: true } : {}),
      ...(anomalies !== undefined ? { anomalies } : {}),
    };
  } catch (e) {
    return {
      ok: false,
      customerId: job.customerId,
      error: (e as Error).message,
      ...(monitoring ? { monitoring } : {}),
    };
  }
}

/**
 * Anomalies in the history when the training did not scan for them (`anomalies: "flag"`): a
 * millisecond or two per customer, so the fleet view can count them without reading every
 * series. Undefined if the scan fails: a count never fails a customer.
 */
function countAnomalies(series: RegularSeries): number | undefined {
  try {
    return detectAnomalies(series).anomalies.length;
  } catch {
    return undefined;
  }
}

/**
 * The forecast Publish would compute from the stored artifact, as JSON text: forecastArtifact
 * on the artifact as the store hands it back (its JSON round trip, which is how unpacking reads
 * it), so the numbers are the same to the bit. Undefined if it fails: Publish then forecasts
 * from the artifact and records that customer's failure there.
 */
function publishedForecast(artifact: ModelArtifact, job: TrainJob): string | undefined {
  try {
    const stored = JSON.parse(JSON.stringify(artifact)) as ModelArtifact;
    return JSON.stringify(
      forecastArtifact(stored, { horizon: job.horizon, quantiles: job.quantiles }).points,
    );
  } catch {
    return undefined;
  }
}

/**
 * The active version's artifact before this run, when the store can reach it (a SageMaker
 * job's channels hold no models); undefined otherwise, and monitoring and refresh then skip it.
 */
async function previousArtifact(store: ObjectStore, job: TrainJob): Promise<ModelArtifact | undefined> {
  if (!job.previous) return undefined;
  try {
    const bytes = await store.get(job.previous.modelKey);
    return bytes ? await unpackArtifact(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The previous version's published forecast scored against the actuals that arrived since.
 * Best effort: monitoring never fails a customer's training.
 */
function monitor(previous: ModelArtifact, series: RegularSeries): Monitoring | undefined {
  try {
    const period = seasonalPeriods(series.frequency, series.values.length)[0] ?? 1;
    const realised = realisedAccuracy(previous, series, period);
    return realised && { realised, drift: judgeDrift(realised, previous.horizon) };
  } catch {
    return undefined;
  }
}

/** Writes a customer's artifact to its model key and reports it as a trained result. */
export async function saveArtifact(
  store: ObjectStore,
  job: TrainJob,
  artifact: ModelArtifact,
  started: number,
): Promise<TrainResult> {
  await store.put(job.modelKey, await packArtifact(artifact), "application/gzip");
  return {
    ok: true,
    customerId: job.customerId,
    version: job.version,
    modelKey: job.modelKey,
    algorithm: artifact.algorithm,
    metrics: artifact.metrics,
    reason: artifact.selection.reason,
    ...(artifact.coldStart ? { cohort: artifact.coldStart.cohort } : {}),
    trainedPoints: artifact.trainedPoints,
    durationMs: Math.round(performance.now() - started),
  };
}
