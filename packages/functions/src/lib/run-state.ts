import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { recordState } from "@myriad/core/registry/runs";

export type StateHandler<I = PipelineState, O = unknown> = (input: I, ports: Ports) => Promise<O>;

/**
 * Runs a pipeline state's handler as one recorded attempt (start, end, duration, error and a
 * summary of its result in run_events). The Lambda wrapper and the local runner both go through
 * here, so runs look the same in both runtimes.
 */
export function runState<O>(
  state: string,
  handler: StateHandler<PipelineState, O>,
  input: PipelineState,
  ports: Ports,
) {
  return recordState(ports.db, input.runId, state, () => handler(input, ports), summarize);
}

function summarize(result: unknown): Record<string, unknown> {
  return result && typeof result === "object" && !Array.isArray(result)
    ? (result as Record<string, unknown>)
    : {};
}
