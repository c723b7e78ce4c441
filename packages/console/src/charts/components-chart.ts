import uPlot from "uplot";
import type { ExplainedPoint } from "../api/types.ts";
import { formatMetric } from "../lib/format.ts";
import { chartAxes, cssVar, fitWidth } from "./chart-theme.ts";
import { componentColumns, componentLabel } from "./components-series.ts";

const HEIGHT = 260;

/** Distinct hues readable on the light and the dark surface; a CSS property can override each. */
const PALETTE = ["#0b5cad", "#c2410c", "#1d7a1d", "#7c3aed", "#b8860b", "#0e7490", "#be185d", "#4a5560"];

export interface ComponentsChart {
  destroy(): void;
}

/**
 * The forecast's named contributions (trend, daily and weekly shape, each related field, the
 * holidays) as one line each over the horizon. Lines rather than stacked areas: contributions
 * can be negative, and a line shows a driver's own size and sign.
 */
export function mountComponentsChart(
  container: HTMLElement,
  points: readonly ExplainedPoint[],
): ComponentsChart {
  const { xs, names, columns } = componentColumns(points);
  const value = (_: uPlot, v: number | null) => (v === null ? "—" : formatMetric(v, 2));
  const axes = chartAxes();
  const plot = new uPlot(
    {
      width: Math.max(320, container.clientWidth),
      height: HEIGHT,
      series: [
        { label: "Time" },
        ...names.map((name, i) => ({
          label: componentLabel(name),
          stroke: cssVar(`--chart-component-${i + 1}`, PALETTE[i % PALETTE.length]),
          width: 2,
          value,
        })),
      ],
      scales: { x: { time: true } },
      axes: [{ ...axes }, { ...axes, size: 56 }],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
    },
    [xs, ...columns] as uPlot.AlignedData,
    container,
  );
  const stopFit = fitWidth(container, (width) => plot.setSize({ width, height: HEIGHT }));
  return {
    destroy() {
      stopFit();
      plot.destroy();
    },
  };
}
