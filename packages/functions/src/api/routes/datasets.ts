import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { CUSTOMER_SORTS, listCustomers, listDatasets } from "@myriad/core/registry/customers";
import { fleetSummary } from "@myriad/core/registry/fleet";
import { deleteDataset } from "@myriad/core/dataset/delete-dataset";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { DatasetParams, DriftFlag, ERRORS, json, PageQuery, Problem, SearchPrefix } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";
import type { ForecastCache } from "../forecast-cache.ts";
import type { VerifiedKeys } from "../verified-keys.ts";

const CustomerSummary = z
  .object({
    customerId: z.string(),
    points: z.number(),
    firstTimestamp: z.string().nullable(),
    lastTimestamp: z.string().nullable(),
    model: z.object({ algorithm: z.string(), version: z.string(), metrics: z.unknown() }).nullable(),
    drift: DriftFlag.nullable(),
    realisedWql: z
      .number()
      .nullable()
      .openapi({ description: "realised wQL of the most recently forecast scored version" }),
  })
  .openapi("CustomerSummary");

export function datasetRoutes(
  deps: ApiDeps,
  caches: { verifiedKeys: VerifiedKeys; forecastCache: ForecastCache },
) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets",
      summary: "Datasets with their frequency and customer count (a customer key sees its own)",
      responses: {
        200: json(
          z.object({
            datasets: z.array(
              z.object({
                dataset: z.string(),
                frequency: z.string().nullable(),
                config: z.unknown(),
                customers: z.number(),
                updatedAt: z.string(),
              }),
            ),
          }),
          "Datasets",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const scope = c.var.scope;
      const all = await listDatasets(deps.db);
      const datasets =
        scope.kind === "admin"
          ? all
          : all.filter((d) => d.dataset === scope.dataset).map((d) => ({ ...d, customers: 1 }));
      return c.json({ datasets }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/customers",
      summary:
        "A dataset's customers with their active model, drift verdict and realised wQL, in natural id order or worst first by a metric (a customer key sees only itself); flag=drift lists the flagged",
      request: {
        params: DatasetParams,
        query: PageQuery.extend({
          search: SearchPrefix.optional(),
          flag: z.enum(["drift"]).optional().openapi({ description: "only customers whose model drifted" }),
          sort: z.enum(CUSTOMER_SORTS).default("id").openapi({
            description:
              "id: natural order (shorter ids first, then byte order: 2 before 10); backtestWql or realisedWql: worst first, customers without the metric last. A cursor belongs to its sort.",
          }),
        }),
      },
      responses: {
        200: json(
          z.object({ customers: z.array(CustomerSummary), nextCursor: z.string().nullable() }),
          "Customers",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { dataset } = c.req.valid("param");
      const scope = c.var.scope;
      if (scope.kind === "customer" && scope.dataset !== dataset)
        return c.json({ customers: [], nextCursor: null }, 200);
      const query = c.req.valid("query");
      const page = await listCustomers(deps.db, dataset, {
        ...query,
        customerId: scope.kind === "customer" ? scope.customerId : undefined,
      });
      return c.json(page, 200);
    },
  );
  const Bin = z.object({ from: z.number(), to: z.number().nullable(), customers: z.number().int() });
  const Ranked = z.object({ customerId: z.string(), wql: z.number(), algorithm: z.string().nullable() });
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/datasets/{dataset}/summary",
      summary:
        "The fleet at a glance: algorithm mix, backtest and realised wQL histograms with the worst customers, drift flags (admin keys)",
      request: { params: DatasetParams },
      responses: {
        200: json(
          z
            .object({
              dataset: z.string(),
              customers: z.number().int(),
              algorithms: z.array(z.object({ algorithm: z.string(), customers: z.number().int() })),
              backtest: z.object({ histogram: z.array(Bin), worst: z.array(Ranked) }),
              realised: z.object({
                histogram: z.array(Bin),
                worst: z.array(Ranked),
                scored: z.number().int().openapi({ description: "customers with a scored forecast" }),
              }),
              drift: z.object({ flagged: z.number().int() }),
              anomalies: z
                .object({ customers: z.number().int(), points: z.number().int() })
                .openapi({ description: "anomalous history points at the customers' last training" }),
              coldStart: z.number().int(),
            })
            .openapi("FleetSummary"),
          "Fleet summary",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const { dataset } = c.req.valid("param");
      return c.json(await fleetSummary(deps.db, dataset), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/datasets/{dataset}",
      summary:
        "Delete a dataset: its uploads, customers, runs, models, forecasts and accuracy rows, its customers' keys (revoked) and every object derived from it (admin keys). Refused while a run of it is under way; calling again finishes a delete that was interrupted",
      request: { params: DatasetParams },
      responses: {
        204: { description: "Deleted" },
        ...ERRORS,
        409: {
          description: "A run of the dataset is under way (RUNNING, or queued behind one)",
          content: { "application/problem+json": { schema: Problem } },
        },
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const { dataset } = c.req.valid("param");
      await deleteDataset(deps, dataset);
      // Its customers' keys were revoked and its forecasts deleted with the rows: this instance
      // stops serving either now (others within a key TTL and a generation check).
      caches.verifiedKeys.evictDataset(dataset);
      caches.forecastCache.forget(dataset);
      return c.body(null, 204);
    },
  );
  return app;
}
