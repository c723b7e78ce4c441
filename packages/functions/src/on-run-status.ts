import type { EventBridgeEvent } from "aws-lambda";
import type { Ports } from "@myriad/core/ports/ports";
import { closeOpenStates, finishRun } from "@myriad/core/registry/runs";
import { lambda } from "./lib/lambda.ts";

interface ExecutionStatusChange {
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  error?: string | null;
  cause?: string | null;
}

/**
 * Step Functions' "Execution Status Change" event → the run's final status. It is the only
 * way TIMED_OUT and ABORTED runs are seen; the execution name is the run id. State attempts the
 * run left open are closed, so an ended run lists no RUNNING state.
 */
const ENDED = { FAILED: "Failed", TIMED_OUT: "TimedOut", ABORTED: "Aborted" } as const;

export async function run(
  event: EventBridgeEvent<"Step Functions Execution Status Change", ExecutionStatusChange>,
  ports: Ports,
) {
  const { name, status, error, cause } = event.detail;
  if (status === "RUNNING") return { updated: false };
  // A Lambda that timed out, or still ran when the execution ended, never closes its attempt.
  if (status !== "SUCCEEDED")
    await closeOpenStates(ports.db, name, `${ENDED[status]}: the execution ended during this state`);
  await finishRun(
    ports.db,
    name,
    status,
    status === "SUCCEEDED" ? undefined : { error: error ?? status, cause: cause ?? undefined },
  );
  return { updated: true };
}

export const main = lambda(undefined, run);
