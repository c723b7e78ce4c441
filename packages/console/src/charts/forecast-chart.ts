import uPlot from "uplot";
import type { ForecastPoint } from "../api/types.ts";
import { formatMetric } from "../lib/format.ts";
import { chartAxes, cssVar, fitWidth } from "./chart-theme.ts";
import { type AlignedForecast, alignSeries, keyLabel } from "./forecast-series.ts";

export interface ForecastChartData {
  history: readonly { timestamp: string; value: number }[];
  forecast: readonly ForecastPoint[] | null;
  /** A live prediction from POST .../predict, drawn in its own colour over the forecast. */
  prediction: readonly ForecastPoint[] | null;
  /** The actuals over a past forecast's steps, drawn over it in their own colour. */
  actuals?: readonly { timestamp: string; value: number }[] | null;
}

export interface ForecastChart {
  update(data: ForecastChartData): void;
  destroy(): void;
}

export interface ForecastChartOptions {
  /** Legend names of the lines ("History", "Forecast", "Prediction" and "Actuals" by default). */
  names?: { history?: string; forecast?: string; prediction?: string; actuals?: string };
  /** Leave the history line out (a what-if chart compares two forecasts only). */
  history?: boolean;
  height?: number;
}

const HEIGHT = 320;

/**
 * History, the published forecast with its P10–P90 band, an optional live prediction with its
 * own band, and (for a past version's forecast) the actuals that came later, on one uPlot time
 * chart. The legend names every line and band edge, and its
 * values follow the cursor.
 */
export function mountForecastChart(
  container: HTMLElement,
  initial: ForecastChartData,
  options: ForecastChartOptions = {},
): ForecastChart {
  const height = options.height ?? HEIGHT;
  let plot: uPlot | undefined;
  let width = Math.max(320, container.clientWidth);

  function draw(data: ForecastChartData): void {
    plot?.destroy();
    const aligned = alignSeries(data.history, data.forecast, data.prediction, data.actuals ?? null);
    const series: uPlot.Series[] = [{ label: "Time" }];
    const columns: (number | null)[][] = [];
    const bands: uPlot.Band[] = [];
    const value = (_: uPlot, v: number | null) => (v === null ? "—" : formatMetric(v, 2));

    if (options.history !== false) {
      series.push({
        label: options.names?.history ?? "History",
        stroke: cssVar("--chart-history", "#4a5560"),
        width: 1.5,
        value,
      });
      columns.push(aligned.history);
    }

    function addForecast(name: string, f: AlignedForecast | null, color: string, fill: string): void {
      if (!f) return;
      series.push({ label: `${name} ${keyLabel(f.keys.center)}`, stroke: color, width: 2, value });
      columns.push(f.center);
      if (f.lower && f.upper && f.keys.lower && f.keys.upper) {
        const upperIdx = series.length;
        series.push({
          label: `${name} ${keyLabel(f.keys.upper)}`,
          stroke: color,
          width: 0.75,
          dash: [4, 3],
          value,
        });
        columns.push(f.upper);
        series.push({
          label: `${name} ${keyLabel(f.keys.lower)}`,
          stroke: color,
          width: 0.75,
          dash: [4, 3],
          value,
        });
        columns.push(f.lower);
        bands.push({ series: [upperIdx, upperIdx + 1], fill });
      }
    }
    addForecast(
      options.names?.forecast ?? "Forecast",
      aligned.forecast,
      cssVar("--chart-forecast", "#0b5cad"),
      cssVar("--chart-forecast-band", "rgba(11,92,173,0.16)"),
    );
    addForecast(
      options.names?.prediction ?? "Prediction",
      aligned.prediction,
      cssVar("--chart-predict", "#c2410c"),
      cssVar("--chart-predict-band", "rgba(194,65,12,0.14)"),
    );
    // Last, so the actuals are drawn over the forecast they are compared with.
    if (aligned.actuals) {
      series.push({
        label: options.names?.actuals ?? "Actuals",
        stroke: cssVar("--chart-actual", "#111827"),
        width: 2,
        points: { show: true, size: 3 },
        value,
      });
      columns.push(aligned.actuals);
    }

    const axes = chartAxes();
    plot = new uPlot(
      {
        width,
        height,
        series,
        bands,
        scales: { x: { time: true } },
        axes: [{ ...axes }, { ...axes, size: 56 }],
        cursor: { drag: { x: true, y: false } },
        legend: { live: true },
      },
      [aligned.xs, ...columns] as uPlot.AlignedData,
      container,
    );
  }

  draw(initial);
  const stopFit = fitWidth(container, (w) => {
    width = w;
    plot?.setSize({ width, height });
  });
  return {
    update: draw,
    destroy() {
      stopFit();
      plot?.destroy();
    },
  };
}
