// dagre is CommonJS: a default import works in Vite and in Node (tests), named imports only in Vite.
import dagre from "@dagrejs/dagre";
import {
  type AslDocument,
  backEdges,
  END,
  type GraphEdge,
  type GraphLayout,
  type GraphNode,
  mainPath,
  START,
  spine,
  transitions,
} from "./state-graph.ts";

const TASK_SIZE = { width: 150, height: 46 };
const PSEUDO_SIZE = { width: 84, height: 30 };
const RANK_SEP = 30;
const MARGIN = 8;
/** Space between the success side and the failure column. */
const RAIL_GAP = 36;

type Point = { x: number; y: number };

/**
 * Lays the state machine out top to bottom as the Step Functions console does. dagre places
 * the success side, given only what keeps the usual path (the spine) one straight column: the
 * spine's edges weigh most, loops back (a Wait returning to its Task) are left out, and the
 * alignment is fixed to one corner instead of dagre's average of four, which would jog the
 * column at every branch. The failure path goes in a column to the right, starting level with
 * the last state that can fail, and every Catch reaches it along one rail. Edges dagre did not
 * route are drawn at right angles. The layout depends only on the document, so a run page
 * computes it once.
 */
export function layoutStateMachine(asl: AslDocument): GraphLayout {
  const main = mainPath(asl);
  const back = backEdges(asl);
  const path = spine(asl);
  const list = transitions(asl);
  const isBack = (e: { from: string; to: string }) => back.has(`${e.from}->${e.to}`);
  const types = new Map<string, string>([
    [START, "Start"],
    [END, "End"],
    ...Object.entries(asl.States).map(([name, state]) => [name, state.Type] as [string, string]),
  ]);
  const size = (type: string) => (type === "Start" || type === "End" ? PSEUDO_SIZE : TASK_SIZE);

  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: "TB",
    align: "UR",
    nodesep: 28,
    ranksep: RANK_SEP,
    edgesep: 14,
    marginx: MARGIN,
    marginy: MARGIN,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [id, type] of types) if (main.has(id)) g.setNode(id, { ...size(type) });
  list.forEach((e, i) => {
    if (e.kind !== "next" || !main.has(e.from) || !main.has(e.to) || isBack(e)) return;
    const onSpine = path.indexOf(e.to) === path.indexOf(e.from) + 1;
    g.setEdge(e.from, e.to, { weight: onSpine ? 8 : 2 }, `e${i}`);
  });
  dagre.layout(g);

  const nodes: GraphNode[] = [];
  for (const [id, type] of types) {
    if (!main.has(id)) continue;
    const n = g.node(id);
    nodes.push({ id, type, catchPath: false, x: n.x, y: n.y, width: n.width, height: n.height });
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // The Catch rail runs down the middle of the failure column, clear of the success side.
  const rail = Math.max(...nodes.map((n) => n.x + n.width / 2)) + RAIL_GAP + TASK_SIZE.width / 2;

  // The failure path: a column on the rail, from level with the deepest state that can fail.
  const catchTargets = [...new Set(list.filter((e) => e.kind === "catch").map((e) => e.to))];
  const deepest = Math.max(0, ...list.filter((e) => e.kind === "catch").map((e) => byId.get(e.from)?.y ?? 0));
  let y = deepest + TASK_SIZE.height + RANK_SEP;
  for (const target of catchTargets) {
    for (let at: string | undefined = target; at && !main.has(at) && !byId.has(at); ) {
      const node: GraphNode = {
        id: at,
        type: types.get(at) ?? "Task",
        catchPath: true,
        x: rail,
        y,
        ...TASK_SIZE,
      };
      nodes.push(node);
      byId.set(at, node);
      y += TASK_SIZE.height + RANK_SEP;
      const from: string = at;
      at = list.find((e) => e.kind === "next" && e.from === from)?.to;
    }
  }
  // States neither on the success side nor after a Catch (unreachable) go at the bottom.
  for (const [id, type] of types) {
    if (byId.has(id)) continue;
    const node: GraphNode = { id, type, catchPath: true, x: rail, y, ...size(type) };
    nodes.push(node);
    byId.set(id, node);
    y += TASK_SIZE.height + RANK_SEP;
  }

  const edges: GraphEdge[] = list.map((e, i) => {
    const from = byId.get(e.from)!;
    const to = byId.get(e.to)!;
    const routed = g.hasEdge(e.from, e.to, `e${i}`) ? g.edge(e.from, e.to, `e${i}`).points : undefined;
    let points: Point[];
    if (routed && e.kind === "next") {
      points = routed.map((p) => ({ x: p.x, y: p.y }));
    } else if (e.kind === "catch") {
      // Out of the state's right side (upper half), along to the rail, down into the target's top.
      const at = from.y - from.height / 6;
      points = [
        { x: from.x + from.width / 2, y: at },
        { x: rail, y: at },
        { x: rail, y: to.y - to.height / 2 },
      ];
    } else if (to.y < from.y) {
      // A loop back: out of the top, up to the earlier state, into its side (lower half).
      const at = to.y + to.height / 6;
      const side = from.x >= to.x ? to.x + to.width / 2 : to.x - to.width / 2;
      points = [
        { x: from.x, y: from.y - from.height / 2 },
        { x: from.x, y: at },
        { x: side, y: at },
      ];
    } else {
      // Straight down, with a bend when the ends are not in one column.
      const mid = (from.y + from.height / 2 + to.y - to.height / 2) / 2;
      points = [
        { x: from.x, y: from.y + from.height / 2 },
        { x: from.x, y: mid },
        { x: to.x, y: mid },
        { x: to.x, y: to.y - to.height / 2 },
      ];
    }
    return { id: `${e.from}->${e.to}:${e.kind}`, ...e, points, orthogonal: !(routed && e.kind === "next") };
  });
  const width = Math.max(...nodes.map((n) => n.x + n.width / 2)) + MARGIN;
  const height = Math.max(...nodes.map((n) => n.y + n.height / 2)) + MARGIN;
  return { nodes, edges, width, height };
}
