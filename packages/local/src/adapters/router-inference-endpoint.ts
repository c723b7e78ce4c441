import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { InferenceEndpoint, InvokeRequest, InvokeResponse } from "@myriad/core/ports/inference-endpoint";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { microsSince } from "@myriad/model-server/metrics/summary";
import { TARGET_MODEL_HEADER } from "@myriad/model-server/model-server-app";
import { ArtifactDiskCache, assertSafeTarget } from "../endpoint/artifact-disk-cache.ts";
import { type EndpointMetrics, EndpointMetricsRecorder } from "../endpoint/endpoint-metrics.ts";
import {
  type FetchHandler,
  type ModelServerClient,
  type ModelServerReply,
  toModelServerClient,
} from "../endpoint/model-server-client.ts";

export interface RouterInferenceEndpointOptions {
  /** The bucket; artifacts are read from `<modelsPrefix><TargetModel>`. Only `get` is used. */
  store: Pick<ObjectStore, "get">;
  /** The model server: a base URL (`http://127.0.0.1:8080`), the Hono app in process, or a client. */
  server: string | FetchHandler | ModelServerClient;
  /** The embedded endpoint's per-process secret, sent with every request (not with a ready client). */
  secret?: string;
  /** Folder for downloaded artifacts, e.g. `<dataDir>/endpoint-cache`; the router empties it on first use. */
  cacheDir: string;
  /** Most models loaded at once; the least recently used is unloaded past it. Default 1,000. */
  maxModels?: number;
  /** Bytes of artifacts kept on disk. Default 1 GiB. */
  diskCacheBytes?: number;
  /** Loads `warm` runs at once. Default 4. */
  warmConcurrency?: number;
  /** Default `models/`, where the Train state writes artifacts. */
  modelsPrefix?: string;
}

/** Invokes retry when their model vanished (evicted between load and invoke) this many times. */
const MAX_ATTEMPTS = 3;
/** How far from the LRU end eviction looks for a model with no invoke in flight. */
const EVICTION_SCAN = 32;

interface Slot {
  inflight: number;
}

/**
 * The multi-model endpoint on one machine, doing what SageMaker does in front of a multi-model
 * container: an invoke for a model that is not loaded downloads its artifact to local disk,
 * asks the container to load it (`POST /models`), then forwards the invoke. Concurrent invokes
 * of a model being loaded wait for that one load. Past `maxModels`, or when the container
 * answers 507, the least recently used model is unloaded (`DELETE /models/{name}`) first,
 * preferring one with no invoke in flight. The container's answer is the source of truth: a 404
 * on invoke (the model went away) reloads and retries.
 */
export class RouterInferenceEndpoint implements InferenceEndpoint {
  readonly #store: Pick<ObjectStore, "get">;
  readonly #client: ModelServerClient;
  readonly #disk: ArtifactDiskCache;
  readonly #maxModels: number;
  readonly #warmConcurrency: number;
  readonly #prefix: string;
  readonly #metrics = new EndpointMetricsRecorder();
  /** Loaded models in least-recently-used-first order (a Map keeps insertion order). */
  readonly #loaded = new Map<string, Slot>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #unloading = new Map<string, Promise<void>>();
  /** Loads that have claimed a place under `maxModels` but are not in `#loaded` yet. */
  #reserved = 0;

  constructor(options: RouterInferenceEndpointOptions) {
    this.#store = options.store;
    this.#client = toModelServerClient(options.server, options.secret);
    this.#disk = new ArtifactDiskCache(options.cacheDir, options.diskCacheBytes);
    this.#maxModels = options.maxModels ?? 1_000;
    this.#warmConcurrency = options.warmConcurrency ?? 4;
    this.#prefix = options.modelsPrefix ?? "models/";
  }

