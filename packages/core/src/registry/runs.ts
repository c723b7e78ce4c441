import { sql } from "kysely";
import type { Db } from "../ports/database.ts";
import type { RunInput } from "../ports/pipeline-runner.ts";
import type { RunStatus } from "../db/schema.ts";
import type { RunCounts } from "./run-counts.ts";

/** Records a new run; false when the run already exists (a duplicate event). */
export async function createRun(db: Db, input: RunInput): Promise<boolean> {
  const inserted = await db
    .insertInto("runs")
    .values({
      run_id: input.runId,
      dataset: input.dataset,
      status: "RUNNING",
      input_key: input.key,
      input_size: input.size,
      input_etag: input.etag,
      // Set here rather than by now(): JavaScript's millisecond precision keeps list cursors exact.
      started_at: new Date(),
    })
    .onConflict((oc) => oc.column("run_id").doNothing())
    .returning("run_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Removes a run whose execution could not be started, so the event's retry creates it again.
 * A run that has begun a state (a start that did go through) is kept.
 */
export async function deleteUnstartedRun(db: Db, runId: string): Promise<void> {
  await db
    .deleteFrom("runs")
    .where("run_id", "=", runId)
    .where("execution_arn", "is", null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("run_events").select("run_id").where("run_events.run_id", "=", runId))),
    )
    .execute();
}

export async function setExecutionArn(db: Db, runId: string, executionArn: string): Promise<void> {
  await db.updateTable("runs").set({ execution_arn: executionArn }).where("run_id", "=", runId).execute();
}

/**
 * Ends a run. A run that already ended keeps its first outcome (a status event delivered twice,
 * or after the run was aborted, does not change it). `at` is when it stopped (default now; an interrupted run's is when its process was
 * last seen alive).
 */
export async function finishRun(
  db: Db,
  runId: string,
  status: Exclude<RunStatus, "RUNNING">,
  failure?: { error: string; cause?: string },
  at: Date = new Date(),
): Promise<void> {
  await db
    .updateTable("runs")
    .set({
      status,
      stopped_at: at,
      error: failure ? storable(failure.error) : null,
      cause: failure?.cause !== undefined ? storable(failure.cause) : null,
    })
    .where("run_id", "=", runId)
    .where("status", "=", "RUNNING")
    .execute();
}

/**
 * Error text as the database can keep it: PostgreSQL text refuses NUL, and a message quoting a
 * binary upload can carry any bytes, so NULs become U+FFFD and the text is capped at 4,000.
 */
export function storable(text: string): string {
  return text.replaceAll("\u0000", "\uFFFD").slice(0, 4000);
}

/**
 * Sets an ended run back to RUNNING for a redrive; false if its status was not `from`. The time
 * from its end to `at` (the redrive) is added to `paused_ms`: a run's duration is the sum of its
 * attempts' active time, not the wall-clock time since it first started.
 */
export async function reopenRun(
  db: Db,
  runId: string,
  from: RunStatus,
  at: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable("runs")
    .set((eb) => ({
      status: "RUNNING",
      stopped_at: null,
      error: null,
      cause: null,
      redrive_count: eb("redrive_count", "+", 1),
      paused_ms: sql<number>`paused_ms + coalesce(greatest(0, floor(extract(epoch from (${at}::timestamptz - stopped_at)) * 1000)), 0)::bigint`,
    }))
    .where("run_id", "=", runId)
    .where("status", "=", from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Ends the state attempts a run left RUNNING (its execution was aborted, or its process died,
 * while a handler ran): FAILED with `error`, stopped at `at`. An ended run then lists no RUNNING
 * state, and a redrive restarts the state. Returns the states closed.
 */
export async function closeOpenStates(
  db: Db,
  runId: string,
  error: string,
  at: Date = new Date(),
): Promise<string[]> {
  const open = await db
    .selectFrom("run_events")
    .select(["id", "state", "started_at"])
    .where("run_id", "=", runId)
    .where("status", "=", "RUNNING")
    .orderBy("id")
    .execute();
  for (const event of open) {
    await db
      .updateTable("run_events")
      .set({
        status: "FAILED",
        stopped_at: at,
        duration_ms: Math.max(0, at.getTime() - new Date(event.started_at).getTime()),
        error: storable(error),
      })
      .where("id", "=", event.id)
      .where("status", "=", "RUNNING")
      .execute();
  }
  return open.map((e) => e.state);
}

/** Merges facts into the run's counts (rows quarantined, customers trained…; see RunCounts). */
export async function addRunCounts(db: Db, runId: string, counts: RunCounts): Promise<void> {
  await db
    .updateTable("runs")
    .set({ counts: sql`counts || ${JSON.stringify(counts)}::jsonb` as unknown as string })
    .where("run_id", "=", runId)
    .execute();
}

/**
 * Adds `done` customers to the run's training progress out of `total`, in one UPDATE, so the
 * shards training at once each add their own part rather than overwrite each other's. A shard
 * that fails takes its part back (a negative `done`); the sum stays within 0 and `total`.
 */
export async function addTrainProgress(db: Db, runId: string, done: number, total: number): Promise<void> {
  await db
    .updateTable("runs")
    .set({
      counts: sql`jsonb_set(counts, '{trainProgress}', jsonb_build_object(
        'done', least(${total}::int, greatest(0, coalesce((counts #>> '{trainProgress,done}')::int, 0) + ${done}::int)),
        'total', ${total}::int))` as unknown as string,
    })
    .where("run_id", "=", runId)
    .execute();
}

/**
 * Runs `fn` as one attempt of a state, recording its start, end, duration and error in
 * run_events: the per-state timings the API and console show, in both runtimes.
 */
export async function recordState<T>(
  db: Db,
  runId: string,
  state: string,
  fn: () => Promise<T>,
  summarize: (result: T) => Record<string, unknown> = () => ({}),
): Promise<T> {
  const started = new Date();
  const previous = await db
    .selectFrom("run_events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("run_id", "=", runId)
    .where("state", "=", state)
    .executeTakeFirst();
  const event = await db
    .insertInto("run_events")
    .values({
      run_id: runId,
      state,
      status: "RUNNING",
      started_at: started,
      attempt: Number(previous?.n ?? 0) + 1,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // An attempt already closed (its run was aborted, see closeOpenStates) keeps that outcome.
  const end = (status: "SUCCEEDED" | "FAILED", error: string | null, summary: Record<string, unknown>) => {
    const stopped = new Date();
    return db
      .updateTable("run_events")
      .set({
        status,
        stopped_at: stopped,
        duration_ms: stopped.getTime() - started.getTime(),
        error,
        summary: JSON.stringify(summary),
      })
      .where("id", "=", event.id)
      .where("status", "=", "RUNNING")
      .execute();
  };
  try {
    const result = await fn();
    await end("SUCCEEDED", null, summarize(result));
    return result;
  } catch (e) {
    const err = e as Error;
    await end("FAILED", storable(`${err.name}: ${err.message}`), {});
    throw e;
  }
}
