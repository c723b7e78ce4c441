import { packArtifact, unpackArtifact } from "../artifact/archive.ts";
import type { ModelArtifact } from "../artifact/model-artifact.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { seasonalPeriods } from "../series/frequency.ts";
import { type RegularSeries, seriesFromCsv } from "../series/series.ts";
import { jobDrivers } from "./job-drivers.ts";
import { judgeDrift, realisedAccuracy } from "./monitoring.ts";
import { trainCustomer } from "./train-customer.ts";
import type { Monitoring, TrainJob, TrainResult } from "./train-job.ts";

/**
 * Trains one customer end to end: reads its series from the store, fits, writes its artifact.
 * Never throws: a failing customer becomes a failed result so the others go on.
 */
export async function runTrainJob(store: ObjectStore, job: TrainJob): Promise<TrainResult> {
  const started = performance.now();
  let monitoring: Monitoring | undefined;
  try {
    const bytes = await store.get(job.dataKey);
    if (!bytes) throw new Error(`no series at ${job.dataKey}`);
    const series = seriesFromCsv(new TextDecoder().decode(bytes), job.frequency);
    monitoring = await monitor(store, job, series);
    const drivers = await jobDrivers(store, job, series);
    const result = await saveArtifact(store, job, trainCustomer(series, job, new Date(), drivers), started);
    return monitoring ? { ...result, monitoring } : result;
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
 * The previous version's published forecast scored against the actuals that arrived since.
 * Best effort: monitoring never fails a customer's training, and a store that cannot reach the
 * previous artifact (a SageMaker job's channels hold no models) scores nothing.
 */
async function monitor(
  store: ObjectStore,
  job: TrainJob,
  series: RegularSeries,
): Promise<Monitoring | undefined> {
  if (!job.previous) return undefined;
  try {
    const bytes = await store.get(job.previous.modelKey);
    if (!bytes) return undefined;
    const previous = await unpackArtifact(bytes);
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
