import { runTraining } from "./train.ts";

/**
 * The training container's command. SageMaker runs the image as `<entrypoint> train`; the
 * argument is ignored. Exit code 0 on success, 1 after `output/failure` was written.
 * `SM_ROOT` moves the root away from `/opt/ml` (local trials).
 */
const root = process.env.SM_ROOT ?? "/opt/ml";
const concurrency = Number(process.env.MYRIAD_TRAIN_CONCURRENCY ?? 2);
runTraining({ root, concurrency, log: (m) => console.log(m) }).then(
  (summary) => console.log(JSON.stringify(summary)),
  (e: Error) => {
    console.error(e);
    process.exitCode = 1;
  },
);
