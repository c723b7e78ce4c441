import type { HistogramBin } from "../api/types.ts";
import { h } from "../lib/dom.ts";
import { formatCount } from "../lib/format.ts";
import { histogramBars } from "./histogram-bins.ts";

/**
 * A histogram as CSS bars: one column per bin with its count above and its range below. The
 * numbers are text, so the figure reads the same to a screen reader as on screen.
 */
export function histogramChart(
  bins: HistogramBin[],
  options: { id: string; caption: string; unit: string },
): HTMLElement {
  return h(
    "figure",
    { class: "histogram", id: options.id },
    h(
      "ol",
      { class: "hist-bars" },
      histogramBars(bins).map((bar, i) =>
        h(
          "li",
          {
            class: "hist-bin",
            "data-bin": i,
            "data-customers": bar.customers,
            title: `${formatCount(bar.customers)} ${options.unit}, ${bar.label}`,
          },
          h("span", { class: "hist-count" }, formatCount(bar.customers)),
          h(
            "span",
            { class: "hist-track", "aria-hidden": "true" },
            h("span", {
              class: "hist-bar",
              style: `height: ${bar.customers > 0 ? Math.max(2, 100 * bar.height).toFixed(1) : 0}%`,
            }),
          ),
          h("span", { class: "hist-label" }, h("span", { class: "sr-only" }, `${options.unit}, `), bar.label),
        ),
      ),
    ),
    h("figcaption", { class: "muted small" }, options.caption),
  );
}
