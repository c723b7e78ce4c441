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

/**
 * The time axis spans the samples, first to last, and at least a minute, so a fresh page shows
 * seconds. uPlot's own range would stretch a single sample to a day ahead, so it is not used.
 */
function dataSpan(xs: ArrayLike<number>): uPlot.Range.MinMax {
  const last = xs.length > 0 ? xs[xs.length - 1] : Date.now() / 1000;
  const first = xs.length > 0 ? xs[0] : last;
  return [Math.min(first, last - 60), last];
}

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
        x: { time: true, range: (u): uPlot.Range.MinMax => dataSpan(u.data[0]) },
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
      hooks: {
        // The span drawn and where its data starts, readable from the page (canvas text is not).
        setScale: [
          (u, key) => {
            if (key !== "x") return;
            container.dataset.xFrom = new Date((u.scales.x.min ?? 0) * 1000).toISOString();
            container.dataset.xTo = new Date((u.scales.x.max ?? 0) * 1000).toISOString();
            const xs = u.data[0];
            if (xs.length > 0) container.dataset.firstSample = new Date(xs[0] * 1000).toISOString();
          },
        ],
      },
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
