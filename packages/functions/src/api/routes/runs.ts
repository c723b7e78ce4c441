import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "@myriad/core/errors/myriad-error";
import type { Run, RunEvent } from "@myriad/core/db/schema";
import { RUN_STATUSES } from "@myriad/core/db/schema";
import { redriveRun } from "@myriad/core/pipeline/steps/redrive-run";
import { RunCountsSchema } from "@myriad/core/registry/run-counts";
import { getRun, listRuns } from "@myriad/core/registry/run-queries";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { ERRORS, Identifier, json, PageQuery, Problem, RunId } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";
import { jsonColumn } from "@myriad/core/db/json-column";

const RunSummary = z
  .object({
    runId: z.string(),
    dataset: z.string(),
    status: z.enum(RUN_STATUSES),
    startedAt: z.string(),
    stoppedAt: z.string().nullable(),
    durationMs: z
      .number()
      .nullable()
      .describe(
        "active time of an ended run: the sum of its attempts (first start to first end, each redrive to the next end), without the time it stood ended before a redrive; null while running",
      ),
    pausedMs: z
      .number()
      .describe(
        "time the run stood ended before its redrives; while it runs, its active time so far is now − startedAt − pausedMs",
      ),
    input: z.object({ key: z.string(), size: z.number() }),
    counts: RunCountsSchema.catchall(z.unknown()),
    error: z.string().nullable(),
    cause: z.string().nullable(),
    consoleUrl: z.string().nullable(),
    redriveCount: z.number().int(),
  })
  .openapi("RunSummary");

const StateSummary = z.object({
  name: z.string(),
  status: z.string(),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number().int(),
  error: z.string().optional(),
  summary: z.record(z.string(), z.unknown()),
});

const RunDetail = RunSummary.extend({ states: z.array(StateSummary) }).openapi("RunDetail");

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A link to the Step Functions console for runs that executed in AWS. */
function consoleUrl(run: Run): string | null {
  if (!run.execution_arn) return null;
  const region = run.execution_arn.split(":")[3];
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${run.execution_arn}`;
}

export function toRunSummary(run: Run) {
  const started = new Date(run.started_at);
  const stopped = run.stopped_at ? new Date(run.stopped_at) : null;
  const pausedMs = Number(run.paused_ms ?? 0);
  return {
    runId: run.run_id,
    dataset: run.dataset,
    status: run.status,
    startedAt: started.toISOString(),
    stoppedAt: iso(stopped),
    durationMs: stopped ? Math.max(0, stopped.getTime() - started.getTime() - pausedMs) : null,
    pausedMs,
    input: { key: run.input_key, size: Number(run.input_size) },
    counts: jsonColumn(run.counts) as Record<string, unknown>,
    error: run.error,
    cause: run.cause,
    consoleUrl: consoleUrl(run),
    redriveCount: Number(run.redrive_count ?? 0),
  };
}

/** One entry per state, its latest attempt, in the order the states first ran. */
function toStates(events: RunEvent[]) {
  const byState = new Map<string, { latest: RunEvent; attempts: number }>();
  for (const e of events) {
    const seen = byState.get(e.state);
    byState.set(e.state, { latest: e, attempts: (seen?.attempts ?? 0) + 1 });
  }
  return [...byState.values()].map(({ latest: e, attempts }) => ({
    name: e.state,
    status: e.status,
    startedAt: new Date(e.started_at).toISOString(),
    stoppedAt: iso(e.stopped_at),
    durationMs: e.duration_ms,
    attempts,
    ...(e.error ? { error: e.error } : {}),
    summary: jsonColumn(e.summary) as Record<string, unknown>,
  }));
}

export function runRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs",
      summary: "Pipeline runs, newest first (admin)",
      request: {
        query: PageQuery.extend({
          dataset: Identifier.optional(),
          status: z.enum(RUN_STATUSES).optional(),
        }),
      },
      responses: {
        200: json(z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() }), "Runs"),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const q = c.req.valid("query");
      const page = await listRuns(deps.db, q);
      return c.json({ runs: page.runs.map(toRunSummary), nextCursor: page.nextCursor }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{runId}",
      summary: "One run with per-state status and timings (admin)",
      request: { params: z.object({ runId: RunId }) },
      responses: { 200: json(RunDetail, "The run"), ...ERRORS },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const found = await getRun(deps.db, c.req.valid("param").runId);
      if (!found) throw notFound("run");
      return c.json({ ...toRunSummary(found.run), states: toStates(found.events) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{runId}/redrive",
      summary: "Restart a FAILED, ABORTED or TIMED_OUT run at the state that did not succeed (admin)",
      request: { params: z.object({ runId: RunId }) },
      responses: {
        202: json(z.object({ runId: z.string(), startAt: z.string() }), "Redriven"),
        409: json(Problem, "The run cannot be redriven"),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      return c.json(await redriveRun(deps, c.req.valid("param").runId), 202);
    },
  );
  return app;
}
