import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { unpackArtifact } from "@myriad/core/artifact/archive";
import { notFound } from "@myriad/core/errors/myriad-error";
import { forecastArtifact } from "@myriad/core/forecasting/forecast-artifact";
import { modelVersion } from "@myriad/core/registry/models";
import { type AuthEnv, requireCustomer } from "../auth.ts";
import { CustomerParams, ERRORS, json } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";

/** A model version's id: the run's start stamp and its id (see versionFor). */
const Version = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a model version");

/**
 * The forecast any version of a customer's model published, for drawing it against the
 * actuals that came later. Publish keeps only the active version's rows; an older one is
 * reproduced from its artifact, which forecasts the same points (no refit, no randomness).
 */
export function versionRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/customers/{id}/versions/{version}/forecast",
      summary: "The forecast a version of the customer's model published (any version, active or past)",
      request: {
        params: CustomerParams.extend({
          version: Version.openapi({
            param: { name: "version", in: "path" },
            example: "20261201T000000Z-1a2b3c4d",
          }),
        }),
      },
      responses: {
        200: json(
          z.object({
            dataset: z.string(),
            customerId: z.string(),
            model: z.object({ algorithm: z.string(), version: z.string(), active: z.boolean() }),
            points: z.array(z.record(z.string(), z.union([z.string(), z.number()]))),
          }),
          "The version's forecast",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { dataset, id, version } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const model = await modelVersion(deps.db, dataset, id, version);
      if (!model) throw notFound("model version");
      const bytes = await deps.store.get(model.artifact_key);
      if (!bytes) throw notFound("model artifact");
      const artifact = await unpackArtifact(bytes);
      const { points } = forecastArtifact(artifact, {
        horizon: artifact.horizon,
        quantiles: artifact.quantiles,
      });
      return c.json(
        {
          dataset,
          customerId: id,
          model: { algorithm: model.algorithm, version: model.version, active: model.active },
          points: points.map(({ components: _, ...p }) => p),
        },
        200,
      );
    },
  );
  return app;
}
