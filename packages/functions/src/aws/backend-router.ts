import type { Backend } from "@myriad/core/dataset/dataset-config";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";

/** A TrainJob that names its backend (the dataset's `backend`); the deploy's default otherwise. */
export type RoutedTrainJob = TrainJob & { backend?: Backend };

/**
 * Sends each job to its backend, built on first use, and returns results in the jobs' order.
 * Jobs without a `backend` go to the deploy's default (MYRIAD_TRAINING_BACKEND).
 */
export class BackendRouter implements TrainingBackend {
  readonly #default: Backend;
  readonly #make: (backend: Backend) => TrainingBackend;
  readonly #built = new Map<Backend, TrainingBackend>();

  constructor(defaultBackend: Backend, make: (backend: Backend) => TrainingBackend) {
    this.#default = defaultBackend;
    this.#make = make;
  }

  backend(name: Backend): TrainingBackend {
    let b = this.#built.get(name);
    if (!b) this.#built.set(name, (b = this.#make(name)));
    return b;
  }

  async train(
    jobs: RoutedTrainJob[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<TrainResult[]> {
    const groups = new Map<Backend, number[]>();
    jobs.forEach((job, i) => {
      const name = job.backend ?? this.#default;
      groups.set(name, [...(groups.get(name) ?? []), i]);
    });
    const results = new Array<TrainResult>(jobs.length);
    let done = 0;
    for (const [name, indexes] of groups) {
      const before = done;
      const out = await this.backend(name).train(
        indexes.map((i) => jobs[i]),
        (d) => onProgress?.(before + d, jobs.length),
      );
      for (const [k, i] of indexes.entries()) results[i] = out[k];
      done += indexes.length;
    }
    return results;
  }
}
