import type { Run, RunEvent } from "../db/schema.ts";
import type { RunInput } from "../ports/pipeline-runner.ts";
import type { PipelineState } from "./pipeline-state.ts";
import { PIPELINE_STATES } from "./state-machine.ts";

/** Where each pipeline state writes its result in the execution's state (its ResultPath). */
const RESULT_KEYS: Record<(typeof PIPELINE_STATES)[number], keyof PipelineState> = {
  Preprocess: "preprocess",
  Train: "train",
  Register: "register",
  Publish: "publish",
  Warm: "warm",
};

export interface RedrivePlan {
  /** A pipeline state, or TrainShards, the map before Train, which records no attempt itself. */
  startAt: (typeof PIPELINE_STATES)[number] | "TrainShards";
  input: PipelineState;
}

/**
 * How to redrive a run the way Step Functions' RedriveExecution does: start again at the first
 * state that did not succeed, with the results of the states that did. Every state's result
 * is recorded with its attempt (run_events.summary), so the execution's state is rebuilt from
 * the registry rather than kept in memory. A run that never reached Train stopped in the
 * TrainShards map (its shards are not recorded as states): the redrive reruns the map, where the
 * shards that wrote their results skip, as Step Functions reruns only a Map Run's failed child
 * executions. Train itself restarts whole: it counts the same shards' results again.
 */
export function planRedrive(run: Run, events: RunEvent[]): RedrivePlan {
  const input: PipelineState = {
    runId: run.run_id,
    dataset: run.dataset,
    bucket: "",
    key: run.input_key,
    size: Number(run.input_size),
    etag: run.input_etag,
  } satisfies RunInput;
  const latest = new Map<string, RunEvent>();
  for (const e of events) latest.set(e.state, e);
  for (const state of PIPELINE_STATES) {
    const event = latest.get(state);
    if (!event && state === "Train") return { startAt: "TrainShards", input };
    if (event?.status !== "SUCCEEDED") return { startAt: state, input };
    const summary = typeof event.summary === "string" ? JSON.parse(event.summary) : event.summary;
    // A pending Preprocess is not done: redrive polls the remote job again.
    if (summary?.pending) return { startAt: state, input };
    Object.assign(input, { [RESULT_KEYS[state]]: summary });
  }
  return { startAt: "Warm", input };
}
