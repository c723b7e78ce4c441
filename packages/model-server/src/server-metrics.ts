import { MetricUnit, Summary, type SummarySnapshot } from "./metrics/summary.ts";
import type { ModelRegistry } from "./model-registry.ts";
import type { ResponseCache } from "./response-cache.ts";

/**
 * What `GET /metrics` answers. Not part of SageMaker's container contract (SageMaker measures
 * the endpoint from outside and publishes to CloudWatch); the container offers it so the local
 * stack and tests can see the same figures. Names follow SageMaker's CloudWatch metrics where
 * one exists (`LoadedModelCount`, `ModelLoadingTime`, `ModelUnloadingTime`, `ModelLatency`,
 * `Invocations`); times are in microseconds as SageMaker reports them.
 */
export interface ModelServerMetrics {
  LoadedModelCount: number;
  Invocations: number;
  /** Time to read and parse an artifact in `POST /models` (excludes SageMaker's download). */
  ModelLoadingTime: SummarySnapshot;
  ModelUnloadingTime: SummarySnapshot;
  /** Time an invoke spent in the container once its body was read: a cached answer, or queue, forecast and serialization. */
  ModelLatency: SummarySnapshot;
  memory: {
    /** Sum of the loaded models' charged sizes (uncompressed artifact bytes). */
    usedBytes: number;
    budgetBytes: number;
    maxModels: number;
    heapUsedBytes: number;
    rssBytes: number;
  };
  /** Repeated invokes answered without forecasting again (see `ResponseCache`). */
  responseCache: ResponseCache["stats"];
  /** Models with the most workers or queued jobs, busiest first (at most ten). */
  busiestModels: {
    modelName: string;
    workers: number;
    running: number;
    queued: number;
    invocations: number;
  }[];
}

/** Counters the routes bump; `snapshot` assembles them with the registry's state. */
export class ServerMetrics {
  readonly #responses: ResponseCache;
  invocations = 0;
  readonly modelLatency = new Summary(MetricUnit.Microseconds);

  constructor(responses: ResponseCache) {
    this.#responses = responses;
  }

  snapshot(registry: ModelRegistry): ModelServerMetrics {
    const memory = process.memoryUsage();
    const busiest = [...registry.models()]
      .map((m) => ({ modelName: m.name, ...m.workers.stats, invocations: m.invocations }))
      .filter((m) => m.queued > 0 || m.running > 0 || m.workers > 1)
      .sort((a, b) => b.queued - a.queued || b.workers - a.workers)
      .slice(0, 10);
    return {
      LoadedModelCount: registry.count,
      Invocations: this.invocations,
      ModelLoadingTime: registry.loadingTime.snapshot(),
      ModelUnloadingTime: registry.unloadingTime.snapshot(),
      ModelLatency: this.modelLatency.snapshot(),
      memory: {
        usedBytes: registry.usedBytes,
        budgetBytes: registry.limits.memoryBudgetBytes,
        maxModels: registry.limits.maxModels,
        heapUsedBytes: memory.heapUsed,
        rssBytes: memory.rss,
      },
      responseCache: this.#responses.stats,
      busiestModels: busiest,
    };
  }
}
