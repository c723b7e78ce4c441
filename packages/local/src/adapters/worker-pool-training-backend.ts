import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";

/** Jobs per message to a worker: large enough to amortise messaging, small for even spread. */
const BATCH = 16;

/**
 * Trains on every core with worker threads (piscina). Each worker reads series from and writes
 * artifacts to the bucket folder itself, so only job descriptions and results cross threads.
 */
export class WorkerPoolTrainingBackend implements TrainingBackend {
  readonly #pool: Piscina;
  readonly #bucketDir: string;

  constructor(options: { bucketDir: string; threads?: number }) {
    this.#bucketDir = options.bucketDir;
    const threads = options.threads ?? availableParallelism();
    this.#pool = new Piscina({
      filename: new URL("./train-worker.mjs", import.meta.url).href,
      minThreads: 1,
      maxThreads: threads,
      idleTimeout: 30_000,
    });
  }

  async train(jobs: TrainJob[], onProgress?: (done: number, total: number) => void): Promise<TrainResult[]> {
    let done = 0;
    const batches: TrainJob[][] = [];
    for (let i = 0; i < jobs.length; i += BATCH) batches.push(jobs.slice(i, i + BATCH));
    const results = await Promise.all(
      batches.map(async (batch) => {
        try {
          const out = (await this.#pool.run({ bucketDir: this.#bucketDir, jobs: batch })) as TrainResult[];
          return out;
        } catch (e) {
          // A worker that died takes its batch with it: each customer is recorded as failed.
          return batch.map(
            (j): TrainResult => ({
              ok: false,
              customerId: j.customerId,
              error: `worker: ${(e as Error).message}`,
            }),
          );
        } finally {
          done += batch.length;
          onProgress?.(done, jobs.length);
        }
      }),
    );
    return results.flat();
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
