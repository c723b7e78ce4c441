import { packArtifact } from "../artifact/archive.ts";
import type { ModelArtifact } from "../artifact/model-artifact.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { seriesFromCsv } from "../series/series.ts";
import { jobDrivers } from "./job-drivers.ts";
import { trainCustomer } from "./train-customer.ts";
import type { TrainJob, TrainResult } from "./train-job.ts";

/**
 * Trains one customer end to end: reads its series from the store, fits, writes its artifact.
 * Never throws: a failing customer becomes a failed result so the others go on.
 */
export async function runTrainJob(store: ObjectStore, job: TrainJob): Promise<TrainResult> {
  const started = performance.now();
  try {
    const bytes = await store.get(job.dataKey);
    if (!bytes) throw new Error(`no series at ${job.dataKey}`);
    const series = seriesFromCsv(new TextDecoder().decode(bytes), job.frequency);
    const drivers = await jobDrivers(store, job, series);
    return await saveArtifact(store, job, trainCustomer(series, job, new Date(), drivers), started);
  } catch (e) {
    return { ok: false, customerId: job.customerId, error: (e as Error).message };
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
