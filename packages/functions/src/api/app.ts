import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { type AuthEnv, authenticate } from "./auth.ts";
import { AuthFailureThrottle } from "./auth-throttle.ts";
import type { ApiDeps } from "./api-deps.ts";
import { bodyLimit } from "./body-limit.ts";
import { ForecastCache } from "./forecast-cache.ts";
import { DOCS_CSP, DOCS_HTML } from "./docs-page.ts";
import { problem, quotedPath } from "./problem.ts";
import { securityHeaders } from "./security-headers.ts";
import { VerifiedKeys } from "./verified-keys.ts";
import { aggregateRoutes } from "./routes/aggregates.ts";
import { customerRoutes } from "./routes/customers.ts";
import { datasetRoutes } from "./routes/datasets.ts";
import { endpointRoutes } from "./routes/endpoint.ts";
import { keyRoutes } from "./routes/keys.ts";
import { quarantineRoutes } from "./routes/quarantine.ts";
import { runRoutes } from "./routes/runs.ts";
import { uploadRoutes } from "./routes/uploads.ts";
import { versionRoutes } from "./routes/versions.ts";
import { publicationGeneration } from "@myriad/core/registry/forecasts";

export const API_VERSION = "1.0.0";

/**
 * The HTTP API as one Hono app: API Gateway invokes it through `hono/aws-lambda`, the embedded
 * stack serves it with `@hono/node-server`. Every `/v1` route needs a key; `/health`,
 * `/openapi.json` and `/docs` do not. Request schemas validate input and generate the OpenAPI
 * document; domain errors keep their status and code. Every response carries the security
 * headers, and no `/v1` body over 1 MiB is read.
 */
export interface ApiOptions {
  /**
   * Published forecasts served from memory (default: checked against the dataset's publication
   * generation every second). The embedded stack passes its own and clears it when Publish
   * ends, so new forecasts show at once.
   */
  forecastCache?: ForecastCache;
  /**
   * The address a request came from. Given (the embedded server passes its socket's), a client
   * whose keys fail 20 times in a minute gets 429 until the minute ends; in AWS, API Gateway
   * throttles and the authorizer refuses bad keys before the API runs.
   */
  clientAddress?: (c: Context) => string | undefined;
}

export function createApi(deps: ApiDeps, options: ApiOptions = {}) {
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        return problem(
          c,
          400,
          "validation_error",
          issues.map((i) => `${i.path || "request"}: ${i.message}`).join("; "),
          { issues },
        );
      }
    },
  });

  app.use("*", securityHeaders());
  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      summary: "Liveness: answers without a key",
      security: [],
      responses: {
        200: {
          description: "The API is up",
          content: {
            "application/json": {
              schema: z.object({ status: z.literal("ok"), version: z.string() }).openapi("Health"),
            },
          },
        },
      },
    }),
    (c) => c.json({ status: "ok" as const, version: API_VERSION }, 200),
  );
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Myriad API",
      version: API_VERSION,
      description: "Per-customer forecasts, runs and models.",
    },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.get("/docs", (c) => c.html(DOCS_HTML, 200, { "content-security-policy": DOCS_CSP }));

  // Before the key check: an oversized body is refused (and drained) whoever sends it.
  app.use("/v1/*", bodyLimit());
  const verifiedKeys = new VerifiedKeys();
  const forecastCache =
    options.forecastCache ??
    new ForecastCache({ generationOf: (dataset) => publicationGeneration(deps.db, dataset) });
  app.use(
    "/v1/*",
    authenticate(deps.db, {
      keys: verifiedKeys,
      throttle: options.clientAddress ? new AuthFailureThrottle() : undefined,
      clientAddress: options.clientAddress,
    }),
  );
  for (const routes of [
    runRoutes,
    (d: ApiDeps) => keyRoutes(d, verifiedKeys),
    (d: ApiDeps) => datasetRoutes(d, { verifiedKeys, forecastCache }),
    aggregateRoutes,
    versionRoutes,
    uploadRoutes,
    endpointRoutes,
    quarantineRoutes,
  ]) {
    app.route("/", routes(deps));
  }
  app.route("/", customerRoutes(deps, forecastCache));

  app.notFound((c) =>
    problem(c, 404, "route_not_found", `no route for ${quotedPath(c.req.method)} ${quotedPath(c.req.path)}`),
  );
  app.onError((err, c) => {
    if (err instanceof MyriadError) return problem(c, err.status, err.code, err.message, err.details ?? {});
    if (err instanceof HTTPException && err.status === 415)
      return problem(
        c,
        415,
        "unsupported_media_type",
        "send the body as JSON with the header Content-Type: application/json (curl: -H 'content-type: application/json')",
      );
    if (err instanceof HTTPException)
      return problem(c, err.status, "http_error", err.message || "request refused");
    if (err instanceof SyntaxError)
      return problem(c, 400, "invalid_json", "the request body is not valid JSON");
    console.error(err);
    return problem(c, 500, "internal_error", "unexpected error; it has been logged");
  });
  return app;
}

export type Api = ReturnType<typeof createApi>;
