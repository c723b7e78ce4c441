import { TrainingPending } from "@myriad/core/ports/training-backend";

/** `training/<dataset>/<version>/`: a remote training run's inputs, checkpoints and outputs. */
export const trainingPrefix = (dataset: string, version: string) => `training/${dataset}/${version}/`;

/**
 * Thrown by the SageMaker and Forecast backends when their job is still running at the end of
 * the time they may wait in one Lambda invocation. The Train step turns it into `pending`, and
 * the WaitForTraining loop inside the TrainShards map calls TrainShard again, which resumes the same job.
 */
export class TrainingStillRunning extends TrainingPending {
  constructor(resource: string, status: string) {
    super(`${resource} is still ${status}`);
  }
}

export function isTrainingPending(e: unknown): e is TrainingPending {
  return e instanceof TrainingPending;
}
