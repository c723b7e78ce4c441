import type { Scope } from "@myriad/core/registry/api-keys";

/**
 * How long a verified key is trusted without asking the database again (seconds). It bounds how
 * long a revoked key keeps working on an API instance that did not revoke it (another Lambda
 * instance); the instance that revokes a key forgets it at once. API Gateway's authorizer
 * cache uses the same time.
 */
export const VERIFIED_KEY_TTL_SECONDS = 5;
const MAX_ENTRIES = 10_000;

/** The id part of a `myr_<id>_<secret>` key: what a revocation names. */
const keyId = (key: string) => /^myr_([0-9a-f]{12})_/.exec(key)?.[1];

/** Keys verified lately, with their scope, so a page view costs no key lookup. */
export class VerifiedKeys {
  readonly #entries = new Map<string, { scope: Scope; until: number }>();
  readonly #ttlMs: number;

  constructor(ttlSeconds = VERIFIED_KEY_TTL_SECONDS) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  get(key: string, now = Date.now()): Scope | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.until >= now) return entry.scope;
    if (entry) this.#entries.delete(key);
    return undefined;
  }

  set(key: string, scope: Scope, now = Date.now()): void {
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { scope, until: now + this.#ttlMs });
  }

  /** Forgets every cached key scoped to a customer of the dataset: it was just deleted. */
  evictDataset(dataset: string): void {
    for (const [key, { scope }] of this.#entries)
      if (scope.kind === "customer" && scope.dataset === dataset) this.#entries.delete(key);
  }

  /** Forgets every cached key with this id: it was just revoked. */
  evict(id: string): void {
    for (const key of this.#entries.keys()) if (keyId(key) === id) this.#entries.delete(key);
  }
}
