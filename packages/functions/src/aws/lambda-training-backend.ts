import { runTrainJob } from "@myriad/core/forecasting/run-train-job";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import pMap from "p-map";

/**
 * The `local` backend inside the Train Lambda: core's runTrainJob for each customer, in this
 * process, `concurrency` at a time. Fitting is synchronous CPU work, so concurrency only
 * overlaps the S3 reads and writes; size the function's memory (vCPU) and timeout for the
 * dataset, or use the `sagemaker` backend past a few thousand customers or 15 minutes.
 */
export class LambdaTrainingBackend implements TrainingBackend {
  readonly #store: ObjectStore;
  readonly #concurrency: number;

  constructor(store: ObjectStore, concurrency = 4) {
    this.#store = store;
    this.#concurrency = concurrency;
  }

  async train(jobs: TrainJob[], onProgress?: (done: number, total: number) => void): Promise<TrainResult[]> {
    let done = 0;
    return pMap(
      jobs,
      async (job) => {
        const result = await runTrainJob(this.#store, job);
        onProgress?.(++done, jobs.length);
        return result;
      },
      { concurrency: this.#concurrency },
    );
  }
}
