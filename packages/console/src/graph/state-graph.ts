// dagre is CommonJS: a default import works in Vite and in Node (tests), named imports only in Vite.
import dagre from "@dagrejs/dagre";

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
  Choices?: readonly ChoiceRule[];
  Catch?: readonly { Next: string }[];
  /** Where a Task's result goes in the execution's state (`$.train`). */
  ResultPath?: string | null;
}

/** A Choice rule: a comparison on `Variable`, or `And` / `Or` / `Not` of rules; top-level rules have `Next`. */
export interface ChoiceRule {
  Variable?: string;
  And?: readonly ChoiceRule[];
  Or?: readonly ChoiceRule[];
  Not?: ChoiceRule;
  Next?: string;
  readonly [operator: string]: unknown;
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
    for (const choice of state.Choices ?? []) if (choice.Next) nexts.add(choice.Next);
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
