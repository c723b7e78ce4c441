import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { badRequest, notFound } from "@myriad/core/errors/myriad-error";
import type { Aggregates } from "@myriad/core/pipeline/steps/aggregate-step";
import { sql } from "kysely";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { DatasetParams, ERRORS, json } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";

const AggregatePoint = z.object({
  timestamp: z.string(),
  mean: z.number(),
  p10: z.number(),
  p50: z.number(),
  p90: z.number(),
});

/** The total forecast of a dataset or of each group of a metadata attribute. */
export function aggregateRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/aggregate",
      summary:
        "Total forecast of the dataset, or of each group of a metadata attribute (by=region): mean = sum of the customers' means, P10–P90 from the total's own backtest errors (admin keys)",
      request: {
        params: DatasetParams,
        query: z.object({
          by: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{1,64}$/)
            .optional()
            .openapi({ description: "a metadata attribute; absent: the dataset total", example: "region" }),
        }),
      },
      responses: {
        200: json(
          z
            .object({
              dataset: z.string(),
              by: z.string().nullable(),
              runId: z.string(),
              createdAt: z.string(),
              groups: z.array(
                z.object({
                  key: z.string(),
                  customers: z.number().int(),
                  algorithm: z
                    .string()
                    .openapi({ description: "the model whose backtest gave the intervals" }),
                  points: z.array(AggregatePoint),
                }),
              ),
            })
            .openapi("Aggregate"),
          "Aggregate forecast",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const { dataset } = c.req.valid("param");
      const { by } = c.req.valid("query");
      // The latest publishing run's totals: Publish writes them after switching the forecasts.
      const run = await deps.db
        .selectFrom("runs")
        .select(sql<string>`counts->>'aggregatesKey'`.as("key"))
        .where("dataset", "=", dataset)
        .where(sql<string>`counts->>'aggregatesKey'`, "is not", null)
        .orderBy("started_at", "desc")
        .limit(1)
        .executeTakeFirst();
      const bytes = run?.key ? await deps.store.get(run.key) : undefined;
      if (!bytes) throw notFound("aggregate");
      const aggregates = JSON.parse(new TextDecoder().decode(bytes)) as Aggregates;
      const groups = aggregates.by[by ?? ""];
      if (!groups) {
        const known = Object.keys(aggregates.by).filter((a) => a !== "");
        throw badRequest(
          "invalid_attribute",
          `no groups by ${JSON.stringify(by)}: the dataset's grouping attributes are ${known.length > 0 ? known.join(", ") : "none (no item metadata with 2 to 50 values)"}`,
        );
      }
      return c.json(
        { dataset, by: by ?? null, runId: aggregates.runId, createdAt: aggregates.createdAt, groups },
        200,
      );
    },
  );
  return app;
}
