// dagre is CommonJS: a default import works in Vite and in Node (tests), named imports only in Vite.
import dagre from "@dagrejs/dagre";
import type { RunDetail } from "../api/types.ts";

/** The slice of an Amazon States Language document the graph needs. */
export interface AslDocument {
  StartAt: string;
  States: Readonly<Record<string, AslState>>;
}

export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: readonly { Next: string }[];
  Catch?: readonly { Next: string }[];
}

/** Pseudo-states drawn as the Step Functions console draws them. */
export const START = "Start";
export const END = "End";

export type EdgeKind = "next" | "catch";

export interface GraphNode {
  id: string;
  /** The ASL `Type`, or `Start` / `End` for the pseudo-states. */
  type: string;
  /** Reached only through a Catch: the failure path. */
  catchPath: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

/** Every transition of the document, Start and End included. */
export function transitions(asl: AslDocument): { from: string; to: string; kind: EdgeKind }[] {
  const out: { from: string; to: string; kind: EdgeKind }[] = [
    { from: START, to: asl.StartAt, kind: "next" },
  ];
  for (const [name, state] of Object.entries(asl.States)) {
    const nexts = new Set<string>();
    if (state.Next) nexts.add(state.Next);
    if (state.Default) nexts.add(state.Default);
    for (const choice of state.Choices ?? []) nexts.add(choice.Next);
    for (const to of nexts) out.push({ from: name, to, kind: "next" });
    if (state.End || state.Type === "Succeed") out.push({ from: name, to: END, kind: "next" });
    for (const to of new Set((state.Catch ?? []).map((c) => c.Next)))
      out.push({ from: name, to, kind: "catch" });
  }
  return out;
}

/** States reachable from StartAt without a Catch: everything else is the failure path. */
function mainPath(asl: AslDocument): Set<string> {
  const edges = transitions(asl).filter((e) => e.kind === "next");
  const seen = new Set<string>([START]);
  const queue = [START];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const e of edges) {
      if (e.from !== from || seen.has(e.to)) continue;
      seen.add(e.to);
      queue.push(e.to);
    }
  }
  return seen;
}

const TASK_SIZE = { width: 168, height: 46 };
const PSEUDO_SIZE = { width: 84, height: 30 };
/** Space between the success path and the rail the Catch edges run down. */
const RAIL_GAP = 28;

/**
 * Lays the state machine out top to bottom, as the Step Functions console does: dagre places
 * the success path as a straight column, and the failure path sits to its right, below a rail
 * that every Catch edge joins. Giving dagre all the Catch edges instead bends the success path
 * into a staircase. The layout depends only on the document, so a run page computes it once.
 */
