import type { ModelInfo, ModelSelection } from "../api/types.ts";
import { h } from "../lib/dom.ts";
import { formatMetric, formatPercent, formatTime } from "../lib/format.ts";
import { METRIC_HELP, parseMetrics } from "./metrics.ts";
import { facts } from "./ui.ts";

/**
 * The active model's backtest accuracy (MASE, wQL per quantile, WAPE, RMSE…), why it was
 * chosen over the other candidates, and every version trained for the customer.
 */
export function modelPanel(info: ModelInfo): HTMLElement {
  const m = parseMetrics(info.model.metrics);
  const selection = parseSelection(info.model.selection);
  const wql = Object.entries(m.wql ?? {}).sort((a, b) => Number(a[0].slice(1)) - Number(b[0].slice(1)));
  return h(
    "div",
    { class: "model-panel" },
    h(
      "section",
      { class: "card" },
      h("h2", null, "Model"),
      facts([
        ["Algorithm", h("strong", null, info.model.algorithm)],
        ["Version", h("code", null, info.model.version)],
        ["Active since", formatTime(info.model.activatedAt)],
        ["Backtest windows", m.backtestWindows === undefined ? null : String(m.backtestWindows)],
      ]),
      h("h3", null, "Accuracy (backtest)"),
      h(
        "dl",
        { class: "metrics-grid" },
        metric("MASE", formatMetric(m.mase), METRIC_HELP.mase),
        metric("wQL (average)", formatMetric(m.averageWql), METRIC_HELP.wql),
        wql.map(([k, v]) =>
          metric(`wQL ${k.toUpperCase()}`, formatMetric(v), `Weighted quantile loss at ${k.toUpperCase()}`),
        ),
        metric("WAPE", formatMetric(m.wape), "Weighted absolute percentage error"),
        metric("RMSE", formatMetric(m.rmse), "Root mean squared error, in the series' units"),
        metric("MAPE", formatMetric(m.mape), "Mean absolute percentage error (undefined at zero readings)"),
        metric("sMAPE", formatMetric(m.smape), "Symmetric mean absolute percentage error"),
        metric("Coverage", formatPercent(m.coverage), "Share of actuals inside the outermost quantile band"),
      ),
      selection.reason ? h("p", { class: "muted" }, "Chosen: ", selection.reason, ".") : null,
      selection.candidates?.length
        ? h(
            "table",
            { class: "data compact candidates-table" },
            h("caption", null, "Candidates"),
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { scope: "col" }, "Model"),
                h("th", { scope: "col", class: "num" }, "Average wQL"),
                h("th", { scope: "col" }, "Note"),
              ),
            ),
            h(
              "tbody",
              null,
              selection.candidates.map((c) =>
                h(
                  "tr",
                  { class: c.alias === info.model.algorithm ? "chosen" : "" },
                  h("td", null, c.alias, c.alias === info.model.algorithm ? " ✓" : ""),
                  h("td", { class: "num" }, formatMetric(c.score)),
                  h("td", { class: "muted small" }, c.error ?? c.pruned ?? ""),
                ),
              ),
            ),
          )
        : null,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, "Versions"),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data compact versions-table" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, "Version"),
              h("th", { scope: "col" }, "Algorithm"),
              h("th", { scope: "col" }, "Trained"),
              h("th", { scope: "col", class: "num" }, "MASE"),
              h("th", { scope: "col", class: "num" }, "wQL"),
            ),
          ),
          h(
            "tbody",
            null,
            info.versions.map((v) => {
              const vm = parseMetrics(v.metrics);
              return h(
                "tr",
                { class: v.active ? "chosen" : "" },
                h(
                  "td",
                  { class: "mono small" },
                  v.version,
                  v.active ? h("span", { class: "badge", "data-status": "SUCCEEDED" }, "active") : null,
                ),
                h("td", null, v.algorithm),
                h("td", { class: "nowrap" }, formatTime(v.createdAt)),
                h("td", { class: "num" }, formatMetric(vm.mase)),
                h("td", { class: "num" }, formatMetric(vm.averageWql)),
              );
            }),
          ),
        ),
      ),
    ),
  );
}

function metric(label: string, value: string, help: string): HTMLElement {
  return h("div", { title: help }, h("dt", null, label), h("dd", null, value));
}

function parseSelection(selection: ModelSelection | string | null): ModelSelection {
  if (!selection) return {};
  if (typeof selection === "string") {
    try {
      return JSON.parse(selection) as ModelSelection;
    } catch {
      return {};
    }
  }
  return selection;
}
