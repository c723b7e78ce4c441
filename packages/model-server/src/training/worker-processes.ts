import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import { fork } from "node:child_process";

/** Set in a worker process's environment: the entry point then serves one share and exits. */
export const TRAIN_WORKER_ENV = "MYRIAD_TRAIN_WORKER";

/** What one worker trains: its customers, and where the SageMaker directories are. */
export interface TrainingShare {
  root: string;
  dataset: string;
  concurrency: number;
  jobs: TrainJob[];
}

interface ShareOutcome {
  results: TrainResult[];
  resumed: number;
}

/**
 * Trains `jobs` in `workers` child processes of `script` (the container's entry point, which
 * serves a share when TRAIN_WORKER_ENV is set), dealt round-robin so each gets a similar mix;
 * results come back in the jobs' order. Processes rather than threads: the container is one
 * bundled CommonJS file, which `fork` runs again as it is. A worker that dies takes its
 * customers with it, each recorded as failed.
 */
export async function trainInWorkers(
  script: string,
  workers: number,
  share: Omit<TrainingShare, "jobs">,
  jobs: TrainJob[],
): Promise<ShareOutcome> {
  const slices = Array.from({ length: workers }, (_, w) => jobs.filter((_, i) => i % workers === w));
  const outcomes = await Promise.all(slices.map((slice) => runWorker(script, { ...share, jobs: slice })));
  const results: TrainResult[] = new Array(jobs.length);
  outcomes.forEach((outcome, w) => {
    outcome.results.forEach((result, k) => {
      results[k * workers + w] = result;
    });
  });
  return { results, resumed: outcomes.reduce((n, o) => n + o.resumed, 0) };
}

function runWorker(script: string, share: TrainingShare): Promise<ShareOutcome> {
  return new Promise((resolve) => {
    const child = fork(script, [], { env: { ...process.env, [TRAIN_WORKER_ENV]: "1" } });
    let outcome: ShareOutcome | undefined;
    const failAll = (why: string): ShareOutcome => ({
      results: share.jobs.map((job) => ({ ok: false, customerId: job.customerId, error: `worker ${why}` })),
      resumed: 0,
    });
    child.on("message", (message) => {
      outcome = message as ShareOutcome;
    });
    child.once("error", (e) => resolve(failAll(`failed to start: ${e.message}`)));
    child.once("exit", (code, signal) =>
      resolve(outcome ?? failAll(`exited with ${signal ?? `code ${code}`}`)),
    );
    child.send(share);
  });
}

/** The worker side: trains the share the parent sends, answers with the outcome, and exits. */
export function serveTrainingWorker(train: (share: TrainingShare) => Promise<ShareOutcome>): void {
  process.once("message", async (share: TrainingShare) => {
    const outcome = await train(share);
    console.log(`worker pid ${process.pid}: trained ${share.jobs.length} customers`);
    process.send?.(outcome, () => process.exit(0));
  });
}
