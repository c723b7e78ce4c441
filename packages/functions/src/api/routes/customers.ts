import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { MyriadError, notFound } from "@myriad/core/errors/myriad-error";
import { Keys, targetModelName } from "@myriad/core/dataset/keys";
import { quantileKey } from "@myriad/core/models/model";
import { readForecast } from "@myriad/core/registry/forecasts";
import { activeModel, modelHistory } from "@myriad/core/registry/models";
import { customerAccuracy, customerDrift } from "@myriad/core/registry/monitoring";
import { COLD_START_MODEL } from "@myriad/core/forecasting/train-customer";
import { detectAnomalies } from "@myriad/core/series/anomalies";
import { bucketStart, isFrequency } from "@myriad/core/series/frequency";
import { seriesFromCsv } from "@myriad/core/series/series";
import { type AuthEnv, requireCustomer } from "../auth.ts";
import { cachedPoints, type ForecastCache } from "../forecast-cache.ts";
import { CustomerParams, DriftFlag, ERRORS, json, QuantilesParam, TimestampParam } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";

const ModelRef = z.object({
  algorithm: z.string(),
  version: z.string(),
  drivers: z
    .array(z.object({ name: z.string(), importance: z.number().optional() }))
    .optional()
    .openapi({ description: "related fields and holidays the model used; importance with explain=true" }),
});
const Point = z
  .record(z.string(), z.union([z.string(), z.number(), z.record(z.string(), z.number())]))
  .openapi("ForecastPoint", {
    example: { timestamp: "2026-01-01T00:00:00.000Z", p10: 410.2, p50: 502.7, p90: 598.1, mean: 503.1 },
  });
const ForecastBody = z
  .object({
    dataset: z.string(),
    customerId: z.string(),
    model: ModelRef,
    coldStart: z
      .boolean()
      .optional()
      .openapi({ description: "true when the history was too short: forecast from the customer's cohort" }),
    cohort: z.string().nullable().optional().openapi({ example: "region=north,segment=home" }),
    points: z.array(Point),
  })
  .openapi("Forecast");

