import { MyriadError, notFound } from "../../errors/myriad-error.ts";
import type { Db } from "../../ports/database.ts";
import type { PipelineRunner } from "../../ports/pipeline-runner.ts";
import { getRun } from "../../registry/run-queries.ts";
import { finishRun, reopenRun } from "../../registry/runs.ts";
import { planRedrive } from "../redrive.ts";

const REDRIVABLE = new Set(["FAILED", "ABORTED", "TIMED_OUT"]);

/** Redrives an ended run from the state that did not succeed; returns where it restarts. */
export async function redriveRun(
  ports: { db: Db; runner: PipelineRunner },
  runId: string,
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
  const plan = planRedrive(found.run, found.events);
  if (!(await reopenRun(ports.db, runId, found.run.status))) {
    throw new MyriadError(409, "not_redrivable", "the run changed while it was being redriven");
  }
  try {
    await ports.runner.redrive(plan);
  } catch (e) {
    await finishRun(ports.db, runId, "FAILED", { error: "RedriveFailed", cause: (e as Error).message });
    throw e;
  }
  return { runId, startAt: plan.startAt };
}

/**
 * Runs left RUNNING by a process that died (SIGKILL, power loss) are marked FAILED with the
 * state they were in, so they can be redriven. Only the embedded stack calls this, at start:
 * in AWS, Step Functions keeps executing whatever happens to a Lambda.
 */
export async function failInterruptedRuns(db: Db): Promise<{ runId: string; state: string | null }[]> {
  const running = await db.selectFrom("runs").select("run_id").where("status", "=", "RUNNING").execute();
  const out: { runId: string; state: string | null }[] = [];
  for (const { run_id } of running) {
    const open = await db
      .updateTable("run_events")
      .set({
        status: "FAILED",
        stopped_at: new Date(),
        error: "Interrupted: the process stopped during this state",
      })
      .where("run_id", "=", run_id)
      .where("status", "=", "RUNNING")
      .returning("state")
      .execute();
    const state = open[0]?.state ?? null;
    await finishRun(db, run_id, "FAILED", {
      error: "Interrupted",
      cause: `the embedded stack stopped${state ? ` during ${state}` : ""}; redrive the run to resume it`,
    });
    out.push({ runId: run_id, state });
  }
  return out;
}
