/** `training/<dataset>/<version>/`: a remote training run's inputs, checkpoints and outputs. */
export const trainingPrefix = (dataset: string, version: string) => `training/${dataset}/${version}/`;

/**
 * Thrown by the SageMaker and Forecast backends when their job is still running at the end of
 * the time they may wait in one Lambda invocation. Its name is `TransientError`, which the
 * Train state retries; with a Wait loop in the ASL the Train handler can turn it into
 * "pending" instead (see isTrainingPending). Calling `train` again resumes: nothing restarts.
 */
export class TrainingStillRunning extends Error {
  readonly pending = true;
  constructor(resource: string, status: string) {
    super(`${resource} is still ${status}`);
    this.name = "TransientError";
  }
}

export function isTrainingPending(e: unknown): e is TrainingStillRunning {
  return e instanceof TrainingStillRunning || (e as { pending?: unknown } | null)?.pending === true;
}