const WhatIfChangeBody = z
  .object({
    set: z.number().optional(),
    multiply: z.number().optional(),
    add: z.number().optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .openapi("WhatIfChange", {
    description:
      "set, then multiply, then add; between from and to (inclusive), the whole horizon by default",
  });
const WhatIfBody = z
  .object({
    dataset: z.string(),
    customerId: z.string(),
    model: ModelRef,
    points: z.array(Point),
    baseline: z.object({ points: z.array(Point) }),
  })
  .openapi("WhatIfForecast");

type PointBody = z.infer<typeof Point>;

const HistoryPoint = z
  .object({
    timestamp: z.string(),
    value: z.number(),
    anomaly: z.literal(true).optional().openapi({
      description:
        "present on a point outside the robust band of the customer's history (an outage, a spike, a meter reset): level plus seasonal profile, ± 5 robust standard deviations",
    }),
    score: z.number().optional().openapi({
      description: "on an anomaly: |value − expected| in robust standard deviations (above 5)",
    }),
  })
  .openapi("HistoryPoint", {
    example: { timestamp: "2026-01-01T03:00:00.000Z", value: 0, anomaly: true, score: 14.2 },
  });

const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

export function customerRoutes(deps: ApiDeps, forecasts: ForecastCache) {
  const app = new OpenAPIHono<AuthEnv>();

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/customers/{id}/forecast",
      summary: "The published forecast of the customer's active model",
      request: {
        params: CustomerParams,
        query: z.object({
          from: TimestampParam,
          to: TimestampParam,
          quantiles: QuantilesParam,
          explain: z.enum(["true", "false"]).optional().openapi({
            description: "add each point's `components`, named contributions that sum to its mean",
          }),
        }),
      },
      responses: { 200: json(ForecastBody, "Forecast points with P10/P50/P90"), ...ERRORS },
    }),
    async (c) => {
      const { dataset, id } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const { from, to, quantiles, explain } = c.req.valid("query");
      const stored = await forecasts.get(dataset, id, () => readForecast(deps.db, dataset, id));
      if (stored?.algorithm === COLD_START_MODEL) {
        // Rare and worth naming: the forecast came from customers like this one.
        const model = await activeModel(deps.db, dataset, id);
        const cohort = (parse(model?.selection) as { cohort?: string } | undefined)?.cohort ?? null;
        return c.json(
          {
            dataset,
            customerId: id,
            model: { algorithm: stored.algorithm, version: stored.version },
            coldStart: true,
            cohort,
            points: cachedPoints(stored),
          },
          200,
        );
      }
      if (explain === "true") {
        // The same model recomputes the published points with their contributions.
        if (!stored) throw notFound("forecast");
        const lo = from ? Date.parse(from) : Number.NEGATIVE_INFINITY;
        const hi = to ? Date.parse(to) : Number.POSITIVE_INFINITY;
        const result = await deps.endpoint.invoke(targetModelName(dataset, id, stored.version), {
          horizon: stored.length,
          explain: true,
          ...(quantiles ? { quantiles } : {}),
        });
        const points = result.points.filter((p) => {
          const t = Date.parse(p.timestamp);
          return t >= lo && t <= hi;
        });
        return c.json(
          { dataset, customerId: id, model: result.model, points: points as unknown as PointBody[] },
          200,
        );
      }
      if (stored && !from && !to && !quantiles) {
        // The common request, the whole forecast: the cache holds its body.
        return c.body(stored.body, 200, { "content-type": "application/json" }) as never;
      }
      const lo = from ? Date.parse(from) : Number.NEGATIVE_INFINITY;
      const hi = to ? Date.parse(to) : Number.POSITIVE_INFINITY;
      // Publish writes a model's forecast with its activation, so no forecast means no model yet.
      if (!stored) throw notFound("forecast");
      const all = cachedPoints(stored);
      const inRange =
        from || to ? all.filter((p) => Date.parse(p.timestamp) >= lo && Date.parse(p.timestamp) < hi) : all;
      let points = inRange as unknown as Record<string, string | number>[];
      if (quantiles) {
        const keys = quantiles.map(quantileKey);
        const missing = keys.filter((k) => points.length > 0 && !(k in points[0]));
        if (missing.length > 0) {
          throw new MyriadError(
            400,
            "quantile_not_available",
            `not published: ${missing.join(", ")}; use POST .../predict for other quantiles`,
          );
        }
        points = points.map((p) =>
          Object.fromEntries([["timestamp", p.timestamp], ...keys.map((k) => [k, p[k]])]),
        );
      }
      return c.json(
        {
          dataset,
          customerId: id,
          model: { algorithm: stored.algorithm, version: stored.version },
          points,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/customers/{id}/history",
      summary: "The customer's clean series (after aggregation to the dataset frequency), anomalies flagged",
      request: {
        params: CustomerParams,
        query: z.object({
          from: TimestampParam,
          to: TimestampParam,
          limit: z.coerce.number().int().min(1).max(100_000).default(336),
        }),
      },
      responses: {
        200: json(
          z.object({
            dataset: z.string(),
            customerId: z.string(),
            points: z.array(HistoryPoint),
          }),
          "History, the latest `limit` points in range; anomalies carry `anomaly: true` and `score`",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { dataset, id } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const { from, to, limit } = c.req.valid("query");
      const bytes = await deps.store.get(Keys.customerData(dataset, id));
      if (!bytes) throw notFound("customer");
      const lo = from ? Date.parse(from) : Number.NEGATIVE_INFINITY;
      const hi = to ? Date.parse(to) : Number.POSITIVE_INFINITY;
      const text = new TextDecoder().decode(bytes);
      // Anomalies are found on the fly over the whole series, whatever the range asked: it is
      // one customer's series, already read, and the scan costs 1–3 ms per 3,000 hourly points
      // (series/anomalies.ts), less than reading the series. Nothing is stored, so no run or
      // fleet-wide pass is needed. Judged on the dataset's grid; none without a frequency.
      const row = await deps.db
        .selectFrom("datasets")
        .select("frequency")
        .where("name", "=", dataset)
        .executeTakeFirst();
      const frequency = isFrequency(row?.frequency) ? row.frequency : undefined;
      const flags = new Map<number, number>();
      if (frequency) {
        for (const a of detectAnomalies(seriesFromCsv(text, frequency)).anomalies)
          flags.set(a.timestamp, a.score);
      }
      const points: z.infer<typeof HistoryPoint>[] = [];
      for (const line of text.split("\n").slice(1)) {
        if (!line) continue;
        const comma = line.indexOf(",");
        const t = Date.parse(line.slice(0, comma));
        if (!(t >= lo && t < hi)) continue;
        const point: z.infer<typeof HistoryPoint> = {
          timestamp: new Date(t).toISOString(),
          value: Number(line.slice(comma + 1)),
        };
        const score = frequency ? flags.get(bucketStart(t, frequency)) : undefined;
        if (score !== undefined) {
          point.anomaly = true;
          point.score = Math.round(score * 100) / 100;
        }
        points.push(point);
      }
      return c.json({ dataset, customerId: id, points: points.slice(-limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/customers/{id}/model",
      summary: "The active model with its backtest metrics, and the version history",
      request: { params: CustomerParams },
      responses: {
        200: json(
          z.object({
            model: z.object({
              algorithm: z.string(),
              version: z.string(),
              metrics: z.unknown(),
              selection: z.unknown(),
              artifactKey: z.string(),
              activatedAt: z.string().nullable(),
            }),
            versions: z.array(
              z.object({
                version: z.string(),
                algorithm: z.string(),
                active: z.boolean(),
                createdAt: z.string(),
                metrics: z.unknown(),
              }),
            ),
          }),
          "Model",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { dataset, id } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const model = await activeModel(deps.db, dataset, id);
      if (!model) throw notFound("model");
      const versions = await modelHistory(deps.db, dataset, id);
      return c.json(
        {
          model: {
            algorithm: model.algorithm,
            version: model.version,
            metrics: parse(model.metrics),
            selection: parse(model.selection),
            artifactKey: model.artifact_key,
            activatedAt: model.activated_at ? new Date(model.activated_at).toISOString() : null,
          },
          versions: versions.map((v) => ({
            version: v.version,
            algorithm: v.algorithm,
            active: v.active,
            createdAt: new Date(v.created_at).toISOString(),
            metrics: parse(v.metrics),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/customers/{id}/accuracy",
      summary:
        "Realised accuracy: each past version's published forecast against the actuals that came later, and the drift verdict",
      request: { params: CustomerParams },
      responses: {
        200: json(
          z.object({
            dataset: z.string(),
            customerId: z.string(),
            versions: z.array(
              z.object({
                version: z.string(),
                from: z.string(),
                to: z.string(),
                points: z.number().int(),
                wape: z.number().nullable(),
                mase: z.number().nullable(),
                wql: z.number().nullable().openapi({ description: "average weighted quantile loss" }),
                coverage: z
                  .number()
                  .nullable()
                  .openapi({ description: "share inside the outermost quantiles" }),
                backtestWql: z
                  .number()
                  .nullable()
                  .openapi({ description: "what the version's backtest promised" }),
              }),
            ),
            drift: DriftFlag.nullable(),
          }),
          "Accuracy",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { dataset, id } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const [drift, rows] = await Promise.all([
        customerDrift(deps.db, dataset, id),
        customerAccuracy(deps.db, dataset, id),
      ]);
      if (drift === undefined) throw notFound("customer");
      return c.json(
        {
          dataset,
          customerId: id,
          versions: rows.map((r) => ({
            version: r.version,
            from: new Date(r.from_ts).toISOString(),
            to: new Date(r.to_ts).toISOString(),
            points: Number(r.points),
            wape: r.wape,
            mase: r.mase,
            wql: r.wql,
            coverage: r.coverage,
            backtestWql: r.backtest_wql,
          })),
          drift,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/datasets/{dataset}/customers/{id}/predict",
      summary: "A live forecast from the model endpoint, for any horizon and quantiles",
      request: {
        params: CustomerParams,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  horizon: z.number().int().min(1).max(10_000),
                  quantiles: z.array(z.number().gt(0).lt(1)).min(1).max(20).optional(),
                  start: z.iso.datetime({ offset: true }).optional(),
                })
                .openapi({ example: { horizon: 24, quantiles: [0.1, 0.5, 0.9] } }),
            },
          },
        },
      },
      responses: { 200: json(ForecastBody, "Live forecast"), ...ERRORS },
    }),
    async (c) => {
      const { dataset, id } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const model = await activeModel(deps.db, dataset, id);
      if (!model) throw notFound("model");
      const result = await deps.endpoint.invoke(
        targetModelName(dataset, id, model.version),
        c.req.valid("json"),
      );
      return c.json(
        {
          dataset,
          customerId: id,
          model: result.model,
          points: result.points as unknown as PointBody[],
        },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/datasets/{dataset}/customers/{id}/what-if",
      summary: "A scenario forecast: the related fields changed over the horizon, beside the baseline",
      request: {
        params: CustomerParams,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  related: z.record(z.string().min(1).max(128), WhatIfChangeBody),
                  horizon: z.number().int().min(1).max(10_000).optional(),
                  quantiles: z.array(z.number().gt(0).lt(1)).min(1).max(20).optional(),
                })
                .openapi("WhatIf", { example: { related: { temperature: { add: -5 } } } }),
            },
          },
        },
      },
      responses: { 200: json(WhatIfBody, "Scenario and baseline forecasts"), ...ERRORS },
    }),
    async (c) => {
      const { dataset, id } = c.req.valid("param");
      requireCustomer(c.var.scope, dataset, id);
      const model = await activeModel(deps.db, dataset, id);
      if (!model) throw notFound("model");
      const body = c.req.valid("json");
      const published = await forecasts.get(dataset, id, () => readForecast(deps.db, dataset, id));
      const request = {
        horizon: body.horizon ?? published?.length ?? 24,
        ...(body.quantiles ? { quantiles: body.quantiles } : {}),
      };
      const target = targetModelName(dataset, id, model.version);
      const [scenario, baseline] = await Promise.all([
        deps.endpoint.invoke(target, { ...request, related: body.related }),
        deps.endpoint.invoke(target, request),
      ]);
      return c.json(
        {
          dataset,
          customerId: id,
          model: scenario.model,
          points: scenario.points as unknown as PointBody[],
          baseline: { points: baseline.points as unknown as PointBody[] },
        },
        200,
      );
    },
  );
  return app;
}
