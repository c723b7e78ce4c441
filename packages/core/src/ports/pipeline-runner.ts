import type { RedrivePlan } from "../pipeline/redrive.ts";

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
  /** The Step Functions execution, in AWS. */
  executionArn?: string;
}

/** Starts state-machine executions: Step Functions in AWS, aws-local-stepfunctions locally. */
export interface PipelineRunner {
  start(input: RunInput): Promise<StartedRun>;
  /**
   * Restarts a FAILED, ABORTED or TIMED_OUT run at the state that did not succeed, as Step
   * Functions' RedriveExecution does. The caller has already set the run back to RUNNING.
   */
  redrive(plan: RedrivePlan): Promise<void>;
}
