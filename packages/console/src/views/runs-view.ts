import { RUN_STATUSES, type DatasetInfo, type RunPage, type RunSummary } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { type Child, h, replace } from "../lib/dom.ts";
import { baseName, elapsedMs, formatBytes, formatCount, formatDuration, formatTime } from "../lib/format.ts";
import { poll } from "../lib/poller.ts";
import { emptyRow, errorNotice, isFinal, pageHeading, setCell, statusBadge } from "./ui.ts";

const PAGE = 50;
const POLL_MS = 2000;

interface Column {
  label: string;
  numeric?: boolean;
  render(run: RunSummary, now: number): Child;
}

const COLUMNS: Column[] = [
  { label: "Status", render: (r) => statusBadge(r.status) },
  {
    label: "Run",
    render: (r) => h("a", { href: href({ name: "run", runId: r.runId }), class: "mono" }, r.runId),
  },
  {
    label: "Dataset",
    render: (r) => h("a", { href: href({ name: "customers", dataset: r.dataset }) }, r.dataset),
  },
  {
    label: "File",
    render: (r) =>
      h(
        "span",
        { title: r.input.key },
        baseName(r.input.key),
        h("span", { class: "muted" }, ` · ${formatBytes(r.input.size)}`),
      ),
  },
  { label: "Started", render: (r) => formatTime(r.startedAt) },
  { label: "Duration", numeric: true, render: (r, now) => formatDuration(elapsedMs(r, now)) },
  { label: "Trained", numeric: true, render: (r) => trainedCell(r) },
  { label: "Failed", numeric: true, render: (r) => formatCount(r.counts.customersFailed) },
  { label: "Quarantined rows", numeric: true, render: (r) => quarantinedCell(r) },
];

function trainedCell(run: RunSummary): Child {
  const progress = run.counts.trainProgress;
  if (run.status === "RUNNING" && progress && progress.done < progress.total) {
    return h(
      "span",
      { class: "progress-cell" },
      h("progress", {
        max: progress.total,
        value: progress.done,
        "aria-label": `training ${progress.done} of ${progress.total}`,
      }),
      ` ${progress.done}/${progress.total}`,
    );
  }
  // A re-forecast run fits nothing: it counts the customers whose forecast changed instead.
  const reforecast = run.counts.customersReforecast;
  if (reforecast !== undefined)
    return h(
      "span",
      {
        title: `Re-forecast (${run.counts.reforecast ?? "new related fields"}): ${formatCount(
          run.counts.customersUnchanged,
        )} unchanged, ${formatCount(run.counts.customersKept)} kept`,
      },
      `${formatCount(reforecast)} re-forecast`,
    );
  const trained = run.counts.customersTrained;
  const total = run.counts.customers;
  if (trained === undefined) return total === undefined ? "—" : `0 of ${formatCount(total)}`;
  return total === undefined ? formatCount(trained) : `${formatCount(trained)} of ${formatCount(total)}`;
}

function quarantinedCell(run: RunSummary): Child {
  const n = run.counts.rows?.quarantined;
  if (n === undefined) return "—";
  const reasons = Object.entries(run.counts.quarantined ?? {}).map(
    ([reason, count]) => `${reason}: ${count}`,
  );
  return h(
    "span",
    { title: reasons.join("\n") || "no rows quarantined", class: n > 0 ? "warn-text" : "" },
    formatCount(n),
  );
}

/**
 * The run list, refreshed every two seconds: what each upload became, how far it got and what
 * it cost in quarantined rows. Rows are updated in place, cell by cell.
 */
export function runsView(ctx: ViewContext): View {
  let limit = PAGE;
  const dataset = h(
    "select",
    { id: "runs-dataset", onchange: () => poller.refresh() },
    h("option", { value: "" }, "All datasets"),
  );
  const status = h(
    "select",
    { id: "runs-status", onchange: () => poller.refresh() },
    h("option", { value: "" }, "Any status"),
    RUN_STATUSES.map((s) => h("option", { value: s }, s.toLowerCase().replace("_", " "))),
  );
  const updated = h("span", { class: "muted live-dot" }, "Loading…");
  const message = h("div");
  const tbody = h("tbody");
  const more = h(
    "button",
    {
      type: "button",
      class: "secondary",
      hidden: true,
      onclick: () => {
        limit = Math.min(1000, limit + PAGE);
        poller.refresh();
      },
    },
    "Show older runs",
  );
  const rows = new Map<string, { tr: HTMLTableRowElement; cells: HTMLTableCellElement[] }>();

  const el = h(
    "section",
    { class: "page" },
    pageHeading("Runs", updated),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "runs-dataset" }, "Dataset"),
      dataset,
      h("label", { for: "runs-status" }, "Status"),
      status,
    ),
    message,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data runs-table" },
        h("caption", { class: "sr-only" }, "Pipeline runs, newest first"),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            COLUMNS.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : "" }, c.label)),
          ),
        ),
        tbody,
      ),
    ),
    more,
  );

  void ctx.api
    .get<{ datasets: DatasetInfo[] }>("/v1/datasets")
    .then(({ datasets }) =>
      dataset.append(...datasets.map((d) => h("option", { value: d.dataset }, d.dataset))),
    )
    .catch(() => {});

  function render(page: RunPage): void {
    const now = Date.now();
    if (page.runs.length === 0) {
      rows.clear();
      replace(
        tbody,
        emptyRow(
          COLUMNS.length,
          dataset.value || status.value ? "No runs match these filters." : "No runs yet. ",
          dataset.value || status.value
            ? ""
            : h("a", { href: href({ name: "upload" }) }, "Upload a data file"),
          dataset.value || status.value ? "" : " or drop one into the bucket's raw/ folder to start one.",
        ),
      );
    } else {
      const order: HTMLTableRowElement[] = [];
      const seen = new Set<string>();
      for (const run of page.runs) {
        let row = rows.get(run.runId);
        if (!row) {
          const cells = COLUMNS.map((c) => h("td", { class: c.numeric ? "num" : "" }));
          row = { tr: h("tr", { "data-run-id": run.runId }, cells), cells };
          rows.set(run.runId, row);
        }
        row.tr.dataset.status = run.status;
        for (const [i, c] of COLUMNS.entries()) setCell(row.cells[i], c.render(run, now));
        order.push(row.tr);
        seen.add(run.runId);
      }
      for (const id of rows.keys()) if (!seen.has(id)) rows.delete(id);
      const current = [...tbody.children];
      if (current.length !== order.length || current.some((tr, i) => tr !== order[i]))
        tbody.replaceChildren(...order);
    }
    more.hidden = page.nextCursor === null || limit >= 1000;
    updated.textContent = `Live · updated ${formatTime(new Date(now).toISOString()).slice(11)}`;
  }

  const poller = poll(
    async () => {
      const page = await ctx.api.get<RunPage>("/v1/runs", {
        limit,
        dataset: dataset.value,
        status: status.value,
      });
      replace(message);
      render(page);
    },
    POLL_MS,
    (e) => {
      replace(message, errorNotice(e, ctx.access));
      if (isFinal(e)) poller.stop();
    },
  );
  return { title: "Runs", el, dispose: () => poller.stop() };
}
