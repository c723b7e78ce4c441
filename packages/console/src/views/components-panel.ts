import type { ExplainedForecast, ModelDriver } from "../api/types.ts";
import { type ComponentsChart, mountComponentsChart } from "../charts/components-chart.ts";
import { componentColumns, componentLabel } from "../charts/components-series.ts";
import { h } from "../lib/dom.ts";
import { formatMetric } from "../lib/format.ts";

export interface ComponentsPanel {
  el: HTMLElement;
  destroy(): void;
}

/**
 * What the published forecast is made of: each named contribution (trend, daily and weekly
 * shape, related fields, holidays) over the horizon, and the drivers the model used ranked by
 * importance. Null when the forecast carries no breakdown (a cold start, or a model that
 * explains itself as one component).
 */
export function componentsPanel(forecast: ExplainedForecast): ComponentsPanel | null {
  const { names } = componentColumns(forecast.points);
  // No components, or the whole forecast under the algorithm's name: nothing to break down.
  if (names.length === 0 || (names.length === 1 && names[0] === forecast.model.algorithm)) return null;
  const chartBox = h("div", { class: "chart", id: "components-chart" });
  const el = h(
    "section",
    { class: "card components-card", "aria-labelledby": "components-title" },
    h("h2", { id: "components-title" }, "Components"),
    h(
      "figure",
      { class: "chart-figure" },
      chartBox,
      h(
        "figcaption",
        { class: "muted small" },
        `What each part of the ${forecast.model.algorithm} model adds to the forecast, step by step, over `,
        `${forecast.points.length} steps; at every step the ${names.length} components sum to the forecast's mean.`,
      ),
    ),
    driversTable(forecast.model.drivers ?? []),
  );
  let chart: ComponentsChart | undefined;
  let destroyed = false;
  // uPlot measures its container: draw once the panel is in the page.
  requestAnimationFrame(() => {
    if (!destroyed) chart = mountComponentsChart(chartBox, forecast.points);
  });
  return {
    el,
    destroy() {
      destroyed = true;
      chart?.destroy();
    },
  };
}

function driversTable(drivers: readonly ModelDriver[]): HTMLElement {
  if (drivers.length === 0)
    return h("p", { class: "muted drivers-none" }, "This model uses no related fields or holidays.");
  const ranked = [...drivers].sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1));
  const top = Math.max(0, ...ranked.map((d) => d.importance ?? 0));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data compact drivers-table" },
      h("caption", null, "Drivers"),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col" }, "Driver"),
          h("th", { scope: "col" }, "Kind"),
          h(
            "th",
            { scope: "col", class: "num", title: "Mean absolute contribution over the horizon" },
            "Importance",
          ),
          h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Relative importance")),
        ),
      ),
      h(
        "tbody",
        null,
        ranked.map((d) =>
          h(
            "tr",
            { "data-driver": d.name },
            h("th", { scope: "row" }, componentLabel(d.name)),
            h(
              "td",
              { class: "muted small" },
              d.name === "holiday"
                ? "holiday calendar"
                : h("span", null, "related field ", h("code", null, d.name)),
            ),
            h("td", { class: "num" }, formatMetric(d.importance, 2)),
            h(
              "td",
              { class: "importance-cell", "aria-hidden": "true" },
              h("span", {
                class: "importance-bar",
                style: `width: ${top > 0 && d.importance ? Math.max(2, (100 * d.importance) / top).toFixed(1) : 0}%`,
              }),
            ),
          ),
        ),
      ),
    ),
  );
}
