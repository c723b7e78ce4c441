import type { EventBridgeEvent } from "aws-lambda";
import { executionFailure } from "@myriad/core/pipeline/execution-failure";
import type { Ports } from "@myriad/core/ports/ports";
import { closeOpenStates, finishRun } from "@myriad/core/registry/runs";
import { lambda } from "./lib/lambda.ts";

/**
 * The detail of Step Functions' "Execution Status Change" event (Amazon EventBridge; the
 * fields of DescribeExecution): a FAILED execution carries the `error` and `cause` of the state
 * that failed it, and `redriveCount` says which attempt of a redriven execution ended.
 */
export interface ExecutionStatusChange {
  executionArn?: string;
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  error?: string | null;
  cause?: string | null;
  redriveCount?: number;
}

const ENDED = { FAILED: "Failed", TIMED_OUT: "TimedOut", ABORTED: "Aborted" } as const;

/**
 * Step Functions' "Execution Status Change" event → the run's final status, error and cause.
 * The state machine has no Catch (so that a redrive resumes at the failed Task): this is where
 * every ended run is recorded, a task's error included; the execution name is the run id. State
 * attempts the run left open are closed, so an ended run lists no RUNNING state.
 *
 * EventBridge may deliver an attempt's end after the run was redriven (its delivery is best
 * effort and retried): an event of an earlier attempt than the run's is ignored.
 */
export async function run(
  event: EventBridgeEvent<"Step Functions Execution Status Change", ExecutionStatusChange>,
  ports: Pick<Ports, "db">,
) {
  const { name, status, error, cause, redriveCount } = event.detail;
  if (status === "RUNNING") return { updated: false };
  if (redriveCount !== undefined) {
    const current = await ports.db
      .selectFrom("runs")
      .select("redrive_count")
      .where("run_id", "=", name)
      .executeTakeFirst();
    if (current && Number(current.redrive_count) > redriveCount) return { updated: false };
  }
  // A Lambda that timed out, or still ran when the execution ended, never closes its attempt.
  if (status !== "SUCCEEDED")
    await closeOpenStates(ports.db, name, `${ENDED[status]}: the execution ended during this state`);
  await finishRun(
    ports.db,
    name,
    status,
    status === "SUCCEEDED" ? undefined : executionFailure(error, cause, status),
  );
  return { updated: true };
}

export const main = lambda(undefined, ["db"], run);
