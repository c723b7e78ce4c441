import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { endpointMetricsHistory } from "../endpoint-metrics-history.ts";
import { ERRORS, json } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";

const Metrics = z.record(z.string(), z.unknown());

export function endpointRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  // Started with the API, so the minutes before anyone opens the Endpoint page are kept.
  const history = endpointMetricsHistory(deps.endpoint);
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/endpoint/metrics",
      summary: "Model endpoint cache metrics, named as SageMaker names them (admin)",
      responses: {
        200: json(z.object({ metrics: Metrics }), "Metrics"),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      return c.json({ metrics: ((await deps.endpoint.metrics?.()) ?? {}) as Record<string, unknown> }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/endpoint/metrics/history",
      summary:
        "The endpoint's metrics over the last minutes, one reading per interval, oldest first; the last is current (admin)",
      responses: {
        200: json(
          z
            .object({
              windowSeconds: z.number().int().describe("how far back readings are kept"),
              intervalSeconds: z.number().int().describe("time between readings"),
              samples: z
                .array(z.object({ timestamp: z.string(), metrics: Metrics }))
                .describe("empty when the endpoint reports no metrics here (in AWS they are in CloudWatch)"),
            })
            .openapi("EndpointMetricsHistory"),
          "Readings",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      return c.json(
        {
          windowSeconds: Math.round((history?.windowMs ?? 0) / 1000),
          intervalSeconds: Math.round((history?.intervalMs ?? 0) / 1000),
          samples: history ? await history.window() : [],
        },
        200,
      );
    },
  );
  return app;
}
