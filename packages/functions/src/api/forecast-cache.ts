import type { StoredForecast } from "@myriad/core/registry/forecasts";

/**
 * A short-lived cache of published forecasts, per customer. Forecasts change only when a run
 * publishes, while the ISV's product reads them on every page view: caching each customer's
 * forecast for a couple of seconds turns most reads into no query at all. An entry is one
 * whole, consistent version (never a mix), and a new publication is visible within `ttlMs`.
 */
export class ForecastCache {
  readonly #entries = new Map<string, { value: StoredForecast | null; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 2000;
    this.#max = options.maxEntries ?? 20_000;
  }

  /** Forgets everything, e.g. when a run has just published. */
  clear(): void {
    this.#entries.clear();
  }

  /** The cached forecast (null: known to have none), or what `load` returns, cached. */
  async get(
    key: string,
    load: () => Promise<StoredForecast | undefined>,
  ): Promise<StoredForecast | undefined> {
    if (this.#ttlMs <= 0) return load();
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value ?? undefined;
    const value = (await load()) ?? null;
    if (this.#entries.size >= this.#max) {
      // Maps iterate in insertion order: drop the oldest tenth at once rather than one per miss.
      let drop = Math.ceil(this.#max / 10);
      for (const k of this.#entries.keys()) {
        this.#entries.delete(k);
        if (--drop === 0) break;
      }
    }
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: now + this.#ttlMs });
    return value ?? undefined;
  }
}
