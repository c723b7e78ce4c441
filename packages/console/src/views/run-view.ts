import { STATE_MACHINE } from "@myriad/core/pipeline/state-machine";
import { seg } from "../api/client.ts";
import type { RunDetail } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { renderStateGraph, STATUS_LABELS } from "../graph/render-state-graph.ts";
import { type NodeStatus, nodeStatuses } from "../graph/node-status.ts";
import { layoutStateMachine } from "../graph/graph-layout.ts";
import type { AslDocument } from "../graph/state-graph.ts";
import { h, replace } from "../lib/dom.ts";
import { baseName, elapsedMs, formatBytes, formatDuration, formatTime } from "../lib/format.ts";
import { poll } from "../lib/poller.ts";
import { quarantineLink } from "./quarantine-link.ts";
import { countsPanel, statesTable } from "./run-details.ts";
import { errorNotice, facts, isFinal, pageHeading, setCell, statusBadge } from "./ui.ts";

const ASL: AslDocument = STATE_MACHINE;
/** The layout depends only on the document: computed once for every run page. */
let layoutCache: ReturnType<typeof layoutStateMachine> | undefined;
const POLL_MS = 2000;
const LEGEND: NodeStatus[] = ["SUCCEEDED", "RUNNING", "CAUGHT", "FAILED", "NOT_RUN"];

/**
 * One run as the Step Functions console shows an execution: the state machine drawn from the
 * same ASL document the runner executed, coloured by each state's status, beside a table of
 * timings, attempts, results and errors, plus what the run did to the data. Polls while running.
 */
export function runView(ctx: ViewContext, runId: string): View {
  layoutCache ??= layoutStateMachine(ASL);
  const layout = layoutCache;
  const catchPath = new Set(layout.nodes.filter((n) => n.catchPath).map((n) => n.id));
  const badge = h("span");
  const message = h("div");
  const failure = h("div");
  const summary = h("div");
  const states = h("div", { class: "table-wrap" });
  const counts = h("div");
  const graph = renderStateGraph(ASL, layout, (state) => focusState(state));

  function focusState(state: string): void {
    const row = document.getElementById(`state-${state}`);
    if (!row) return;
    row.scrollIntoView({ block: "nearest", behavior: "smooth" });
    row.focus({ preventScroll: true });
    row.classList.remove("flash");
    void row.offsetWidth;
    row.classList.add("flash");
  }

  const el = h(
    "section",
    { class: "page run-page" },
    h(
      "p",
      { class: "crumbs" },
      h("a", { href: href({ name: "runs" }) }, "Runs"),
      " / ",
      h("span", { class: "mono" }, runId),
    ),
    pageHeading(`Run ${runId}`, badge),
    message,
    failure,
    summary,
    h(
      "div",
      { class: "run-grid" },
      h(
        "figure",
        { class: "card graph-card" },
        h("figcaption", null, h("h2", null, "Graph")),
        h("div", { class: "graph-scroll" }, graph.el),
        h(
          "ul",
          { class: "legend", "aria-label": "Graph legend" },
          LEGEND.map((s) =>
            h(
              "li",
              { "data-status": s },
              h("span", { class: "swatch", "aria-hidden": "true" }),
              STATUS_LABELS[s],
            ),
          ),
          h(
            "li",
            { class: "legend-catch" },
            h("span", { class: "swatch", "aria-hidden": "true" }),
            "Catch path",
          ),
        ),
      ),
      h("div", { class: "card" }, h("h2", null, "States"), states),
    ),
    h("section", { class: "card" }, h("h2", null, "Data"), counts),
  );

  function render(run: RunDetail): void {
    setCell(badge, statusBadge(run.status));
    graph.update(run);
    const statuses = nodeStatuses(ASL, run);
    setCell(states, statesTable(ASL, run, statuses, catchPath));
    // A run whose every row was bad fails in Preprocess before its counts name the file, yet wrote it.
    const quarantined = run.counts.quarantineKey || run.error === "no_valid_rows";
    setCell(
      counts,
      countsPanel(
        run.counts,
        run.status === "RUNNING",
        run.dataset,
        quarantined ? quarantineLink(ctx.api, run.runId, run.counts.rows?.quarantined) : null,
      ),
    );
    setCell(
      summary,
      facts([
        ["Dataset", h("a", { href: href({ name: "customers", dataset: run.dataset }) }, run.dataset)],
        [
          "Input",
          h(
            "span",
            { title: run.input.key },
            h("code", null, baseName(run.input.key)),
            ` · ${formatBytes(run.input.size)}`,
          ),
        ],
        ["Started", formatTime(run.startedAt)],
        ["Stopped", run.stoppedAt ? formatTime(run.stoppedAt) : "still running"],
        ["Duration", formatDuration(elapsedMs(run))],
        [
          "Execution",
          run.consoleUrl?.startsWith("https://")
            ? h(
                "a",
                { href: run.consoleUrl, target: "_blank", rel: "noopener noreferrer" },
                "Open in the AWS Step Functions console ↗",
              )
            : "Embedded runner (this machine)",
        ],
      ]),
    );
    setCell(
      failure,
      run.error || run.cause
        ? h(
            "div",
            { class: "notice notice-error", role: "status" },
            h("p", null, h("strong", null, "Error: "), h("code", null, run.error ?? "unknown")),
            run.cause ? h("pre", { class: "cause" }, prettyCause(run.cause)) : null,
          )
        : null,
    );
  }

  const poller = poll(
    async () => {
      const run = await ctx.api.get<RunDetail>(`/v1/runs/${seg(runId)}`);
      replace(message);
      render(run);
      return run.status === "RUNNING";
    },
    POLL_MS,
    (e) => {
      replace(message, errorNotice(e, ctx.access));
      if (isFinal(e)) poller.stop();
    },
  );
  return { title: `Run ${runId}`, el, dispose: () => poller.stop() };
}

/** Step Functions causes are often JSON (`{"errorMessage":…}`): indent them to be readable. */
function prettyCause(cause: string): string {
  try {
    return JSON.stringify(JSON.parse(cause), null, 2);
  } catch {
    return cause;
  }
}
