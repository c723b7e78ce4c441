import type { MiddlewareHandler } from "hono";

/**
 * Headers on every response, errors included: no MIME sniffing (a JSON body is never run as a
 * script or page), no Referer leaving the app (URLs can carry upload signatures), no framing.
 */
export const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** What a JSON answer opened in a browser may load or run: nothing; nor may it be framed. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Sets {@link BASELINE_HEADERS} on every response, and {@link DATA_CSP} on those that did not set
 * a policy of their own (the console's page and `/docs` set theirs).
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(BASELINE_HEADERS)) c.res.headers.set(name, value);
    if (!c.res.headers.has("content-security-policy")) c.res.headers.set("content-security-policy", DATA_CSP);
  };
}
