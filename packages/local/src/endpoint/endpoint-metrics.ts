import { MetricUnit, Summary, type SummarySnapshot } from "@myriad/model-server/metrics/summary";

/**
 * The local endpoint's metrics, named and measured as SageMaker publishes a multi-model
 * endpoint's to CloudWatch (times in microseconds):
 * - `ModelLoadingWaitTime`: how long an invoke waited for its model to be downloaded and loaded
 *   (only invokes that had to wait are sampled);
 * - `ModelDownloadingTime`: fetching the artifact from the object store to local disk;
 * - `ModelLoadingTime`: the container's `POST /models`;
 * - `ModelUnloadingTime`: the container's `DELETE /models/{name}`;
 * - `ModelCacheHit`: invokes whose model was already loaded; `average` is the hit ratio, as
 *   CloudWatch's Average statistic of this metric is;
 * - `LoadedModelCount`: models loaded now;
 * - `ModelLatency`: the container's invoke round trip.
 *
 * A type alias, not an interface, so it fits the port's `Record<string, unknown>` metrics.
 */
export type EndpointMetrics = {
  Invocations: number;
  Invocation4XXErrors: number;
  Invocation5XXErrors: number;
  ModelCacheHit: { unit: "Count"; sum: number; sampleCount: number; average: number };
  LoadedModelCount: number;
  ModelLoadingWaitTime: SummarySnapshot;
  ModelDownloadingTime: SummarySnapshot;
  ModelLoadingTime: SummarySnapshot;
  ModelUnloadingTime: SummarySnapshot;
  ModelLatency: SummarySnapshot;
  /** Models unloaded to make room (count cap or 507 from the container). */
  Evictions: number;
  /** Artifacts kept on local disk, so reloading them skips the download. */
  diskCache: { files: number; bytes: number };
};

/** The router's counters; `snapshot` turns them into `EndpointMetrics`. */
export class EndpointMetricsRecorder {
  invocations = 0;
  errors4xx = 0;
  errors5xx = 0;
  cacheHits = 0;
  evictions = 0;
  readonly loadingWaitTime = new Summary(MetricUnit.Microseconds);
  readonly downloadingTime = new Summary(MetricUnit.Microseconds);
  readonly loadingTime = new Summary(MetricUnit.Microseconds);
  readonly unloadingTime = new Summary(MetricUnit.Microseconds);
  readonly modelLatency = new Summary(MetricUnit.Microseconds);

  snapshot(loadedModelCount: number, diskCache: { files: number; bytes: number }): EndpointMetrics {
    return {
      Invocations: this.invocations,
      Invocation4XXErrors: this.errors4xx,
      Invocation5XXErrors: this.errors5xx,
      ModelCacheHit: {
        unit: "Count",
        sum: this.cacheHits,
        sampleCount: this.invocations,
        average: this.invocations === 0 ? 0 : this.cacheHits / this.invocations,
      },
      LoadedModelCount: loadedModelCount,
      ModelLoadingWaitTime: this.loadingWaitTime.snapshot(),
      ModelDownloadingTime: this.downloadingTime.snapshot(),
      ModelLoadingTime: this.loadingTime.snapshot(),
      ModelUnloadingTime: this.unloadingTime.snapshot(),
      ModelLatency: this.modelLatency.snapshot(),
      Evictions: this.evictions,
      diskCache,
    };
  }
}
