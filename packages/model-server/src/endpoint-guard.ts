import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { ErrorBody } from "./error-response.ts";

/** The header that carries the per-process secret from the router to the embedded endpoint. */
export const ENDPOINT_SECRET_HEADER = "X-Myriad-Endpoint-Secret";

/** The names a client on the same machine reaches a loopback-bound server by. */
export const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "[::1]"];

export interface EndpointGuardOptions {
  /** Every request must carry it in `X-Myriad-Endpoint-Secret`; otherwise 401. */
  secret?: string;
  /**
   * Host names (without port; IPv6 in brackets) the `Host` header may name; otherwise 403. A web
   * page that rebinds its own DNS name to 127.0.0.1 still sends that name, so it is refused.
   */
  allowedHosts?: readonly string[];
}

/**
 * Refuses requests that do not come from the embedded stack's own router: wrong `Host` first
 * (403), then a missing or wrong secret (401). The answers name no model and no path. With no
 * option set (SageMaker's container, whose port is private to the instance) it lets all through.
 */
export function endpointGuard(options: EndpointGuardOptions): MiddlewareHandler {
  const expected = options.secret === undefined ? undefined : digest(options.secret);
  const hosts = options.allowedHosts && new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return async (c, next) => {
    if (hosts && !hosts.has(hostName(c.req.header("host") ?? new URL(c.req.url).host))) {
      const body: ErrorBody = {
        error: "host_not_allowed",
        message: "this endpoint answers on loopback only",
      };
      return c.json(body, 403);
    }
    if (expected) {
      const given = c.req.header(ENDPOINT_SECRET_HEADER);
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        const body: ErrorBody = {
          error: "unauthorized",
          message: "this endpoint serves the embedded stack's router only",
        };
        return c.json(body, 401);
      }
    }
    await next();
  };
}

/** Equal-length digests, so the comparison's time says nothing about the secret's length. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** `127.0.0.1:8080` → `127.0.0.1`, `[::1]:8080` → `[::1]`, lower-cased. */
function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  const colon = lower.lastIndexOf(":");
  return colon < 0 ? lower : lower.slice(0, colon);
}
