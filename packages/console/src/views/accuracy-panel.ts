import type { CustomerAccuracy, DriftFlag, VersionAccuracy } from "../api/types.ts";
import { h } from "../lib/dom.ts";
import { formatCount, formatMetric, formatPercent, formatTime } from "../lib/format.ts";
import { METRIC_HELP } from "./metrics.ts";
import { driftBadge } from "./ui.ts";

/**
 * The customer's drift verdict under the page heading: a badge, and the reason with its
 * numbers. A flagged model reads as an alert; a steady one as a quiet line.
 */
export function driftVerdict(drift: DriftFlag | null): HTMLElement {
  if (!drift)
    return h(
      "p",
      { class: "drift-verdict muted small" },
      driftBadge(null),
      " No published forecast has been scored against later actuals yet.",
    );
  return h(
    "div",
    {
      class: drift.flagged ? "drift-verdict notice notice-error" : "drift-verdict muted small",
      role: drift.flagged ? "alert" : "status",
    },
    driftBadge(drift),
    " ",
    h("span", { class: "drift-reason" }, drift.reason),
    drift.flagged ? h("span", { class: "muted small" }, ` (flagged ${formatTime(drift.at)})`) : null,
  );
}

/** Realised wQL as a multiple of the backtest's: `1.2×`. */
function ratio(v: VersionAccuracy): string {
  return v.wql !== null && v.backtestWql !== null && v.backtestWql > 0
    ? `${(v.wql / v.backtestWql).toFixed(1)}×`
    : "—";
}

/** Choosing the version drawn below the table: one is selected, a click on a row selects another. */
export interface VersionSelection {
  selected: string;
  onSelect(version: string): void;
  /** What draws the selected version (the forecast-against-actuals chart), under the table. */
  detail: HTMLElement;
}

/**
 * Each past version's published forecast scored against the actuals that came later: WAPE,
 * MASE, wQL beside what the version's backtest promised, and the share inside the band. With a
 * selection, each row selects its version for the chart under the table: a click anywhere on the
 * row, or the version's button from the keyboard.
 */
export function accuracyPanel(accuracy: CustomerAccuracy, selection?: VersionSelection): HTMLElement {
  const flagged = accuracy.drift?.flagged ? accuracy.drift.version : null;
  const rows: HTMLTableRowElement[] = [];
  function mark(version: string): void {
    for (const row of rows) {
      const on = row.getAttribute("data-version") === version;
      row.setAttribute("data-selected", String(on));
      row.querySelector("button.version-select")?.setAttribute("aria-pressed", String(on));
    }
  }
  function choose(version: string): void {
    if (!selection) return;
    mark(version);
    selection.onSelect(version);
  }
  const section = h(
    "section",
    { class: "card accuracy-card", "aria-labelledby": "accuracy-heading" },
    h("h2", { id: "accuracy-heading" }, "Realised accuracy"),
    accuracy.versions.length === 0
      ? h(
          "p",
          { class: "muted accuracy-empty" },
          "No forecast has been scored yet: the next upload that brings actuals for the published horizon scores it.",
        )
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "data compact accuracy-table" },
            h(
              "caption",
              { class: "sr-only" },
              selection
                ? "Realised accuracy of each past version's forecast; choose a version to draw it against its actuals"
                : "Realised accuracy of each past version's forecast",
            ),
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { scope: "col" }, "Version"),
                h("th", { scope: "col" }, "Period"),
                h("th", { scope: "col", class: "num" }, "Points"),
                h("th", { scope: "col", class: "num", title: "Weighted absolute percentage error" }, "WAPE"),
                h("th", { scope: "col", class: "num", title: METRIC_HELP.mase }, "MASE"),
                h("th", { scope: "col", class: "num", title: METRIC_HELP.wql }, "wQL"),
                h(
                  "th",
                  { scope: "col", class: "num", title: "The average wQL the version's backtest promised" },
                  "Backtest wQL",
                ),
                h("th", { scope: "col", class: "num", title: "Realised wQL over the backtest's" }, "Ratio"),
                h(
                  "th",
                  {
                    scope: "col",
                    class: "num",
                    title: "Share of actuals inside the outermost quantile band",
                  },
                  "Coverage",
                ),
              ),
            ),
            h(
              "tbody",
              null,
              accuracy.versions.map((v) => {
                const row = h(
                  "tr",
                  {
                    "data-version": v.version,
                    class: v.version === flagged ? "drifted" : "",
                    onclick: selection ? () => choose(v.version) : undefined,
                  },
                  h(
                    "th",
                    { scope: "row", class: "mono small" },
                    selection
                      ? h(
                          "button",
                          {
                            type: "button",
                            class: "version-select",
                            "aria-pressed": "false",
                            "aria-controls": "past-forecast",
                            title: `Draw version ${v.version}'s forecast against its actuals`,
                          },
                          v.version,
                        )
                      : v.version,
                    v.version === flagged ? driftBadge(accuracy.drift) : null,
                  ),
                  h("td", { class: "nowrap small" }, `${formatTime(v.from)} – ${formatTime(v.to)}`),
                  h("td", { class: "num" }, formatCount(v.points)),
                  h("td", { class: "num" }, formatMetric(v.wape)),
                  h("td", { class: "num" }, formatMetric(v.mase)),
                  h("td", { class: "num realised-wql" }, formatMetric(v.wql)),
                  h("td", { class: "num backtest-wql" }, formatMetric(v.backtestWql)),
                  h("td", { class: "num" }, ratio(v)),
                  h("td", { class: "num" }, formatPercent(v.coverage)),
                );
                rows.push(row);
                return row;
              }),
            ),
          ),
        ),
    accuracy.versions.length > 0 && selection ? selection.detail : null,
  );
  if (selection) mark(selection.selected);
  return section;
}