  async invoke(targetModel: string, request: InvokeRequest): Promise<InvokeResponse> {
    this.#metrics.invocations++;
    try {
      assertSafeTarget(targetModel);
      if (this.#loaded.has(targetModel)) this.#metrics.cacheHits++;
      return await this.#invoke(targetModel, JSON.stringify(request));
    } catch (e) {
      if (e instanceof MyriadError && e.status < 500) this.#metrics.errors4xx++;
      else this.#metrics.errors5xx++;
      throw e;
    }
  }

  /**
   * Loads the targets (at most `maxModels` of them: more would only evict each other), with
   * `warmConcurrency` loads at a time. Targets already loaded count as loaded.
   */
  async warm(targetModels: string[]): Promise<{ loaded: number; failed: number }> {
    const targets = [...new Set(targetModels)].slice(0, this.#maxModels);
    let loaded = 0;
    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const target = targets[next++];
        try {
          assertSafeTarget(target);
          if (!this.#touch(target)) await this.#ensureLoaded(target);
          loaded++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#warmConcurrency, targets.length) }, worker));
    return { loaded, failed };
  }

  /** A JSON snapshot of SageMaker's endpoint metrics for this router (see `EndpointMetrics`). */
  metrics(): EndpointMetrics {
    return this.#metrics.snapshot(this.#loaded.size, { files: this.#disk.files, bytes: this.#disk.bytes });
  }

  /** Loaded TargetModel names, least recently used first. */
  loadedModels(): string[] {
    return [...this.#loaded.keys()];
  }

  /** Unloads the loaded models whose TargetModel starts with `prefix` (a deleted dataset's). */
  async unload(prefix: string): Promise<number> {
    const targets = [...this.#loaded.keys()].filter((target) => target.startsWith(prefix));
    await Promise.all(targets.map((target) => this.#unload(target)));
    return targets.length;
  }

  /** Closes the HTTP client's idle sockets. Loaded models stay in the model server. */
  close(): void {
    this.#client.close();
  }

  async #invoke(target: string, body: string): Promise<InvokeResponse> {
    const path = `/models/${encodeURIComponent(target)}/invoke`;
    const headers = { [TARGET_MODEL_HEADER]: target };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let slot = this.#touch(target);
      if (!slot) {
        const waiting = performance.now();
        await this.#ensureLoaded(target);
        this.#metrics.loadingWaitTime.record(microsSince(waiting));
        slot = this.#touch(target);
        if (!slot) continue;
      }
      const started = performance.now();
      slot.inflight++;
      let reply: ModelServerReply;
      try {
        reply = await this.#client.request("POST", path, body, headers);
      } finally {
        slot.inflight--;
      }
      this.#metrics.modelLatency.record(microsSince(started));
      if (reply.status === 200) return JSON.parse(reply.body) as InvokeResponse;
      if (reply.status !== 404) throw replyError(reply);
      if (this.#loaded.get(target) === slot) this.#loaded.delete(target);
    }
    throw new MyriadError(
      503,
      "model_unavailable",
      `model ${target} was unloaded repeatedly while being invoked`,
    );
  }

  /** Marks a loaded model as most recently used; undefined when it is not loaded. */
  #touch(target: string): Slot | undefined {
    const slot = this.#loaded.get(target);
    if (slot) {
      this.#loaded.delete(target);
      this.#loaded.set(target, slot);
    }
    return slot;
  }

  #ensureLoaded(target: string): Promise<void> {
    let loading = this.#loading.get(target);
    if (!loading) {
      loading = this.#load(target).finally(() => this.#loading.delete(target));
      this.#loading.set(target, loading);
    }
    return loading;
  }

  async #load(target: string): Promise<void> {
    await this.#unloading.get(target);
    const started = performance.now();
    const file = await this.#disk.acquire(target, () => this.#store.get(this.#prefix + target));
    if (!file) throw new MyriadError(404, "model_not_found", `no model artifact at ${this.#prefix}${target}`);
    if (file.downloaded) this.#metrics.downloadingTime.record(microsSince(started));
    this.#reserved++;
    try {
      while (this.#loaded.size + this.#reserved > this.#maxModels && (await this.#evictOne())) {}
      const body = JSON.stringify({ model_name: target, url: file.path });
      for (;;) {
        const loading = performance.now();
        const reply = await this.#client.request("POST", "/models", body, { [TARGET_MODEL_HEADER]: target });
        if (reply.status === 200 || reply.status === 409) {
          this.#metrics.loadingTime.record(microsSince(loading));
          this.#loaded.set(target, { inflight: 0 });
          return;
        }
        const retry =
          reply.status === 507 && replyError(reply).code !== "model_too_large" && (await this.#evictOne());
        if (!retry) throw replyError(reply);
      }
    } finally {
      this.#reserved--;
      this.#disk.release(target);
    }
  }

  /** Unloads the least recently used model, preferring one with nothing in flight. */
  async #evictOne(): Promise<boolean> {
    let victim: string | undefined;
    let scanned = 0;
    for (const [name, slot] of this.#loaded) {
      victim ??= name;
      if (slot.inflight === 0) {
        victim = name;
        break;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    if (victim === undefined) return false;
    this.#metrics.evictions++;
    await this.#unload(victim);
    return true;
  }

  #unload(target: string): Promise<void> {
    this.#loaded.delete(target);
    const started = performance.now();
    const unloading = this.#client
      .request("DELETE", `/models/${encodeURIComponent(target)}`)
      .then((reply) => {
        if (reply.status !== 200 && reply.status !== 404) throw replyError(reply);
        this.#metrics.unloadingTime.record(microsSince(started));
      })
      .finally(() => this.#unloading.delete(target));
    this.#unloading.set(target, unloading);
    return unloading;
  }
}

export function createRouterInferenceEndpoint(
  options: RouterInferenceEndpointOptions,
): RouterInferenceEndpoint {
  return new RouterInferenceEndpoint(options);
}

/**
 * The container's `{error, message}` as a MyriadError with the same status. A 401 or 403 is the
 * router's own fault (a secret or address that does not match the endpoint's), not the caller's.
 */
function replyError(reply: ModelServerReply): MyriadError {
  if (reply.status === 401 || reply.status === 403)
    return new MyriadError(502, "endpoint_refused", "the model endpoint refused the router's credentials");
  try {
    const body = JSON.parse(reply.body) as {
      error?: string;
      message?: string;
      details?: Record<string, unknown>;
    };
    return new MyriadError(
      reply.status,
      body.error ?? "model_server_error",
      body.message ?? reply.body,
      body.details,
    );
  } catch {
    return new MyriadError(reply.status, "model_server_error", reply.body.slice(0, 200));
  }
}
