import { MyriadError } from "../errors/myriad-error.ts";
import type { PreprocessResult } from "../pipeline/manifest.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import type { RunInput } from "../ports/pipeline-runner.ts";
import { preprocess } from "./preprocess.ts";

/**
 * What a remote preprocess job (SageMaker Processing) is asked to do. It is stored in the bucket
 * rather than passed as job parameters because those hold 256 characters a value and an S3 key
 * can be 1,024 bytes. `now` is the run's clock, fixed when the job was requested, so a job that
 * SageMaker restarts decides `future_timestamp` the same way.
 */
export interface PreprocessJobRequest {
  input: RunInput;
  now: string;
}

/**
 * What the job leaves for the Preprocess Lambda: the result, or the bad-input error (a
 * MyriadError) to rethrow as it is, so a run fails with the same error code whichever side
 * preprocessed it. Any other failure fails the job itself and SageMaker reports it.
 */
export type PreprocessJobOutcome =
  | { ok: true; result: PreprocessResult }
  | {
      ok: false;
      error: { status: number; code: string; message: string; details?: Record<string, unknown> };
    };

/** The job's environment (SageMaker Processing's `Environment`): the bucket and two keys in it. */
export const PREPROCESS_JOB_ENV = {
  bucket: "MYRIAD_BUCKET",
  region: "AWS_REGION",
  request: "MYRIAD_PREPROCESS_REQUEST",
  outcome: "MYRIAD_PREPROCESS_OUTCOME",
} as const;

const decoder = new TextDecoder();

/**
 * The remote job's whole work: reads the request, runs the same `preprocess` the Lambda and
 * the embedded stack run, against whatever store it is given (S3 in the container), and writes
 * the outcome. Rethrows anything that is not a MyriadError, after writing nothing.
 */
export async function runPreprocessJob(
  store: ObjectStore,
  keys: { request: string; outcome: string },
): Promise<PreprocessJobOutcome> {
  const bytes = await store.get(keys.request);
  if (bytes === undefined) throw new Error(`preprocess request ${keys.request} not found`);
  const request = JSON.parse(decoder.decode(bytes)) as PreprocessJobRequest;
  let outcome: PreprocessJobOutcome;
  try {
    outcome = { ok: true, result: await preprocess(store, request.input, { now: new Date(request.now) }) };
  } catch (e) {
    if (!(e instanceof MyriadError)) throw e;
    const { status, code, message, details } = e;
    outcome = { ok: false, error: { status, code, message, ...(details ? { details } : {}) } };
  }
  await store.put(keys.outcome, JSON.stringify(outcome), "application/json");
  return outcome;
}

/** The outcome as an in-process preprocess would have ended: its result, or its MyriadError thrown. */
export function outcomeResult(outcome: PreprocessJobOutcome): PreprocessResult {
  if (outcome.ok) return outcome.result;
  const { status, code, message, details } = outcome.error;
  throw new MyriadError(status, code, message, details);
}
