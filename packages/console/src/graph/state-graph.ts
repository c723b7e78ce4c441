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
  /** Drawn at right angles (Catch edges and loops back) rather than as dagre's curve. */
  orthogonal: boolean;
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
export function mainPath(asl: AslDocument): Set<string> {
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

/**
 * The usual way through: from StartAt along each state's `Next`, a Choice's `Default`, to the
 * end. The layout keeps these states in one column.
 */
export function spine(asl: AslDocument): string[] {
  const out = [START];
  let at: string | undefined = asl.StartAt;
  while (at && at !== END && !out.includes(at)) {
    out.push(at);
    const state: AslState | undefined = asl.States[at];
    if (!state) break;
    at =
      state.End || state.Type === "Succeed" ? END : (state.Next ?? state.Default ?? state.Choices?.[0]?.Next);
  }
  if (at === END) out.push(END);
  return out;
}

/**
 * Transitions that go back to a state already on the way (a Wait looping to the Task it
 * polls), found by a depth-first walk from Start that tries the spine first.
 */
export function backEdges(asl: AslDocument): Set<string> {
  const next = transitions(asl).filter((e) => e.kind === "next");
  const order = new Map(spine(asl).map((id, i) => [id, i]));
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  const back = new Set<string>();
  const done = new Set<string>();
  const onStack = new Set<string>();
  const visit = (id: string): void => {
    onStack.add(id);
    for (const e of next.filter((x) => x.from === id).sort((a, b) => rank(a.to) - rank(b.to))) {
      if (onStack.has(e.to)) back.add(`${e.from}->${e.to}`);
      else if (!done.has(e.to)) visit(e.to);
    }
    onStack.delete(id);
    done.add(id);
  };
  visit(START);
  return back;
}
