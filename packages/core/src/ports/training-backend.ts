import type { TrainJob, TrainResult } from "../forecasting/train-job.ts";

/**
 * Thrown by a backend whose remote jobs (SageMaker, Amazon Forecast) are still running when the
 * time it may wait in one invocation is up. Train then returns `pending` and the state machine
 * waits and calls it again; calling `train` again resumes the same jobs, nothing restarts.
 */
export class TrainingPending extends Error {
  readonly pending = true;
  constructor(message: string) {
    super(message);
    this.name = "TrainingPending";
  }
}

/**
 * Trains one model per customer: a worker pool on the embedded stack or in a Lambda, SageMaker
 * training jobs or Amazon Forecast in AWS. Each result is one customer's success or failure:
 * a failing customer never fails the others.
 */
export interface TrainingBackend {
  train(jobs: TrainJob[], onProgress?: (done: number, total: number) => void): Promise<TrainResult[]>;
}
