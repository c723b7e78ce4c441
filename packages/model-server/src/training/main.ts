import { availableParallelism } from "node:os";
import { runTraining, trainShare } from "./train.ts";
import { serveTrainingWorker, TRAIN_WORKER_ENV } from "./worker-processes.ts";

/**
 * The training container's command. SageMaker runs the image as `<entrypoint> train`; the
 * argument is ignored. Exit code 0 on success, 1 after `output/failure` was written.
 * `SM_ROOT` moves the root away from `/opt/ml` (local trials). The host's customers are
 * trained by one worker process per vCPU (`MYRIAD_TRAIN_WORKERS` overrides), each a copy of
 * this script started with TRAIN_WORKER_ENV.
 */
if (process.env[TRAIN_WORKER_ENV]) {
  serveTrainingWorker(trainShare);
} else {
  const root = process.env.SM_ROOT ?? "/opt/ml";
  const concurrency = Number(process.env.MYRIAD_TRAIN_CONCURRENCY ?? 2);
  const workers = Number(process.env.MYRIAD_TRAIN_WORKERS) || availableParallelism();
  runTraining({ root, concurrency, workers, workerScript: process.argv[1], log: (m) => console.log(m) }).then(
    (summary) => console.log(JSON.stringify(summary)),
    (e: Error) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
