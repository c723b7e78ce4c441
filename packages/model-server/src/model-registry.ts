import type { ModelArtifact } from "@myriad/core/artifact/model-artifact";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { MetricUnit, Summary, microsSince } from "./metrics/summary.ts";
import type { ModelLoader } from "./model-loader.ts";
import { DEFAULT_WORKER_CONFIG, ModelWorkers, type WorkerConfig } from "./model-workers.ts";

/** A model in memory, keyed by the `model_name` it was loaded with. */
export interface LoadedModel {
  name: string;
  url: string;
  artifact: ModelArtifact;
  sizeBytes: number;
  loadedAt: string;
  invocations: number;
  workers: ModelWorkers;
}

export interface ModelRegistryOptions {
  loader: ModelLoader;
  memoryBudgetBytes: number;
  maxModels: number;
  workers?: Partial<WorkerConfig>;
}

/** The memory-full answer SageMaker waits for: it then unloads unused models and retries. */
const insufficient = (code: string, message: string, details?: Record<string, unknown>) =>
  new MyriadError(507, code, message, details);

/**
 * The loaded models and their memory accounting. The container never evicts on its own: when
 * the budget or the model cap is reached it answers 507 and leaves the choice of what to unload
 * to the caller (SageMaker, or the local router), as the multi-model contract expects.
 */
export class ModelRegistry {
  readonly #options: ModelRegistryOptions;
  readonly #workerConfig: WorkerConfig;
  readonly #models = new Map<string, LoadedModel>();
  readonly #loading = new Set<string>();
  #usedBytes = 0;
  readonly loadingTime = new Summary(MetricUnit.Microseconds);
  readonly unloadingTime = new Summary(MetricUnit.Microseconds);

  constructor(options: ModelRegistryOptions) {
    this.#options = options;
    this.#workerConfig = { ...DEFAULT_WORKER_CONFIG, ...options.workers };
  }

  /**
   * Loads `url` as `name`. A name being loaded counts as loaded (409), so two loads of one name
   * never race. 507 `model_too_large` means no amount of unloading would make room.
   */
  async load(name: string, url: string): Promise<LoadedModel> {
    const { memoryBudgetBytes: budget, maxModels } = this.#options;
    if (this.#models.has(name) || this.#loading.has(name)) {
      throw new MyriadError(409, "model_already_loaded", `model ${JSON.stringify(name)} is already loaded`);
    }
    if (this.#models.size + this.#loading.size >= maxModels) {
      throw insufficient("model_limit_reached", `${maxModels} models are loaded; unload one first`);
    }
    if (this.#usedBytes >= budget) throw insufficient("insufficient_memory", "the memory budget is full");
    const started = performance.now();
    this.#loading.add(name);
    try {
      const { artifact, sizeBytes } = await this.#options.loader.load(url);
      if (sizeBytes > budget) {
        throw insufficient("model_too_large", `model needs ${sizeBytes} bytes, the budget is ${budget}`, {
          sizeBytes,
        });
      }
      if (this.#usedBytes + sizeBytes > budget) {
        throw insufficient(
          "insufficient_memory",
          `model needs ${sizeBytes} bytes, ${budget - this.#usedBytes} free`,
          {
            sizeBytes,
          },
        );
      }
      const model: LoadedModel = {
        name,
        url,
        artifact,
        sizeBytes,
        loadedAt: new Date().toISOString(),
        invocations: 0,
        workers: new ModelWorkers(this.#workerConfig),
      };
      this.#models.set(name, model);
      this.#usedBytes += sizeBytes;
      this.loadingTime.record(microsSince(started));
      return model;
    } finally {
      this.#loading.delete(name);
    }
  }

  get(name: string): LoadedModel | undefined {
    return this.#models.get(name);
  }

  /**
   * Forgets the model and releases its share of the budget before returning. Jobs already
   * queued keep their reference and finish; new invokes get 404.
   */
  unload(name: string): LoadedModel | undefined {
    const started = performance.now();
    const model = this.#models.get(name);
    if (!model) return undefined;
    this.#models.delete(name);
    this.#usedBytes -= model.sizeBytes;
    this.unloadingTime.record(microsSince(started));
    return model;
  }

  /**
   * One page of loaded models in name order. The token is the last name of the previous page,
   * so a page stays correct when models are loaded or unloaded between calls.
   */
  page(token: string | undefined, limit: number): { models: LoadedModel[]; nextPageToken?: string } {
    const after = token === undefined ? undefined : decodeToken(token);
    const names = [...this.#models.keys()].sort();
    const start = after === undefined ? 0 : names.findIndex((n) => n > after);
    const slice = start < 0 ? [] : names.slice(start, start + limit);
    const more = start >= 0 && start + limit < names.length;
    return {
      models: slice.map((n) => this.#models.get(n)!),
      ...(more ? { nextPageToken: Buffer.from(slice[slice.length - 1]).toString("base64url") } : {}),
    };
  }

  models(): IterableIterator<LoadedModel> {
    return this.#models.values();
  }

  get count(): number {
    return this.#models.size;
  }

  get usedBytes(): number {
    return this.#usedBytes;
  }

  get limits(): { memoryBudgetBytes: number; maxModels: number } {
    return { memoryBudgetBytes: this.#options.memoryBudgetBytes, maxModels: this.#options.maxModels };
  }
}

function decodeToken(token: string): string {
  const name = Buffer.from(token, "base64url").toString("utf8");
  if (name.length === 0)
    throw new MyriadError(400, "invalid_page_token", "next_page_token is not one this server issued");
  return name;
}
