import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { recordState } from "@myriad/core/registry/runs";
import { MyriadError } from "@myriad/core/errors/myriad-error";

/** A handler and the ports it is given: the whole set locally, its declared slice in Lambda. */
export type StateHandler<I = PipelineState, O = unknown, P = Ports> = (input: I, ports: P) => Promise<O>;

/**
 * Runs a pipeline state's handler as one recorded attempt (start, end, duration, error and a
 * summary of its result in run_events). The Lambda wrapper and the local runner both go through
 * here, so runs look the same in both runtimes.
 */
export function runState<O, P extends Pick<Ports, "db">>(
  state: string,
  handler: StateHandler<PipelineState, O, P>,
  input: PipelineState,
  ports: P,
) {
  return recordState(ports.db, input.runId, state, () => withErrorCode(handler(input, ports)), summarize);
}

/**
 * A domain error leaves the state named by its stable code (`no_valid_rows`, `invalid_header`…):
 * Step Functions takes the error name as the execution's Error, which becomes the run's `error`,
 * so users and Catch/Retry rules see what went wrong rather than a class name.
 */
async function withErrorCode<O>(result: Promise<O>): Promise<O> {
  try {
    return await result;
  } catch (e) {
    if (e instanceof MyriadError) e.name = e.code;
    throw e;
  }
}

function summarize(result: unknown): Record<string, unknown> {
  return result && typeof result === "object" && !Array.isArray(result)
    ? (result as Record<string, unknown>)
    : {};
}
