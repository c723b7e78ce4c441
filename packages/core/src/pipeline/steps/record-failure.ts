import type { Db } from "../../ports/database.ts";
import { finishRun } from "../../registry/runs.ts";
import type { PipelineState } from "../pipeline-state.ts";

/**
 * The Catch target: marks the run FAILED with the error Step Functions caught. The previous
 * active models and forecasts stay in place, since only Publish switches them.
 */
export async function recordFailure(db: Db, state: PipelineState): Promise<void> {
  const error = state.error?.Error ?? "UnknownError";
  let cause = state.error?.Cause;
  // Lambda errors arrive as a JSON Cause ({errorType, errorMessage, trace}); keep the message.
  try {
    const parsed = cause ? JSON.parse(cause) : undefined;
    if (parsed && typeof parsed.errorMessage === "string") cause = parsed.errorMessage;
  } catch {
    // a plain-text cause is kept as it is
  }
  await finishRun(db, state.runId, "FAILED", { error, cause });
}
