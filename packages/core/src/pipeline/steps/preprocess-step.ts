import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import type { PipelineRunner, RunInput } from "../../ports/pipeline-runner.ts";
import { PreprocessPending, type Preprocessor } from "../../ports/preprocessor.ts";
import { earlierRunsInProgress } from "../../registry/run-queries.ts";
import { addRunCounts } from "../../registry/runs.ts";
import type { PreprocessResult } from "../manifest.ts";
import type { PreprocessPendingResult } from "../pipeline-state.ts";
import { reforecastCause, reforecastManifest } from "./reforecast-step.ts";

/**
 * The Preprocess state: runs the upload through the preprocessor and records its counts on the
 * run. A remote job still running becomes `{ pending: true }` (its status recorded as
 * `preprocessPending`), which PreprocessDone sends round WaitForPreprocess, as Train does.
 * So does an earlier upload of the same dataset that is still running: in AWS executions run
 * concurrently, and waiting for it keeps one dataset's uploads merging in arrival order.
 * A run started by a related file reads no upload: it re-forecasts the active models.
 */
export async function preprocessStep(
  ports: {
    db: Db;
    store: ObjectStore;
    preprocessor: Preprocessor;
    runner?: Pick<PipelineRunner, "ordersDatasets">;
  },
  input: RunInput,
): Promise<PreprocessResult | PreprocessPendingResult> {
  // Strictly true: a runtime that says nothing (or a port that answers anything) gets the wait.
  const earlier =
    ports.runner?.ordersDatasets === true
      ? []
      : await earlierRunsInProgress(ports.db, input.runId, input.dataset);
  if (earlier.length > 0) {
    await addRunCounts(ports.db, input.runId, { preprocessPending: `waiting for ${earlier.join(", ")}` });
    return { pending: true };
  }
  const cause = reforecastCause(input);
  if (cause !== undefined) return reforecastManifest(ports, input, cause);
  let result: PreprocessResult;
  try {
    result = await ports.preprocessor.run(input);
  } catch (e) {
    if (!(e instanceof PreprocessPending)) throw e;
    await addRunCounts(ports.db, input.runId, { preprocessPending: e.message });
    return { pending: true };
  }
  await addRunCounts(ports.db, input.runId, {
    customers: result.customers,
    rows: result.rows,
    quarantined: result.reasons,
    quarantineKey: result.quarantineKey,
  });
  return result;
}
