import type { RunDetail, StateSummary } from "../api/types.ts";
import { s } from "../lib/dom.ts";
import { formatDuration } from "../lib/format.ts";
import { type NodeStatus, nodeStatuses, takenEdges } from "./node-status.ts";
import type { AslDocument, GraphLayout } from "./state-graph.ts";

/** Words the Step Functions console uses for each status. */
export const STATUS_LABELS: Record<NodeStatus, string> = {
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  CAUGHT: "Caught error",
  RUNNING: "In progress",
  STOPPED: "Stopped",
  NOT_RUN: "Not started",
};

export interface StateGraphView {
  el: SVGSVGElement;
  update(run: RunDetail): void;
}

/**
 * Draws a laid-out state machine as SVG and recolours it for a run. Colours come from CSS
 * (`data-status` on each node), so the legend and the graph cannot drift apart. The SVG is an
 * image for assistive technology, described by a sentence per state; the states table next to
 * it carries the same facts in an accessible form.
 */
export function renderStateGraph(
  asl: AslDocument,
  graph: GraphLayout,
  onSelect: (state: string) => void = () => {},
): StateGraphView {
  const pad = 6;
  const desc = s("desc", { id: "state-graph-desc" });
  const arrow = (id: string) =>
    s(
      "marker",
      {
        id,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: "auto-start-reverse",
      },
      s("path", { d: "M0,0 L10,5 L0,10 z", class: `sg-arrow ${id}` }),
    );
  const edgeEls = new Map<string, SVGPathElement>();
  const edgesGroup = s("g", { class: "sg-edges" });
  for (const e of graph.edges) {
    const path = s("path", {
      class: `sg-edge sg-edge-${e.kind}`,
      d: e.orthogonal ? orthogonalPath(e.points) : smoothPath(e.points),
      "data-from": e.from,
      "data-to": e.to,
    });
    edgeEls.set(e.id, path);
    edgesGroup.append(path);
  }
  const nodeEls = new Map<string, { g: SVGGElement; sub: SVGTextElement; title: SVGTitleElement }>();
  const nodesGroup = s("g", { class: "sg-nodes" });
  for (const n of graph.nodes) {
    const pseudo = n.type === "Start" || n.type === "End";
    const title = s("title", null, n.id);
    const sub = s("text", { class: "sg-sub", x: n.width / 2, y: n.height / 2 + 12, "text-anchor": "middle" });
    const g = s(
      "g",
      {
        class: `sg-node${pseudo ? " sg-pseudo" : ""}${n.catchPath ? " sg-catch-path" : ""}`,
        transform: `translate(${n.x - n.width / 2},${n.y - n.height / 2})`,
        "data-state": n.id,
        "data-type": n.type,
        "data-status": "NOT_RUN",
        onclick: () => onSelect(n.id),
      },
      title,
      s("rect", { width: n.width, height: n.height, rx: pseudo ? n.height / 2 : 6 }),
      s(
        "text",
        {
          class: "sg-label",
          x: n.width / 2,
          y: pseudo ? n.height / 2 + 4 : n.height / 2 - 3,
          "text-anchor": "middle",
        },
        n.id,
      ),
      pseudo ? null : sub,
    );
    nodeEls.set(n.id, { g, sub, title });
    nodesGroup.append(g);
  }
  const el = s(
    "svg",
    {
      class: "state-graph",
      role: "img",
      "aria-labelledby": "state-graph-title",
      "aria-describedby": "state-graph-desc",
      viewBox: `${-pad} ${-pad} ${graph.width + 2 * pad} ${graph.height + 2 * pad}`,
      width: graph.width + 2 * pad,
      height: graph.height + 2 * pad,
    },
    s("title", { id: "state-graph-title" }, "State machine graph"),
    desc,
    s("defs", null, arrow("sg-arrow-idle"), arrow("sg-arrow-taken"), arrow("sg-arrow-catch")),
    edgesGroup,
    nodesGroup,
  );

  return {
    el,
    update(run) {
      const statuses = nodeStatuses(asl, run);
      const byName = new Map(run.states.map((st) => [st.name, st]));
      const sentences: string[] = [];
      for (const [id, node] of nodeEls) {
        const status = statuses.get(id) ?? "NOT_RUN";
        node.g.setAttribute("data-status", status);
        const state = byName.get(id);
        const text = subLabel(asl.States[id]?.Type, status, state);
        node.sub.textContent = text;
        node.title.textContent = `${id}: ${text}`;
        if (id in asl.States) sentences.push(`${id}: ${text}.`);
      }
      desc.textContent = sentences.join(" ");
      const taken = takenEdges(graph.edges, statuses);
      for (const e of graph.edges) {
        const path = edgeEls.get(e.id)!;
        const on = taken.has(e.id);
        path.classList.toggle("sg-taken", on);
        const marker = on ? (e.kind === "catch" ? "sg-arrow-catch" : "sg-arrow-taken") : "sg-arrow-idle";
        path.setAttribute("marker-end", `url(#${marker})`);
        // Catch edges share the rail: the one taken is drawn last, on top of the others.
        if (on) edgesGroup.append(path);
      }
    },
  };
}

/** Status, duration and retries; flow states (Choice, Wait, Pass) also say what they are. */
function subLabel(type: string | undefined, status: NodeStatus, state: StateSummary | undefined): string {
  const parts =
    type && type !== "Task" && type !== "Fail" ? [type, STATUS_LABELS[status]] : [STATUS_LABELS[status]];
  if (state?.durationMs !== null && state?.durationMs !== undefined)
    parts.push(formatDuration(state.durationMs));
  if (state && state.attempts > 1) parts.push(`${state.attempts} attempts`);
  return parts.join(" · ");
}

/** A smooth path through dagre's edge points (quadratic segments through the midpoints). */
function smoothPath(points: { x: number; y: number }[]): string {
  if (points.length === 0) return "";
  const f = (n: number) => n.toFixed(1);
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  if (points.length === 2) return `${d} L${f(points[1].x)},${f(points[1].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    const end = i === points.length - 2 ? points[i + 1] : mid;
    d += ` Q${f(points[i].x)},${f(points[i].y)} ${f(end.x)},${f(end.y)}`;
  }
  return d;
}

/** Straight segments with rounded corners, for the Catch edges' right-angled route to the rail. */
function orthogonalPath(points: { x: number; y: number }[], radius = 8): string {
  if (points.length === 0) return "";
  const f = (n: number) => n.toFixed(1);
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(radius, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const towards = (p: { x: number; y: number }, q: { x: number; y: number }) => {
      const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      return { x: p.x + ((q.x - p.x) / len) * r, y: p.y + ((q.y - p.y) / len) * r };
    };
    const inPoint = towards(b, a);
    const outPoint = towards(b, c);
    d += ` L${f(inPoint.x)},${f(inPoint.y)} Q${f(b.x)},${f(b.y)} ${f(outPoint.x)},${f(outPoint.y)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${f(last.x)},${f(last.y)}`;
}
