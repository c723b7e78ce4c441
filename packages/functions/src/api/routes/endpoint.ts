import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { ERRORS, json } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";

export function endpointRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/endpoint/metrics",
      summary: "Model endpoint cache metrics, named as SageMaker names them (admin)",
      responses: {
        200: json(z.object({ metrics: z.record(z.string(), z.unknown()) }), "Metrics"),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      return c.json({ metrics: ((await deps.endpoint.metrics?.()) ?? {}) as Record<string, unknown> }, 200);
    },
  );
  return app;
}
