import uPlot from "uplot";
import type { ForecastPoint, HistoryPoint } from "../api/types.ts";
import { s } from "../lib/dom.ts";
import { formatCount, formatMetric } from "../lib/format.ts";
import {
  type AlignedAnomalies,
  type AnomalySpan,
  alignAnomalies,
  anomalyReadout,
  anomalySpans,
} from "./anomaly-series.ts";
import { chartAxes, cssVar, fitWidth } from "./chart-theme.ts";
import { type AlignedForecast, alignSeries, keyLabel } from "./forecast-series.ts";

export interface ForecastChartData {
  /** Readings; with the `anomalies` option, flagged ones (`anomaly: true`, `score`) are marked. */
  history: readonly HistoryPoint[];
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
  /**
   * Mark the history's flagged readings: a red ring on each, a shaded span over each run of
   * consecutive ones, and an "Anomalies" legend entry whose readout names the score.
   */
  anomalies?: boolean;
  height?: number;
}

const HEIGHT = 320;
/** Radius of an anomaly's ring, in CSS pixels. */
const RING = 4;

/**
 * History, the published forecast with its P10–P90 band, an optional live prediction with its
 * own band, and (for a past version's forecast) the actuals that came later, on one uPlot time
 * chart. The legend names every line and band edge, and its
 * values follow the cursor. With `anomalies`, the history's flagged readings are ringed in red
 * with each run of them shaded, and the legend reads out the score of the one under the cursor.
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

    // Flagged readings: a series of their values, for the legend's readout and key; the rings
    // and spans themselves are SVG over and under the canvas (drawAnomalies), one element each.
    let anomalies: { marks: AlignedAnomalies; spans: AnomalySpan[]; series: number } | null = null;
    const marks =
      options.anomalies && options.history !== false ? alignAnomalies(aligned.xs, data.history) : null;
    container.dataset.anomalies = String(marks?.count ?? 0);
    if (marks && marks.count > 0) {
      anomalies = { marks, spans: anomalySpans(data.history), series: series.length };
      series.push({
        label: "Anomalies",
        class: "anomaly-series",
        stroke: cssVar("--chart-anomaly", "#dc2626"),
        width: 1.5,
        paths: () => null,
        points: { show: false },
        value: (_u, _v, _si, idx) => {
          if (idx === null) return `${formatCount(marks.count)} flagged`;
          const score = marks.scores[idx];
          return score === null ? "—" : anomalyReadout(score);
        },
      });
      columns.push(marks.values);
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
        hooks: anomalies ? { draw: [(u) => anomalies && drawAnomalies(u, aligned.xs, anomalies)] } : {},
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

/** An SVG layer filling the plot area of `parent` (uPlot's .u-over or .u-under), made once. */
function layer(parent: HTMLElement, className: string): SVGSVGElement {
  const found = parent.querySelector<SVGSVGElement>(`svg.${className}`);
  if (found) return found;
  const svg = s("svg", { class: `anomaly-layer ${className}`, "aria-hidden": "true", focusable: "false" });
  parent.appendChild(svg);
  return svg;
}

/**
 * Rings on the flagged readings over the lines, and the runs' shaded spans under them, at the
 * current scales: uPlot fires `draw` after every redraw (resize, zoom, a series toggled in the
 * legend), so they follow the plot. Only what lies in the plot area is drawn; nothing when the
 * legend's "Anomalies" entry is switched off.
 */
function drawAnomalies(
  u: uPlot,
  xs: readonly number[],
  anomalies: { marks: AlignedAnomalies; spans: AnomalySpan[]; series: number },
): void {
  const rings = layer(u.over, "anomaly-marks");
  const shades = layer(u.under, "anomaly-spans");
  rings.replaceChildren();
  shades.replaceChildren();
  if (!u.series[anomalies.series]?.show) return;
  const width = u.bbox.width / uPlot.pxRatio;
  const height = u.bbox.height / uPlot.pxRatio;
  for (const span of anomalies.spans) {
    const left = Math.max(0, u.valToPos(span.start, "x"));
    const right = Math.min(width, u.valToPos(span.end, "x"));
    if (!(right > left)) continue;
    shades.appendChild(
      s("rect", {
        class: "anomaly-span",
        x: left.toFixed(1),
        y: 0,
        width: Math.max(1, right - left).toFixed(1),
        height: height.toFixed(1),
        "data-count": span.count,
      }),
    );
  }
  const { values, scores } = anomalies.marks;
  for (let i = 0; i < xs.length; i++) {
    const value = values[i];
    if (value === null) continue;
    const x = u.valToPos(xs[i], "x");
    const y = u.valToPos(value, "y");
    if (x < -RING || x > width + RING || y < -RING || y > height + RING) continue;
    const score = scores[i];
    rings.appendChild(
      s("circle", {
        class: "anomaly-marker",
        cx: x.toFixed(1),
        cy: y.toFixed(1),
        r: RING,
        "data-score": score === null || Number.isNaN(score) ? null : score,
      }),
    );
  }
}
