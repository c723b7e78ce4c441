/** What starts a run: the object that was uploaded. */
export interface RunInput {
  runId: string;
  dataset: string;
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

export interface StartedRun {
  runId: string;
  /** False when a run with this id already existed (a duplicate event): nothing new started. */
  started: boolean;
}

/** Starts state-machine executions: Step Functions in AWS, aws-local-stepfunctions locally. */
export interface PipelineRunner {
  start(input: RunInput): Promise<StartedRun>;
}
