import type { Context, MiddlewareHandler } from "hono";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { type Scope, verifyApiKey } from "@myriad/core/registry/api-keys";
import type { Db } from "@myriad/core/ports/database";
import type { AuthFailureThrottle } from "./auth-throttle.ts";
import { problem } from "./problem.ts";
import { VerifiedKeys } from "./verified-keys.ts";

export type AuthEnv = { Variables: { scope: Scope } };

export interface AuthOptions {
  /** Keys verified lately; the key routes evict a key from it when they revoke it. */
  keys?: VerifiedKeys;
  /** Refuses clients that failed too often, by the address {@link clientAddress} gives. */
  throttle?: AuthFailureThrottle;
  /** Who sent the request (the embedded server's socket address); none: no throttling. */
  clientAddress?: (c: Context) => string | undefined;
}

/**
 * Bearer-key authentication. Verified keys are cached briefly (see {@link VerifiedKeys}), so a
 * page view costs no key lookup. With a throttle, a client whose keys failed too often gets
 * 429 before its key is even looked at.
 */
export function authenticate(db: Db, options: AuthOptions = {}): MiddlewareHandler<AuthEnv> {
  const keys = options.keys ?? new VerifiedKeys();
  return async (c, next) => {
    const client = options.throttle ? options.clientAddress?.(c) : undefined;
    const wait = client ? options.throttle?.retryAfter(client) : 0;
    if (wait) {
      const res = problem(
        c,
        429,
        "too_many_failures",
        `too many requests with invalid keys from this client; retry in ${wait} s`,
        { retryAfter: wait },
      );
      res.headers.set("retry-after", String(wait));
      return res;
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new MyriadError(401, "missing_key", "send an API key as 'Authorization: Bearer <key>'");
    const key = match[1];
    let scope = keys.get(key);
    if (!scope) {
      scope = await verifyApiKey(db, key);
      if (!scope) {
        if (client) options.throttle?.fail(client);
        throw new MyriadError(401, "invalid_key", "the API key is unknown or revoked");
      }
      keys.set(key, scope);
    }
    c.set("scope", scope);
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
