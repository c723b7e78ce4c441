import { InvokeEndpointCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { InferenceEndpoint, InvokeRequest, InvokeResponse } from "@myriad/core/ports/inference-endpoint";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import pMap from "p-map";

/** The slice of SageMakerRuntimeClient this adapter uses. */
export type SageMakerRuntimeSlice = Pick<SageMakerRuntimeClient, "send">;

/** Horizon of the invocation that loads a model during warm: one step is enough to load it. */
const WARM_HORIZON = 1;

/** Where a metric goes: CloudWatch EMF through powertools in Lambda (`emfMetricSink`). */
export type MetricSink = (name: string, unit: "Count" | "Milliseconds", value: number) => void;

/** Latencies kept for the percentiles `metrics()` reports (the most recent ones). */
const LATENCY_WINDOW = 1024;

/**
 * Writes each metric as CloudWatch Embedded Metric Format under the `Myriad` namespace with
 * the endpoint as dimension. SageMaker itself publishes the cache metrics of a multi-model
 * endpoint (ModelCacheHit, LoadedModelCount, ModelLoadingWaitTime…, namespace AWS/SageMaker);
 * these are the caller's view of the same calls.
 */
export function emfMetricSink(endpointName: string): MetricSink {
  const metrics = new Metrics({ namespace: "Myriad", serviceName: "myriad-api" });
  return (name, unit, value) => {
    const single = metrics.singleMetric();
    single.addDimension("EndpointName", endpointName);
    single.addMetric(name, unit === "Count" ? MetricUnit.Count : MetricUnit.Milliseconds, value);
    single.publishStoredMetrics();
  };
}

/**
 * The SageMaker multi-model endpoint. `targetModel` is the artifact's key relative to the
 * model's ModelDataUrl (`models/`), e.g. `sales/c-17/20240101T000000Z.tar.gz`. The first
 * invocation of a target makes the endpoint download and load it; `warm` does that ahead of
 * users with a one-step forecast per target, `concurrency` at a time.
 */
export class SageMakerInferenceEndpoint implements InferenceEndpoint {
  readonly #runtime: SageMakerRuntimeSlice;
  readonly #endpointName: string;
  readonly #concurrency: number;
  readonly #sink: MetricSink;
  readonly #counts = { Invocations: 0, Invocation4XXErrors: 0, Invocation5XXErrors: 0, ModelNotReady: 0 };
  readonly #latencies: number[] = [];

  constructor(
    runtime: SageMakerRuntimeSlice,
    endpointName: string,
    concurrency = 8,
    sink: MetricSink = () => {},
  ) {
    this.#runtime = runtime;
    this.#endpointName = endpointName;
    this.#concurrency = concurrency;
    this.#sink = sink;
  }

  /**
   * This Lambda instance's view of its invokes, named as SageMaker names them. The endpoint's
   * own cache metrics (ModelCacheHit, LoadedModelCount, ModelLoadingWaitTime, ModelLoadingTime,
   * ModelDownloadingTime, ModelUnloadingTime) are in CloudWatch, namespace AWS/SageMaker.
   */
  metrics(): Record<string, unknown> {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null;
    return {
      scope: "this API instance; the endpoint's cache metrics are in CloudWatch (AWS/SageMaker)",
      endpointName: this.#endpointName,
      ...this.#counts,
      ModelLatency: { unit: "ms", count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) },
    };
  }

  async invoke(targetModel: string, request: InvokeRequest): Promise<InvokeResponse> {
    const started = performance.now();
    this.#counts.Invocations++;
    this.#sink("Invocations", "Count", 1);
    try {
      const response = await this.#invoke(targetModel, request);
      const ms = performance.now() - started;
      this.#latencies.push(ms);
      if (this.#latencies.length > LATENCY_WINDOW) this.#latencies.shift();
      this.#sink("ModelLatency", "Milliseconds", ms);
      return response;
    } catch (e) {
      const status = (e as { status?: number }).status ?? 500;
      const metric =
        status === 503 ? "ModelNotReady" : status < 500 ? "Invocation4XXErrors" : "Invocation5XXErrors";
      this.#counts[metric]++;
      this.#sink(metric, "Count", 1);
      throw e;
    }
  }

  async #invoke(targetModel: string, request: InvokeRequest): Promise<InvokeResponse> {
    try {
      const out = await this.#runtime.send(
        new InvokeEndpointCommand({
          EndpointName: this.#endpointName,
          TargetModel: targetModel,
          ContentType: "application/json",
          Accept: "application/json",
          Body: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      return JSON.parse(new TextDecoder().decode(out.Body)) as InvokeResponse;
    } catch (e) {
      throw mapInvokeError(e, targetModel);
    }
  }

  async warm(targetModels: string[]): Promise<{ loaded: number; failed: number }> {
    const outcomes = await pMap(
      targetModels,
      async (target) => {
        try {
          await this.invoke(target, { horizon: WARM_HORIZON });
          return true;
        } catch {
          return false;
        }
      },
      { concurrency: this.#concurrency },
    );
    const loaded = outcomes.filter(Boolean).length;
    return { loaded, failed: outcomes.length - loaded };
  }
}

/**
 * The container's 4xx answers come back as ModelError with `OriginalStatusCode`; they keep
 * their status (404 unknown model, 400 bad request). Throttling and the rest stay as they are.
 */
function mapInvokeError(e: unknown, targetModel: string): unknown {
  const err = e as { name?: string; OriginalStatusCode?: number; OriginalMessage?: string; message?: string };
  if (err.name === "ModelError" && err.OriginalStatusCode && err.OriginalStatusCode < 500) {
    const status = err.OriginalStatusCode;
    const code = status === 404 ? "model_not_found" : "model_error";
    return new MyriadError(
      status,
      code,
      err.OriginalMessage ?? err.message ?? `model ${targetModel} failed`,
      {
        targetModel,
      },
    );
  }
  if (err.name === "ModelNotReadyException") {
    return new MyriadError(503, "model_not_ready", `model ${targetModel} is loading; retry shortly`, {
      targetModel,
    });
  }
  return e;
}
