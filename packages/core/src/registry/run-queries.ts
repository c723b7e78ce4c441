import type { Db } from "../ports/database.ts";
import type { Run, RunEvent } from "../db/schema.ts";
import { badRequest } from "../errors/myriad-error.ts";

export interface RunPage {
  runs: Run[];
  nextCursor: string | null;
}

/** Runs, newest first; `cursor` is the opaque value a previous page returned. */
export async function listRuns(
  db: Db,
  options: { dataset?: string; status?: string; limit: number; cursor?: string },
): Promise<RunPage> {
  let q = db.selectFrom("runs").selectAll().orderBy("started_at", "desc").orderBy("run_id", "desc");
  if (options.dataset) q = q.where("dataset", "=", options.dataset);
  if (options.status) q = q.where("status", "=", options.status as Run["status"]);
  if (options.cursor) {
    const { at, id } = parseRunCursor(options.cursor);
    q = q.where((eb) =>
      eb.or([eb("started_at", "<", at), eb.and([eb("started_at", "=", at), eb("run_id", "<", id)])]),
    );
  }
  const rows = await q.limit(options.limit + 1).execute();
  const runs = rows.slice(0, options.limit);
  const last = runs.at(-1);
  return {
    runs,
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor([new Date(last.started_at).toISOString(), last.run_id])
        : null,
  };
}

export async function getRun(db: Db, runId: string): Promise<{ run: Run; events: RunEvent[] } | undefined> {
  const run = await db.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
  if (!run) return undefined;
  const events = await db
    .selectFrom("run_events")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
  return { run, events };
}

/**
 * Runs of the same dataset that started before this one and are still running: this run waits
 * for them, so uploads to one dataset merge in the order they arrived.
 */
export async function earlierRunsInProgress(db: Db, runId: string, dataset: string): Promise<string[]> {
  const me = await db.selectFrom("runs").select("started_at").where("run_id", "=", runId).executeTakeFirst();
  if (!me) return [];
  const rows = await db
    .selectFrom("runs")
    .select("run_id")
    .where("dataset", "=", dataset)
    .where("status", "=", "RUNNING")
    .where("run_id", "!=", runId)
    .where((eb) =>
      eb.or([
        eb("started_at", "<", me.started_at),
        eb.and([eb("started_at", "=", me.started_at), eb("run_id", "<", runId)]),
      ]),
    )
    .execute();
  return rows.map((r) => r.run_id);
}

/** A runs cursor: `[started_at as ISO 8601 in UTC, run_id]`, exactly as {@link listRuns} writes it. */
function parseRunCursor(cursor: string): { at: Date; id: string } {
  const parts = decodeCursor(cursor);
  const at = new Date(parts[0] ?? "");
  if (
    parts.length === 2 &&
    /^\d{4}-/.test(parts[0]) &&
    !Number.isNaN(at.getTime()) &&
    at.toISOString() === parts[0]
  )
    return { at, id: parts[1] };
  throw badRequest("invalid_cursor", "cursor is not one this API returned");
}

export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

export function decodeCursor(cursor: string): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // Cursor parts go into queries as parameters; PostgreSQL refuses NUL in text.
    if (Array.isArray(parts) && parts.every((p) => typeof p === "string" && !p.includes("\u0000")))
      return parts;
  } catch {
    // fall through
  }
  throw badRequest("invalid_cursor", "cursor is not one this API returned");
}
