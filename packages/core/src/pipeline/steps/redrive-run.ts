import type { Run } from "../../db/schema.ts";
import { MyriadError, notFound } from "../../errors/myriad-error.ts";
import type { Db } from "../../ports/database.ts";
import type { PipelineRunner } from "../../ports/pipeline-runner.ts";
import { getRun } from "../../registry/run-queries.ts";
import { closeOpenStates, finishRun, reopenRun } from "../../registry/runs.ts";
import { planRedrive } from "../redrive.ts";

const REDRIVABLE = new Set(["FAILED", "ABORTED", "TIMED_OUT"]);

/** Step Functions redrives an execution that did not succeed for 14 days after it ended. */
export const REDRIVE_WINDOW_DAYS = 14;

/**
 * Redrives an ended run from the state that did not succeed; returns where it restarts. The
 * rules are Step Functions' own (RedriveExecution), on both runtimes: a FAILED, ABORTED or
 * TIMED_OUT run, ended within the last 14 days. Checked here, before the run is reopened, so a
 * refused redrive leaves the run's error as it was.
 */
export async function redriveRun(
  ports: { db: Db; runner: PipelineRunner },
  runId: string,
  now: Date = new Date(),
): Promise<{ runId: string; startAt: string }> {
  const found = await getRun(ports.db, runId);
  if (!found) throw notFound("run");
  if (!REDRIVABLE.has(found.run.status)) {
    throw new MyriadError(
      409,
      "not_redrivable",
      `run is ${found.run.status}; only FAILED, ABORTED or TIMED_OUT runs can be redriven`,
    );
  }
  const stopped = found.run.stopped_at ? new Date(found.run.stopped_at) : undefined;
  if (stopped && now.getTime() - stopped.getTime() > REDRIVE_WINDOW_DAYS * 24 * 3600 * 1000) {
    throw new MyriadError(
      409,
      "not_redrivable",
      `run ended ${stopped.toISOString()}, more than ${REDRIVE_WINDOW_DAYS} days ago; as in Step Functions, only runs that ended in the last ${REDRIVE_WINDOW_DAYS} days can be redriven: upload the file again for a new run`,
    );
  }
  const plan = planRedrive(found.run, found.events);
  if (!(await reopenRun(ports.db, runId, found.run.status))) {
    throw new MyriadError(409, "not_redrivable", "the run changed while it was being redriven");
  }
  try {
    await ports.runner.redrive(plan);
  } catch (e) {
    await restoreEndedRun(ports.db, found.run);
    throw e;
  }
  return { runId, startAt: plan.startAt };
}

/**
 * A redrive that did not start (RedriveExecution refused or throttled) leaves the run as it was:
 * its status, error and cause, and its redrive count, which Step Functions does not raise for a
 * redrive that failed to start. on-run-status compares that count with the event's
 * `redriveCount` to tell a late event of an earlier attempt, so the two must stay equal.
 */
async function restoreEndedRun(db: Db, run: Run): Promise<void> {
  await db
    .updateTable("runs")
    .set({
      status: run.status,
      stopped_at: run.stopped_at,
      error: run.error,
      cause: run.cause,
      redrive_count: Number(run.redrive_count),
      paused_ms: Number(run.paused_ms),
    })
    .where("run_id", "=", run.run_id)
    .where("status", "=", "RUNNING")
    .execute();
}

/**
 * Runs left RUNNING by a process that died (SIGKILL, power loss) are marked FAILED with the
 * state they were in, so they can be redriven; their open state attempts are closed
 * (`Interrupted`). Only the embedded stack calls this, at start: in AWS, Step Functions keeps
 * executing whatever happens to a Lambda.
 *
 * `lastAliveAt` is when the dead process was last seen alive (its heartbeat): the runs and their
 * states stopped then, not now, so the time the stack was down is not counted as run time. It is
 * never taken before the run's last recorded event, nor after now.
 *
 * State attempts still open in runs that already ended (aborted by a stop whose handlers never
 * returned, as stacks before this one left them) are closed too: at start nothing is running.
 */
export async function failInterruptedRuns(
  db: Db,
  options: { lastAliveAt?: Date } = {},
): Promise<{ runId: string; state: string | null }[]> {
  const now = new Date();
  const running = await db
    .selectFrom("runs")
    .select(["run_id", "started_at"])
    .where("status", "=", "RUNNING")
    .execute();
  const out: { runId: string; state: string | null }[] = [];
  for (const run of running) {
    const at = options.lastAliveAt ? await stoppedAt(db, run, options.lastAliveAt, now) : now;
    const open = await closeOpenStates(
      db,
      run.run_id,
      "Interrupted: the process stopped during this state",
      at,
    );
    const state = open.at(-1) ?? null;
    await finishRun(
      db,
      run.run_id,
      "FAILED",
      {
        error: "Interrupted",
        cause: `the embedded stack stopped${state ? ` during ${state}` : ""}; redrive the run to resume it`,
      },
      at,
    );
    out.push({ runId: run.run_id, state });
  }
  const ended = await db
    .selectFrom("run_events")
    .innerJoin("runs", "runs.run_id", "run_events.run_id")
    .select(["runs.run_id", "runs.status", "runs.stopped_at"])
    .distinct()
    .where("run_events.status", "=", "RUNNING")
    .where("runs.status", "!=", "RUNNING")
    .execute();
  for (const run of ended) {
    const why = run.status === "ABORTED" ? "Aborted" : "Interrupted";
    await closeOpenStates(
      db,
      run.run_id,
      `${why}: the run ended during this state`,
      run.stopped_at ? new Date(run.stopped_at) : now,
    );
  }
  return out;
}

/** When an interrupted run stopped: its process's last sign of life, within what it recorded. */
async function stoppedAt(
  db: Db,
  run: { run_id: string; started_at: Date | string },
  lastAliveAt: Date,
  now: Date,
): Promise<Date> {
  const last = await db
    .selectFrom("run_events")
    .select((eb) => [eb.fn.max("started_at").as("started"), eb.fn.max("stopped_at").as("stopped")])
    .where("run_id", "=", run.run_id)
    .executeTakeFirst();
  const floor = Math.max(
    new Date(run.started_at).getTime(),
    last?.started ? new Date(last.started).getTime() : 0,
    last?.stopped ? new Date(last.stopped).getTime() : 0,
  );
  return new Date(Math.min(now.getTime(), Math.max(floor, lastAliveAt.getTime())));
}
