import type { ForecastPoint } from "@myriad/core/ports/inference-endpoint";
import type { StoredForecast } from "@myriad/core/registry/forecasts";

/**
 * A published forecast as the cache keeps it: the whole-forecast response, serialized once.
 * Text, not objects: a thousand cached forecasts as objects are most of a million small
 * objects, which every major GC marks, and those pauses were the API's tail latency (a 60 ms
 * Mark-Compact at 170 MB of heap in the api bench); a string is one object the marker skips.
 */
export interface CachedForecast {
  version: string;
  algorithm: string;
  /** Number of points. */
  length: number;
  /** `{ dataset, customerId, model: { algorithm, version }, points }` as JSON. */
  body: string;
}

/** The points of a cached forecast, parsed again (for the rarer filtered requests). */
export function cachedPoints(forecast: CachedForecast): ForecastPoint[] {
  return (JSON.parse(forecast.body) as { points: ForecastPoint[] }).points;
}

interface Entry {
  value: CachedForecast | null;
  generation: number;
}

interface DatasetState {
  generation: number;
  checkedAt: number;
  /** A generation check under way, shared by concurrent requests. */
  checking?: Promise<number>;
  entries: Map<string, Entry>;
}

/**
 * Published forecasts kept in memory per customer. Forecasts change only when a run publishes,
 * while the ISV's product reads them on every page view, so a read is served from memory as
 * long as the dataset's publication generation (bumped by every Publish transaction) is
 * unchanged. The generation is checked at most once per `checkMs` per dataset: one tiny query,
 * whatever the traffic. An entry is one whole model version with its forecast, never a mix, and
 * a new publication is visible within `checkMs`.
 */
export class ForecastCache {
  readonly #datasets = new Map<string, DatasetState>();
  readonly #generationOf: (dataset: string) => Promise<number>;
  readonly #checkMs: number;
  readonly #maxPerDataset: number;

  constructor(options: {
    generationOf: (dataset: string) => Promise<number>;
    checkMs?: number;
    maxPerDataset?: number;
  }) {
    this.#generationOf = options.generationOf;
    this.#checkMs = options.checkMs ?? 1000;
    this.#maxPerDataset = options.maxPerDataset ?? 50_000;
  }

  /** Forgets everything, e.g. when this process has just published. */
  clear(): void {
    this.#datasets.clear();
  }

  /** Forgets one dataset's forecasts, e.g. when it has just been deleted. */
  forget(dataset: string): void {
    this.#datasets.delete(dataset);
  }

  /** The forecast from memory when still current, else what `load` returns (remembered). */
  async get(
    dataset: string,
    customerId: string,
    load: () => Promise<StoredForecast | undefined>,
  ): Promise<CachedForecast | undefined> {
    const state = this.#datasets.get(dataset) ?? { generation: -1, checkedAt: 0, entries: new Map() };
    this.#datasets.set(dataset, state);
    const generation = await this.#current(dataset, state);
    const hit = state.entries.get(customerId);
    if (hit && hit.generation === generation) return hit.value ?? undefined;
    const loaded = await load();
    const value = loaded ? serialized(dataset, customerId, loaded) : null;
    if (state.entries.size >= this.#maxPerDataset) state.entries.clear();
    state.entries.set(customerId, { value, generation });
    return value ?? undefined;
  }

  async #current(dataset: string, state: DatasetState): Promise<number> {
    if (Date.now() - state.checkedAt < this.#checkMs) return state.generation;
    state.checking ??= this.#generationOf(dataset).finally(() => {
      state.checking = undefined;
    });
    const generation = await state.checking;
    if (generation !== state.generation) state.entries.clear();
    state.generation = generation;
    state.checkedAt = Date.now();
    return generation;
  }
}

function serialized(dataset: string, customerId: string, forecast: StoredForecast): CachedForecast {
  const { algorithm, version, points } = forecast;
  const body = JSON.stringify({ dataset, customerId, model: { algorithm, version }, points });
  return { version, algorithm, length: points.length, body };
}