export function layoutStateMachine(asl: AslDocument): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 30, edgesep: 14, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const main = mainPath(asl);
  const types = new Map<string, string>([
    [START, "Start"],
    [END, "End"],
    ...Object.entries(asl.States).map(([name, state]) => [name, state.Type] as [string, string]),
  ]);
  for (const [id, type] of types)
    g.setNode(id, { ...(type === "Start" || type === "End" ? PSEUDO_SIZE : TASK_SIZE) });
  const list = transitions(asl);
  // Only the last Catch into each target takes part in the layout: it puts the failure path
  // below the deepest state that can fail.
  const lastCatch = new Map<string, number>();
  list.forEach((e, i) => {
    if (e.kind === "catch") lastCatch.set(e.to, i);
  });
  list.forEach((e, i) => {
    if (e.kind === "next" || lastCatch.get(e.to) === i)
      g.setEdge(e.from, e.to, { weight: e.kind === "next" ? 4 : 1 }, `e${i}`);
  });
  dagre.layout(g);

  const nodes: GraphNode[] = [...types].map(([id, type]) => {
    const n = g.node(id);
    return { id, type, catchPath: !main.has(id), x: n.x, y: n.y, width: n.width, height: n.height };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const mainRight = Math.max(...nodes.filter((n) => !n.catchPath).map((n) => n.x + n.width / 2));
  const rail = mainRight + RAIL_GAP;
  const firstCatch = list.find((e) => e.kind === "catch");
  const dx = firstCatch ? rail - byId.get(firstCatch.to)!.x : 0;
  for (const n of nodes) if (n.catchPath) n.x += dx;

  const edges: GraphEdge[] = list.map((e, i) => {
    const from = byId.get(e.from)!;
    const to = byId.get(e.to)!;
    let points: { x: number; y: number }[];
    if (e.kind === "catch") {
      // Out of the state's right side, along to the rail, down into the target's top.
      points = [
        { x: from.x + from.width / 2, y: from.y },
        { x: rail, y: from.y },
        { x: rail, y: to.y - to.height / 2 },
      ];
    } else {
      const shift = from.catchPath && to.catchPath ? dx : 0;
      points = (g.edge(e.from, e.to, `e${i}`).points ?? []).map((p) => ({ x: p.x + shift, y: p.y }));
    }
    return { id: `${e.from}->${e.to}:${e.kind}`, ...e, points };
  });
  const label = g.graph();
  const width = Math.max(label.width ?? 0, ...nodes.map((n) => n.x + n.width / 2 + 8));
  return { nodes, edges, width, height: label.height ?? 0 };
}

/**
 * How a state looks for one run, with the Step Functions console's vocabulary: a state whose
 * error a Catch handled is "caught"; a state still marked running on a stopped run is "stopped".
 */
export type NodeStatus = "SUCCEEDED" | "FAILED" | "CAUGHT" | "RUNNING" | "STOPPED" | "NOT_RUN";

/**
 * Each node's status for a run. Recorded states come from the run's events. The failure path
 * (RecordFailure, Failed) records no events of its own, so it is inferred: when a run failed
 * after a state with a Catch failed, the Catch target and what follows it ran, the Fail state
 * failed the run, and the failed state shows as caught.
 */
export function nodeStatuses(
  asl: AslDocument,
  run: Pick<RunDetail, "status" | "states">,
): Map<string, NodeStatus> {
  const statuses = new Map<string, NodeStatus>();
  const recorded = new Map(run.states.map((s) => [s.name, s]));
  const ended = run.status !== "RUNNING";
  statuses.set(START, "SUCCEEDED");
  for (const name of Object.keys(asl.States)) {
    const s = recorded.get(name);
    if (!s) statuses.set(name, "NOT_RUN");
    else if (s.status === "RUNNING") statuses.set(name, ended ? "STOPPED" : "RUNNING");
    else statuses.set(name, s.status);
  }
  if (run.status === "FAILED") {
    const edges = transitions(asl);
    for (const [name, state] of Object.entries(asl.States)) {
      if (statuses.get(name) !== "FAILED" || !state.Catch?.length) continue;
      statuses.set(name, "CAUGHT");
      // Walk the failure path from the Catch target.
      let at: string | undefined = state.Catch[0].Next;
      const seen = new Set<string>();
      while (at && at !== END && !seen.has(at)) {
        seen.add(at);
        const type: string | undefined = asl.States[at]?.Type;
        if (statuses.get(at) === "NOT_RUN") statuses.set(at, type === "Fail" ? "FAILED" : "SUCCEEDED");
        at = edges.find((e) => e.from === at && e.kind === "next")?.to;
      }
    }
  }
  statuses.set(END, run.status === "SUCCEEDED" ? "SUCCEEDED" : "NOT_RUN");
  return statuses;
}

/** Transitions the run took: both ends ran, leaving a state that succeeded (or was caught, for a Catch). */
export function takenEdges(
  edges: readonly Pick<GraphEdge, "id" | "from" | "to" | "kind">[],
  statuses: Map<string, NodeStatus>,
): Set<string> {
  const taken = new Set<string>();
  for (const e of edges) {
    const from = statuses.get(e.from);
    const to = statuses.get(e.to);
    if (!to || to === "NOT_RUN") continue;
    if (e.kind === "next" ? from === "SUCCEEDED" : from === "CAUGHT") taken.add(e.id);
  }
  return taken;
}
