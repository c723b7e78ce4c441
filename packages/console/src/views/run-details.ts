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
 * What the run did to the data: rows read, kept and quarantined (by reason), history steps
 * replaced or re-sent; customers trained
 * (and of those, refreshed), failed, or for a re-forecast run re-forecast, unchanged and kept;
 * and forecasts published, earlier forecasts scored against the new actuals, drift flagged and
 * the aggregates, as the pipeline merged them into the run's counts. A count a run never
 * reached (or an older run never recorded) is left out rather than shown as a dash.
 * `quarantineDownload` is the link to the quarantined rows, when the run has them.
 */
export function countsPanel(
  counts: RunCounts,
  running: boolean,
  dataset: string,
  quarantineDownload: Child = null,
): HTMLElement {
  const rows = counts.rows;
  const reasons = Object.entries(counts.quarantined ?? {}).sort((a, b) => b[1] - a[1]);
  const reforecast = counts.reforecast !== undefined || counts.customersReforecast !== undefined;
  return h(
    "div",
    { class: "counts" },
    h(
      "div",
      { class: "counts-rows" },
      h("h3", null, "Rows"),
      facts([
        ["Read", formatCount(rows?.in)],
        ["Kept", formatCount(rows?.out)],
        ["Quarantined", formatCount(rows?.quarantined)],
        [
          "Replaced",
          counted(
            counts.readingsReplaced,
            "Steps already in a customer's history that this upload gave another value: the later reading replaced the earlier one",
          ),
        ],
        [
          "Re-sent",
          counted(
            counts.readingsResent,
            "Steps already in a customer's history that this upload sent again with the same value",
          ),
        ],
      ]),
      running && counts.preprocessPending
        ? h("p", { class: "muted small pending" }, `Preprocess is waiting: ${counts.preprocessPending}`)
        : null,
    ),
    reforecast ? reforecastCounts(counts, dataset) : trainCounts(counts, running, dataset),
    forecastCounts(counts, dataset),
    h(
      "div",
      { class: "counts-quarantine" },
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
      quarantineDownload,
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

/** A count with what it means as its tooltip, or nothing when the run did not record it. */
function counted(n: number | undefined, title: string): Child {
  return n === undefined ? null : h("span", { title }, formatCount(n));
}

/** Customers of an upload: in the file, trained (a progress bar while training), refreshed, failed. */
function trainCounts(counts: RunCounts, running: boolean, dataset: string): HTMLElement {
  const progress = counts.trainProgress;
  return h(
    "div",
    { class: "counts-customers" },
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
      [
        "Refreshed",
        counted(
          counts.customersRefreshed,
          "Of those trained, how many kept their algorithm and were refitted rather than selected again",
        ),
      ],
      ["Failed", formatCount(counts.customersFailed)],
    ]),
    running && counts.trainingPending
      ? h("p", { class: "muted small pending" }, `Training is waiting: ${counts.trainingPending}`)
      : null,
    customerTable(
      "train-failures",
      "Failed customer",
      (counts.trainFailures ?? []).map((f) => ({ customerId: f.customerId, why: f.error })),
      dataset,
    ),
  );
}

/**
 * Customers of a re-forecast run (started by a related file, nothing refitted): why, and how
 * many got a new forecast, came out unchanged, or kept theirs because they could not be
 * re-forecast (the first of those listed with the reason).
 */
function reforecastCounts(counts: RunCounts, dataset: string): HTMLElement {
  const progress = counts.trainProgress;
  return h(
    "div",
    { class: "counts-customers counts-reforecast" },
    h("h3", null, "Customers re-forecast"),
    facts([
      ["Cause", counts.reforecast ?? null],
      [
        "Re-forecast",
        progress && progress.done < progress.total
          ? h(
              "span",
              null,
              h("progress", { max: progress.total, value: progress.done }),
              ` ${progress.done} of ${progress.total}`,
            )
          : counted(counts.customersReforecast, "Customers whose forecast changed: a new version each"),
      ],
      ["Unchanged", counted(counts.customersUnchanged, "Forecast the same as before: no new version")],
      [
        "Kept",
        counted(counts.customersKept, "Could not be re-forecast with the new fields: they keep their model"),
      ],
    ]),
    customerTable(
      "reforecast-kept",
      "Kept customer",
      (counts.reforecastKept ?? []).map((k) => ({ customerId: k.customerId, why: k.reason })),
      dataset,
    ),
  );
}

/**
 * What the run published: forecasts, the earlier forecasts it scored against the new actuals
 * and the drift that flagged (linked to the drifted customers), and the dataset's aggregates.
 */
function forecastCounts(counts: RunCounts, dataset: string): HTMLElement {
  const failures = counts.publishFailures ?? [];
  const drifted = counts.driftFlagged;
  return h(
    "div",
    { class: "counts-forecasts" },
    h("h3", null, "Forecasts"),
    facts([
      ["Published", formatCount(counts.customersPublished)],
      [
        "Not published",
        failures.length > 0
          ? h("span", { class: "warn-text", title: failures.join("\n") }, formatCount(failures.length))
          : null,
      ],
      [
        "Scored",
        counted(counts.forecastsScored, "Earlier forecasts scored against the actuals this upload brought"),
      ],
      [
        "Drift flagged",
        drifted === undefined
          ? null
          : drifted > 0
            ? h(
                "a",
                { href: href({ name: "customers", dataset, drift: true }), class: "warn-text" },
                formatCount(drifted),
              )
            : formatCount(drifted),
      ],
      ["Aggregate groups", counted(counts.aggregateGroups, "Totals published over the dataset's groups")],
    ]),
    counts.aggregatesError
      ? h(
          "p",
          { class: "state-error aggregates-error" },
          h("strong", null, "Aggregates failed: "),
          truncate(counts.aggregatesError, 200),
          h("span", { class: "muted" }, " (the customers' forecasts stand)"),
        )
      : null,
  );
}

/** Customers listed with why (failed to train, kept by a re-forecast), each linked to its page. */
function customerTable(
  className: string,
  heading: string,
  entries: { customerId: string; why: string }[],
  dataset: string,
): HTMLElement | null {
  if (entries.length === 0) return null;
  return h(
    "table",
    { class: `data compact ${className}` },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, heading), h("th", { scope: "col" }, "Why"))),
    h(
      "tbody",
      null,
      entries.map((f) =>
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
          h("td", null, truncate(f.why, 200)),
        ),
      ),
    ),
  );
}
