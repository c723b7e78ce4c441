import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Keys } from "@myriad/core/dataset/keys";
import { MyriadError, notFound } from "@myriad/core/errors/myriad-error";
import { getRun } from "@myriad/core/registry/run-queries";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { ERRORS, RunId } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";
import { jsonColumn } from "@myriad/core/db/json-column";

/**
 * The rows Preprocess rejected from a run's upload, as it wrote them: CSV `line,reason,row`,
 * one line per bad row with its line number in the upload, the reason and the row's text.
 */
export function quarantineRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{runId}/quarantine",
      summary: "Download the rows a run quarantined, as CSV `line,reason,row` (admin)",
      request: { params: z.object({ runId: RunId }) },
      responses: {
        200: {
          description: "The quarantine file, sent as an attachment",
          content: {
            "text/csv": {
              schema: z.string().openapi({
                example:
                  'line,reason,row\n2,unparsable_timestamp,"1,not a time,5"\n3,negative_value,"2,2026-01-01 00:00:00,-3"\n',
              }),
            },
          },
        },
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const { runId } = c.req.valid("param");
      const found = await getRun(deps.db, runId);
      if (!found) throw notFound("run");
      const { run } = found;
      const counts = jsonColumn(run.counts) as { quarantineKey?: string | null } | null;
      // A run whose every row was bad fails in Preprocess before its counts are recorded, yet
      // its quarantine is written: that is the file its user most needs, so look where it goes.
      const key = counts?.quarantineKey ?? Keys.quarantine(run.dataset, run.run_id);
      const body = await deps.store.getStream(key);
      if (!body) {
        throw new MyriadError(
          404,
          "no_quarantine",
          `run ${runId} has no quarantine file: ${run.status === "RUNNING" ? "Preprocess may not have finished yet, or " : ""}no row of its upload was rejected`,
        );
      }
      return c.body(webStream(body), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="quarantine-${run.dataset}-${run.run_id}.csv"`,
        "cache-control": "no-store",
      }) as never;
    },
  );
  return app;
}

/** The store's byte stream as a web stream, read only as fast as the client takes it. */
function webStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}
