import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";

const DIST = fileURLToPath(new URL("../../console/dist", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/**
 * What the console's page needs and nothing more: its bundled script and stylesheet, the inline
 * SVG icon, requests to its own origin (the API, upload URLs), and the `style` attributes its
 * bars set for their widths (attributes only: no inline <style> or script runs).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Serves the built console (packages/console/dist) at `/`, no key needed: the pages hold no
 * data, every data request they make carries the user's key. Unknown paths that are not API
 * paths get index.html so the console's client-side routes work on reload.
 */
export function consoleRoutes(dist = DIST): Hono {
  const app = new Hono();
  app.get("*", async (c, next) => {
    const path = c.req.path;
    if (path.startsWith("/v1/") || path === "/health" || path === "/openapi.json" || path === "/docs")
      return next();
    if (!existsSync(join(dist, "index.html"))) {
      return c.text("The console is not built: run `npm run build:console` (npm start does it).", 503);
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return next(); // a malformed escape names no file: the API's not-found answers
    }
    const file = normalize(join(dist, decoded));
    const inside = file.startsWith(dist + sep);
    const target = inside && extname(file) && existsSync(file) ? file : join(dist, "index.html");
    const body = await readFile(target);
    const immutable = target.includes(`${sep}assets${sep}`);
    return c.body(body, 200, {
      "content-type": TYPES[extname(target)] ?? "application/octet-stream",
      ...(extname(target) === ".html" ? { "content-security-policy": CONSOLE_CSP } : {}),
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    });
  });
  return app;
}
