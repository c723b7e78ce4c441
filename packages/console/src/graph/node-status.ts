import type { RunDetail } from "../api/types.ts";
import { chooseNext, writeResult } from "./asl-choice.ts";
import { type AslDocument, END, type GraphEdge, START, transitions } from "./state-graph.ts";

/**
 * How a state looks for one run, with the Step Functions console's vocabulary: a state whose
 * error a Catch handled is "caught"; a state still marked running on a stopped run is "stopped".
 */
export type NodeStatus = "SUCCEEDED" | "FAILED" | "CAUGHT" | "RUNNING" | "STOPPED" | "NOT_RUN";

type Run = Pick<RunDetail, "status" | "states">;
type Statuses = Map<string, NodeStatus>;

const ran = (status: NodeStatus | undefined) => status !== undefined && status !== "NOT_RUN";

/**
 * Each node's status for a run. Task states come from the run's recorded events. The others
 * record nothing, so their status is inferred from the document: a state every path to a state
 * that ran goes through (a Choice, a Pass) ran too; on a running run between two Tasks, Choices
 * are evaluated on the Tasks' results to find where the execution is (a Wait, or a Map such as
 * TrainShards, whose iterations are not recorded as states); on a failed run with no failed
 * Task, the same walk finds the state it failed in (a Map whose iteration failed); and on a
 * failed run, a failed state with a Catch was caught and the failure path after it ran.
 */
export function nodeStatuses(asl: AslDocument, run: Run): Statuses {
  const statuses: Statuses = new Map();
  const recorded = new Map(run.states.map((s) => [s.name, s]));
  const ended = run.status !== "RUNNING";
  statuses.set(START, "SUCCEEDED");
  for (const name of Object.keys(asl.States)) {
    const s = recorded.get(name);
    if (!s) statuses.set(name, "NOT_RUN");
    else if (s.status === "RUNNING") statuses.set(name, ended ? "STOPPED" : "RUNNING");
    else statuses.set(name, s.status);
  }
  if (run.status === "FAILED") markCaught(asl, statuses);
  markPassedThrough(asl, statuses, recorded);
  if (run.status === "RUNNING") markCurrent(asl, run, statuses, "RUNNING");
  if (run.status === "FAILED" && !run.states.some((s) => s.status === "FAILED"))
    markCurrent(asl, run, statuses, "FAILED");
  statuses.set(END, run.status === "SUCCEEDED" ? "SUCCEEDED" : "NOT_RUN");
  return statuses;
}

/** A failed state with a Catch shows as caught; its Catch target and what follows ran, up to the Fail state. */
function markCaught(asl: AslDocument, statuses: Statuses): void {
  const next = transitions(asl).filter((e) => e.kind === "next");
  for (const [name, state] of Object.entries(asl.States)) {
    if (statuses.get(name) !== "FAILED" || !state.Catch?.length) continue;
    statuses.set(name, "CAUGHT");
    let at: string | undefined = state.Catch[0].Next;
    const seen = new Set<string>();
    while (at && at !== END && !seen.has(at)) {
      seen.add(at);
      if (statuses.get(at) === "NOT_RUN")
        statuses.set(at, asl.States[at]?.Type === "Fail" ? "FAILED" : "SUCCEEDED");
      at = next.find((e) => e.from === at)?.to;
    }
  }
}

/** An unrecorded state ran when a state after it ran that cannot be reached without it. */
function markPassedThrough(asl: AslDocument, statuses: Statuses, recorded: Map<string, unknown>): void {
  const next = transitions(asl).filter((e) => e.kind === "next");
  const reachableWithout = (target: string, blocked: string) => {
    const seen = new Set([START]);
    const queue = [START];
    while (queue.length > 0) {
      const from = queue.shift()!;
      if (from === target) return true;
      for (const e of next) {
        if (e.from !== from || e.to === blocked || seen.has(e.to)) continue;
        seen.add(e.to);
        queue.push(e.to);
      }
    }
    return false;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of Object.keys(asl.States)) {
      if (recorded.has(name) || statuses.get(name) !== "NOT_RUN") continue;
      if (next.some((e) => e.from === name && ran(statuses.get(e.to)) && !reachableWithout(e.to, name))) {
        statuses.set(name, "SUCCEEDED");
        changed = true;
      }
    }
  }
}

/**
 * A running run with no Task in progress is in an unrecorded state (and a failed run with no
 * failed Task failed in one): follow the document from the last Task, through Choices decided
 * on the recorded results, to that state, and give it `status`.
 */
function markCurrent(asl: AslDocument, run: Run, statuses: Statuses, status: "RUNNING" | "FAILED"): void {
  if (run.states.some((s) => s.status === "RUNNING")) return;
  const last = run.states.reduce<Run["states"][number] | undefined>(
    (a, b) => (!a || Date.parse(b.startedAt) >= Date.parse(a.startedAt) ? b : a),
    undefined,
  );
  if (last?.status !== "SUCCEEDED") return;
  const data: Record<string, unknown> = {};
  for (const s of run.states) {
    const path = asl.States[s.name]?.ResultPath;
    if (typeof path === "string") writeResult(data, path, s.summary);
  }
  let at = asl.States[last.name]?.Next;
  for (let steps = 0; at && at !== END && steps < 20; steps++) {
    const state = asl.States[at];
    if (!state) return;
    if (state.Type === "Choice") {
      statuses.set(at, "SUCCEEDED");
      at = chooseNext(state, data);
    } else if (state.Type === "Pass") {
      statuses.set(at, "SUCCEEDED");
      at = state.Next;
    } else {
      statuses.set(at, status);
      return;
    }
  }
}

/** Transitions the run took: both ends ran, leaving a state that succeeded (or was caught, for a Catch). */
export function takenEdges(
  edges: readonly Pick<GraphEdge, "id" | "from" | "to" | "kind">[],
  statuses: Statuses,
): Set<string> {
  const taken = new Set<string>();
  for (const e of edges) {
    const from = statuses.get(e.from);
    if (!ran(statuses.get(e.to))) continue;
    if (e.kind === "next" ? from === "SUCCEEDED" : from === "CAUGHT") taken.add(e.id);
  }
  return taken;
}
