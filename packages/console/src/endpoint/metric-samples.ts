import type { EndpointMetrics } from "../api/types.ts";

/** One poll of `GET /v1/endpoint/metrics`, with the time it was taken (ms since epoch). */
export interface MetricSample {
  t: number;
  metrics: EndpointMetrics;
}

/**
 * A metric as a number: plain numbers as they are, statistics objects by `stat` (`average`,
 * `sum`, `p99`…). Null when the endpoint does not report it (the AWS endpoint reports to
 * CloudWatch instead and may answer with fewer metrics).
 */
export function metricNumber(metrics: EndpointMetrics, name: string, stat = "average"): number | null {
  const m = metrics[name];
  if (typeof m === "number") return Number.isFinite(m) ? m : null;
  if (m && typeof m === "object") {
    const v = (m as Record<string, unknown>)[stat];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  }
  return null;
}

/** A timing metric in milliseconds; SageMaker reports endpoint timings in microseconds. */
export function timingMs(metrics: EndpointMetrics, name: string, stat: string): number | null {
  const v = metricNumber(metrics, name, stat);
  if (v === null) return null;
  const unit = (metrics[name] as { unit?: string } | undefined)?.unit;
  return unit === "Microseconds" ? v / 1000 : v;
}

export interface EndpointSeries {
  /** Unix seconds. */
  xs: number[];
  /** Cache hits over invokes within each polling interval; null when there were no invokes. */
  hitRatio: (number | null)[];
  /** Cache hits over invokes since the endpoint started (CloudWatch's Average of ModelCacheHit). */
  hitRatioSinceStart: (number | null)[];
  loadedModels: (number | null)[];
  loadP50Ms: (number | null)[];
  loadP99Ms: (number | null)[];
  waitP99Ms: (number | null)[];
}

/**
 * Chartable series from successive polls. The hit ratio is taken per interval from the
 * `ModelCacheHit` counters (sum over sampleCount), so the chart shows the cache now rather than
 * the average since start; a counter that went down (the endpoint restarted) gives a gap.
 */
export function endpointSeries(samples: readonly MetricSample[]): EndpointSeries {
  const out: EndpointSeries = {
    xs: [],
    hitRatio: [],
    hitRatioSinceStart: [],
    loadedModels: [],
    loadP50Ms: [],
    loadP99Ms: [],
    waitP99Ms: [],
  };
  samples.forEach((sample, i) => {
    const m = sample.metrics;
    out.xs.push(sample.t / 1000);
    let ratio: number | null = null;
    const prev = i > 0 ? samples[i - 1].metrics : undefined;
    const hits = metricNumber(m, "ModelCacheHit", "sum");
    const invokes = metricNumber(m, "ModelCacheHit", "sampleCount");
    if (prev && hits !== null && invokes !== null) {
      const dHits = hits - (metricNumber(prev, "ModelCacheHit", "sum") ?? 0);
      const dInvokes = invokes - (metricNumber(prev, "ModelCacheHit", "sampleCount") ?? 0);
      if (dInvokes > 0 && dHits >= 0 && dHits <= dInvokes) ratio = dHits / dInvokes;
    }
    out.hitRatio.push(ratio);
    out.hitRatioSinceStart.push(invokes ? metricNumber(m, "ModelCacheHit", "average") : null);
    out.loadedModels.push(metricNumber(m, "LoadedModelCount"));
    out.loadP50Ms.push(timingMs(m, "ModelLoadingTime", "p50"));
    out.loadP99Ms.push(timingMs(m, "ModelLoadingTime", "p99"));
    out.waitP99Ms.push(timingMs(m, "ModelLoadingWaitTime", "p99"));
  });
  return out;
}

/**
 * Requests the endpoint answered between the first and the last sample, from the `Invocations`
 * counter. A counter that went down (the endpoint restarted) counts from zero again.
 */
export function requestsIn(samples: readonly MetricSample[]): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const now = metricNumber(samples[i].metrics, "Invocations") ?? 0;
    const before = metricNumber(samples[i - 1].metrics, "Invocations") ?? 0;
    total += now >= before ? now - before : now;
  }
  return total;
}

/** Keeps the samples of the last `windowMs` before the newest one, in place. */
export function trimToWindow(samples: MetricSample[], windowMs: number): void {
  const newest = samples.at(-1)?.t;
  if (newest === undefined) return;
  const keepFrom = samples.findIndex((s) => s.t >= newest - windowMs);
  samples.splice(0, keepFrom);
}
