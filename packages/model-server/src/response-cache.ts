/**
 * Serialized invoke answers by model and request body. A loaded artifact never changes and
 * `forecastArtifact` depends on nothing else, so the same body asked of the same loaded model
 * has the same answer: dashboards and the API ask for a customer's default horizon over and
 * over, and a repeat costs a map lookup instead of a forecast and a serialization.
 *
 * Entries remember which loaded model produced them, so an unloaded or reloaded model never
 * answers from an older copy. The cache has its own byte budget, separate from the models'
 * (`memoryBudgetBytes`), and drops least recently used entries past it; 0 turns it off.
 */
export class ResponseCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, { owner: object; json: string; bytes: number }>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(name: string, owner: object, body: string): string | undefined {
    if (this.#maxBytes === 0) return undefined;
    const key = `${name}\n${body}`;
    const entry = this.#entries.get(key);
    if (!entry || entry.owner !== owner) {
      this.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.hits++;
    return entry.json;
  }

  set(name: string, owner: object, body: string, json: string): void {
    const key = `${name}\n${body}`;
    // String length approximates bytes for this ASCII JSON; one entry may take 1/16 of the budget.
    const bytes = key.length + json.length;
    if (bytes > this.#maxBytes / 16) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    this.#entries.set(key, { owner, json, bytes });
    this.#bytes += bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
  }

  get stats(): { entries: number; bytes: number; maxBytes: number; hits: number; misses: number } {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxBytes: this.#maxBytes,
      hits: this.hits,
      misses: this.misses,
    };
  }
}
