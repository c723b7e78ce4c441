import type { TrainJob, TrainResult } from "../forecasting/train-job.ts";

/**
 * Trains one model per customer: a worker pool on the embedded stack or in a Lambda, SageMaker
 * training jobs or Amazon Forecast in AWS. Each result is one customer's success or failure:
 * a failing customer never fails the others.
 */
export interface TrainingBackend {
  train(jobs: TrainJob[], onProgress?: (done: number, total: number) => void): Promise<TrainResult[]>;
}
