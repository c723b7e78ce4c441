import type { MiddlewareHandler } from "hono";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { type Scope, verifyApiKey } from "@myriad/core/registry/api-keys";
import type { Db } from "@myriad/core/ports/database";

export type AuthEnv = { Variables: { scope: Scope } };

const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

/**
 * Bearer-key authentication. Verified keys are cached for 10 s, so a page view costs no key
 * lookup; a revoked key stops working within that time.
 */
export function authenticate(db: Db): MiddlewareHandler<AuthEnv> {
  const cache = new Map<string, { scope: Scope; until: number }>();
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new MyriadError(401, "missing_key", "send an API key as 'Authorization: Bearer <key>'");
    const key = match[1];
    const now = Date.now();
    let entry = cache.get(key);
    if (!entry || entry.until < now) {
      const scope = await verifyApiKey(db, key);
      if (!scope) throw new MyriadError(401, "invalid_key", "the API key is unknown or revoked");
      if (cache.size >= CACHE_MAX) cache.clear();
      entry = { scope, until: now + CACHE_MS };
      cache.set(key, entry);
    }
    c.set("scope", entry.scope);
    await next();
  };
}

export function requireAdmin(scope: Scope): void {
  if (scope.kind !== "admin") throw new MyriadError(403, "forbidden", "this route needs an admin key");
}

/** A customer-scoped key reads only its own customer; admin reads all. */
export function requireCustomer(scope: Scope, dataset: string, customerId: string): void {
  if (scope.kind === "admin") return;
  if (scope.dataset !== dataset || scope.customerId !== customerId) {
    throw new MyriadError(403, "forbidden", "this key may read only its own customer");
  }
}
