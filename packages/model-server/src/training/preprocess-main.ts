import { runPreprocessContainer } from "./preprocess-job.ts";

/**
 * The `preprocess` command of the training image, run by a SageMaker Processing job.
 * Exit code 0 when the outcome holds a result, 1 otherwise (after `output/message`).
 * `SM_ROOT` moves the root away from `/opt/ml` (local trials).
 */
runPreprocessContainer({ root: process.env.SM_ROOT ?? "/opt/ml" }).then(
  (outcome) => {
    console.log(
      JSON.stringify(
        outcome.ok ? { ok: true, customers: outcome.result.customers, rows: outcome.result.rows } : outcome,
      ),
    );
    if (!outcome.ok) process.exitCode = 1;
  },
  (e: Error) => {
    console.error(e);
    process.exitCode = 1;
  },
);
