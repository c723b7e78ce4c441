import uPlot from "uplot";
import { chartAxes, fitWidth } from "./chart-theme.ts";

export interface LineSpec {
  label: string;
  color: string;
  /** How the legend writes a value. */
  format: (v: number) => string;
}

export interface TimeChart {
  /** `xs` in Unix seconds; one array per line, null for no sample. */
  setData(xs: number[], lines: (number | null)[][]): void;
  destroy(): void;
}

const HEIGHT = 180;

/** A small live line chart over time, for polled metrics. */
export function mountTimeChart(
  container: HTMLElement,
  lines: LineSpec[],
  options: { yMin?: number; yMax?: number } = {},
): TimeChart {
  const axes = chartAxes();
  const plot = new uPlot(
    {
      width: Math.max(280, container.clientWidth),
      height: HEIGHT,
      series: [
        { label: "Time" },
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 2,
          spanGaps: true,
          points: { show: false },
          value: (_: uPlot, v: number | null) => (v === null ? "—" : l.format(v)),
        })),
      ],
      scales: {
        // At least a minute wide, so a fresh page shows seconds rather than milliseconds.
        x: { time: true, range: (_u, min, max): uPlot.Range.MinMax => [Math.min(min, max - 60), max] },
        y: {
          range: (_u, min, max): uPlot.Range.MinMax => [
            options.yMin ?? Math.min(0, min),
            options.yMax ?? (max > (options.yMin ?? 0) ? max * 1.1 : 1),
          ],
        },
      },
      axes: [
        { ...axes },
        { ...axes, size: 76, values: (_u, splits) => splits.map((v) => lines[0].format(v)) },
      ],
      legend: { live: true },
    },
    [[], ...lines.map(() => [])],
    container,
  );
  const stopFit = fitWidth(container, (width) => plot.setSize({ width, height: HEIGHT }));
  return {
    setData(xs, data) {
      plot.setData([xs, ...data] as uPlot.AlignedData);
    },
    destroy() {
      stopFit();
      plot.destroy();
    },
  };
}
