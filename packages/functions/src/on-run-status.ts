import type { EventBridgeEvent } from "aws-lambda";
import type { Ports } from "@myriad/core/ports/ports";
import { finishRun } from "@myriad/core/registry/runs";
import { lambda } from "./lib/lambda.ts";

interface ExecutionStatusChange {
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  error?: string | null;
  cause?: string | null;
}

/**
 * Step Functions' "Execution Status Change" event → the run's final status. It is the only
 * way TIMED_OUT and ABORTED runs are seen; the execution name is the run id.
 */
export async function run(
  event: EventBridgeEvent<"Step Functions Execution Status Change", ExecutionStatusChange>,
  ports: Ports,
) {
  const { name, status, error, cause } = event.detail;
  if (status === "RUNNING") return { updated: false };
  await finishRun(
    ports.db,
    name,
    status,
    status === "SUCCEEDED" ? undefined : { error: error ?? status, cause: cause ?? undefined },
  );
  return { updated: true };
}

export const main = lambda(undefined, run);
