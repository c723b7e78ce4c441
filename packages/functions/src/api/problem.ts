import type { Context } from "hono";
import { BASELINE_HEADERS, DATA_CSP } from "./security-headers.ts";

/**
 * Errors as RFC 9457 `application/problem+json`, with a stable machine-readable `code` that
 * clients can switch on (the title and detail are for people and may change).
 */
export function problem(
  _c: Context,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  return problemResponse(status, code, detail, extra);
}

/**
 * The same answer outside a route, e.g. for a request the HTTP server could not parse; it
 * carries the security headers itself, as no middleware runs there.
 */
export function problemResponse(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  const body = {
    type: `https://myriad.dev/problems/${code}`,
    title: TITLES[status] ?? "Error",
    status,
    code,
    detail,
    ...extra,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/problem+json",
      ...BASELINE_HEADERS,
      "content-security-policy": DATA_CSP,
    },
  });
}

/**
 * A request path as a problem's `detail` may quote it: at most 200 characters, and everything
 * but letters, digits and `/ . _ ~ -` percent-encoded, so no markup, quotes, control or
 * look-alike characters are echoed back, whatever reads the detail.
 */
export function quotedPath(path: string): string {
  let out = "";
  for (const ch of path) {
    if (out.length >= 200) return `${out}…`;
    out += /^[A-Za-z0-9/._~-]$/.test(ch)
      ? ch
      : [...Buffer.from(ch, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  }
  return out;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};
