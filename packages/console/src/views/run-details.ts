import type { RunCounts, RunDetail, StateSummary } from "../api/types.ts";
import { STATUS_LABELS } from "../graph/render-state-graph.ts";
import type { NodeStatus } from "../graph/node-status.ts";
import type { AslDocument } from "../graph/state-graph.ts";
import { href } from "../app/router.ts";
import { type Child, h } from "../lib/dom.ts";
import { formatCount, formatDuration, formatTime } from "../lib/format.ts";
import { facts, statusBadge } from "./ui.ts";

/**
 * The states table: one row per state in document order with its latest attempt's timings,
 * the number of attempts (retries show as more than one), its result summary and its error.
 * States not reached yet are listed greyed out; the failure path only when it was taken.
 */
export function statesTable(
  asl: AslDocument,
  run: RunDetail,
  statuses: Map<string, NodeStatus>,
  catchPath: Set<string>,
): HTMLElement {
  const recorded = new Map(run.states.map((s) => [s.name, s]));
  const rows = Object.keys(asl.States)
    .filter((name) => recorded.has(name) || !catchPath.has(name) || statuses.get(name) !== "NOT_RUN")
    .map((name) => stateRow(name, recorded.get(name), statuses.get(name) ?? "NOT_RUN"));
  return h(
    "table",
    { class: "data states-table" },
    h("caption", { class: "sr-only" }, "States of this run"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["State", "Status", "Started", "Duration", "Attempts", "Result"].map((c) =>
          h("th", { scope: "col" }, c),
        ),
      ),
    ),
    h("tbody", null, rows),
  );
}

function stateRow(name: string, state: StateSummary | undefined, status: NodeStatus): HTMLTableRowElement {
  return h(
    "tr",
    { id: `state-${name}`, tabindex: -1, "data-status": status },
    h("th", { scope: "row" }, name),
    h("td", null, statusBadge(status, STATUS_LABELS[status])),
    h(
      "td",
      { class: "nowrap", title: state ? formatTime(state.startedAt) : "" },
      state ? formatTime(state.startedAt).slice(11) : "—",
    ),
    h("td", { class: "num nowrap" }, state ? formatDuration(state.durationMs) : "—"),
    h(
      "td",
      {
        class: "num",
        title:
          state && state.attempts > 1
            ? `${state.attempts - 1} retr${state.attempts === 2 ? "y" : "ies"}`
            : "",
      },
      state ? String(state.attempts) : "—",
    ),
    h(
      "td",
      { class: "summary" },
      state?.error ? h("p", { class: "state-error" }, h("strong", null, "Error: "), state.error) : null,
      state ? summaryList(state.summary) : null,
    ),
  );
}

/** A state's result summary as `key value` lines; nested objects are flattened one level. */
function summaryList(summary: Record<string, unknown>): Child {
  const entries = Object.entries(summary ?? {});
  if (entries.length === 0) return null;
  return h(
    "ul",
    { class: "kv" },
    entries.map(([k, v]) => {
      const text = valueText(v);
      return h(
        "li",
        null,
        h("span", { class: "k" }, k),
        " ",
        h("span", { title: text.length > 80 ? text : "" }, truncate(text, 80)),
      );
    }),
  );
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return formatCount(v);
  if (typeof v === "string" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.every((x) => typeof x !== "object") ? v.join(", ") : `${v.length} items`;
  const inner = Object.entries(v as Record<string, unknown>);
  if (inner.length === 0) return "none";
  return inner
    .map(([k, x]) => `${k} ${typeof x === "object" && x !== null ? JSON.stringify(x) : valueText(x)}`)
    .join(" · ");
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * What the run did to the data: rows read, kept and quarantined (by reason), and customers
 * trained, failed and published, as the pipeline merged them into the run's counts.
 */
export function countsPanel(counts: RunCounts, running: boolean, dataset: string): HTMLElement {
  const rows = counts.rows;
  const progress = counts.trainProgress;
  const reasons = Object.entries(counts.quarantined ?? {}).sort((a, b) => b[1] - a[1]);
  return h(
    "div",
    { class: "counts" },
    h(
      "div",
      null,
      h("h3", null, "Rows"),
      facts([
        ["Read", formatCount(rows?.in)],
        ["Kept", formatCount(rows?.out)],
        ["Quarantined", formatCount(rows?.quarantined)],
      ]),
    ),
    h(
      "div",
      null,
      h("h3", null, "Customers"),
      facts([
        ["In the file", formatCount(counts.customers)],
        [
          "Trained",
          progress && progress.done < progress.total
            ? h(
                "span",
                null,
                h("progress", { max: progress.total, value: progress.done }),
                ` ${progress.done} of ${progress.total}`,
              )
            : formatCount(counts.customersTrained),
        ],
        ["Failed", formatCount(counts.customersFailed)],
        ["Published", formatCount(counts.customersPublished)],
      ]),
      trainFailuresTable(counts, dataset),
    ),
    h(
      "div",
      null,
      h("h3", null, "Quarantine by reason"),
      reasons.length === 0
        ? h(
            "p",
            { class: "muted" },
            rows
              ? "No rows quarantined."
              : running
                ? "Not known until Preprocess finishes."
                : "Preprocess did not finish: see the error above.",
          )
        : h(
            "table",
            { class: "data compact quarantine-table" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { scope: "col" }, "Reason"),
                h("th", { scope: "col", class: "num" }, "Rows"),
              ),
            ),
            h(
              "tbody",
              null,
              reasons.map(([reason, n]) =>
                h("tr", null, h("td", { class: "mono" }, reason), h("td", { class: "num" }, formatCount(n))),
              ),
            ),
          ),
      counts.quarantineKey
        ? h(
            "p",
            { class: "muted small" },
            "Quarantined rows are kept at ",
            h("code", null, counts.quarantineKey),
            ".",
          )
        : null,
    ),
  );
}

/** Customers that failed to train, each linked to its page (which still shows its previous model). */
function trainFailuresTable(counts: RunCounts, dataset: string): HTMLElement | null {
  const failures = counts.trainFailures ?? [];
  if (failures.length === 0) return null;
  return h(
    "table",
    { class: "data compact train-failures" },
    h(
      "thead",
      null,
      h("tr", null, h("th", { scope: "col" }, "Failed customer"), h("th", { scope: "col" }, "Why")),
    ),
    h(
      "tbody",
      null,
      failures.map((f) =>
        h(
          "tr",
          null,
          h(
            "td",
            null,
            h(
              "a",
              { href: href({ name: "customer", dataset, customerId: f.customerId }), class: "mono" },
              f.customerId,
            ),
          ),
          h("td", null, truncate(f.error, 200)),
        ),
      ),
    ),
  );
}
