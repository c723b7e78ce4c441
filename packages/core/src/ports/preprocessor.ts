import type { PreprocessResult } from "../pipeline/manifest.ts";
import type { RunInput } from "./pipeline-runner.ts";

/**
 * Thrown by a preprocessor whose remote job (a SageMaker Processing job) is still running when
 * the time it may wait in one invocation is up. The Preprocess step then returns `pending` and
 * the state machine waits and calls it again; calling `run` again resumes the same job.
 */
export class PreprocessPending extends Error {
  readonly pending = true;
  constructor(message: string) {
    super(message);
    this.name = "PreprocessPending";
  }
}

/**
 * Where the Preprocess state's work runs: in this process (the embedded stack, and AWS inputs a
 * Lambda finishes in time) or in a remote job that runs the same core `preprocess` (AWS inputs
 * too large for one Lambda). Either way the outcome is the same PreprocessResult, or the same
 * MyriadError for bad input.
 */
export interface Preprocessor {
  run(input: RunInput): Promise<PreprocessResult>;
}
