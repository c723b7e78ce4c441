import { getHeapStatistics } from "node:v8";
import { badRequest, MyriadError } from "@myriad/core/errors/myriad-error";
import { forecastArtifact } from "@myriad/core/forecasting/forecast-artifact";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { type EndpointGuardOptions, endpointGuard } from "./endpoint-guard.ts";
import { errorResponse, modelNotFound } from "./error-response.ts";
import { parseInvokeRequest, parseJson, parseLoadRequest, readJson } from "./invoke-request.ts";
import { fileModelLoader, type ModelLoader, ModelLoadError } from "./model-loader.ts";
import { ModelRegistry } from "./model-registry.ts";
import type { WorkerConfig } from "./model-workers.ts";
import { microsSince } from "./metrics/summary.ts";
import { ResponseCache } from "./response-cache.ts";
import { ServerMetrics } from "./server-metrics.ts";

/** The header SageMaker uses to pass the caller's TargetModel to the container. */
export const TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model";

/** A line for the server's log: what went wrong, with details no caller is shown. */
export type ModelServerLog = (
  level: "WARN" | "ERROR",
  message: string,
  fields: Record<string, unknown>,
) => void;

/**
 * `secret` and `allowedHosts` (see `endpointGuard`) and `modelRoot` are for a server that shares
 * its machine with other users and web browsers: the embedded stack sets all three. SageMaker's
 * container sets none, so the multi-model contract it serves is unchanged.
 */
export interface ModelServerAppOptions extends EndpointGuardOptions {
  /** How `POST /models` turns a `url` into a model. Default: local files (`fileModelLoader`). */
  loader?: ModelLoader;
  /** For the default loader: load only files whose real path lies inside this folder. */
  modelRoot?: string;
  /** Default: one JSON line on stderr, as the container logs. */
  log?: ModelServerLog;
  /**
   * Budget for loaded models, charged at their uncompressed archive size; past it `POST /models`
   * answers 507. The charge is conservative: a parsed artifact measured 6.7 KB of heap for an
   * 8.7 KB archive. Default: a quarter of V8's heap limit, leaving the rest for requests and
   * the response cache.
   */
  memoryBudgetBytes?: number;
  /** Most models loaded at once; past it `POST /models` answers 507. Default 100,000. */
  maxModels?: number;
  /** Per-model workers (see `ModelWorkers`). */
  workers?: Partial<WorkerConfig>;
  /** Models per `GET /models` page unless `max_results` asks for fewer. Default 1,000. */
  pageSize?: number;
  /** Bytes of serialized answers kept for repeated invokes (see `ResponseCache`); 0 disables. Default 16 MiB. */
  responseCacheBytes?: number;
}

export const defaultMemoryBudgetBytes = () => Math.floor(getHeapStatistics().heap_size_limit / 4);

/**
 * The SageMaker multi-model container contract as a Hono app: `GET /ping`, `POST /models`,
 * `GET /models`, `GET /models/{name}`, `DELETE /models/{name}`, `POST /models/{name}/invoke`,
 * plus `POST /invocations` routed by the `X-Amzn-SageMaker-Target-Model` header and `GET
 * /metrics` (neither is in the contract). Names are percent-encoded path segments, e.g.
 * `/models/default%2F7%2F20261122T030000Z.tar.gz/invoke`; unencoded slashes work too.
 */
export function createModelServerApp(options: ModelServerAppOptions = {}): Hono {
  const registry = new ModelRegistry({
    loader: options.loader ?? fileModelLoader({ root: options.modelRoot }),
    memoryBudgetBytes: options.memoryBudgetBytes ?? defaultMemoryBudgetBytes(),
    maxModels: options.maxModels ?? 100_000,
    workers: options.workers,
  });
  const responses = new ResponseCache(options.responseCacheBytes ?? 16 * 1024 ** 2);
  const metrics = new ServerMetrics(responses);
  const pageSize = options.pageSize ?? 1_000;

  const invoke = async (c: Context, name: string) => {
    const model = registry.get(name);
    if (!model) throw modelNotFound(name);
    const body = await c.req.text();
    const started = performance.now();
    let json = responses.get(name, model, body);
    if (json === undefined) {
      const request = parseInvokeRequest(parseJson(body));
      json = await model.workers.submit(() => JSON.stringify(forecastArtifact(model.artifact, request)));
      responses.set(name, model, body, json);
    }
    metrics.invocations++;
    model.invocations++;
    metrics.modelLatency.record(microsSince(started));
    return c.body(json, 200, { "content-type": "application/json" });
  };

  const log = options.log ?? stderrLog;
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof ModelLoadError) log("WARN", "model not loaded", { reason: err.detail });
    else if (!(err instanceof MyriadError || err instanceof HTTPException))
      log("ERROR", err.message, { stack: err.stack });
    return errorResponse(err, c);
  });
  app.notFound((c) => c.json({ error: "not_found", message: "no such route" }, 404));
  app.use(endpointGuard(options));

  app.get("/ping", (c) => c.json({ status: "Healthy" }));
  app.get("/metrics", (c) => c.json(metrics.snapshot(registry)));

  app.post("/models", async (c) => {
    // The contract's LoadModel is JSON; a form or text/plain body is what a web page can send.
    const type = c.req.header("content-type")?.split(";")[0].trim().toLowerCase();
    if (type !== "application/json")
      throw new MyriadError(415, "unsupported_media_type", "POST /models takes an application/json body");
    const { modelName, url } = parseLoadRequest(await readJson(c.req.raw));
    const model = await registry.load(modelName, url);
    return c.json({ modelName, modelUrl: url, sizeBytes: model.sizeBytes });
  });

  app.get("/models", (c) => {
    const max = c.req.query("max_results");
    const limit = max === undefined ? pageSize : Number(max);
    if (!Number.isInteger(limit) || limit < 1)
      throw badRequest("invalid_max_results", "max_results must be a positive integer");
    const page = registry.page(c.req.query("next_page_token"), Math.min(limit, pageSize));
    return c.json({
      models: page.models.map((m) => ({ modelName: m.name, modelUrl: m.url })),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    });
  });

  app.post("/invocations", (c) => {
    const name = c.req.header(TARGET_MODEL_HEADER);
    if (!name) throw badRequest("missing_target_model", `${TARGET_MODEL_HEADER} header is required`);
    return invoke(c, name);
  });

  app.post("/models/:name{.+}/invoke", (c) => invoke(c, c.req.param("name")));

  app.get("/models/:name{.+}", (c) => {
    const model = registry.get(c.req.param("name"));
    if (!model) throw modelNotFound(c.req.param("name"));
    return c.json({
      modelName: model.name,
      modelUrl: model.url,
      sizeBytes: model.sizeBytes,
      loadedAt: model.loadedAt,
      invocations: model.invocations,
      algorithm: model.artifact.algorithm,
      version: model.artifact.version,
      ...model.workers.stats,
    });
  });

  app.delete("/models/:name{.+}", (c) => {
    const model = registry.unload(c.req.param("name"));
    if (!model) throw modelNotFound(c.req.param("name"));
    return c.json({ modelName: model.name, status: "unloaded" });
  });

  return app;
}

const stderrLog: ModelServerLog = (level, message, fields) =>
  console.error(JSON.stringify({ service: "model-server", level, message, ...fields }));
