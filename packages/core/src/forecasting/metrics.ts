import { quantileKey, type ModelMetrics } from "../models/model.ts";

/** Backtest outcome: pairs of actuals and forecasts, with forecast quantiles per pair. */
export interface BacktestPoints {
  actual: number[];
  mean: number[];
  /** quantile level → forecast values aligned with `actual`. */
  quantiles: Map<number, number[]>;
}

/**
 * The accuracy metrics Amazon Forecast reports (WAPE, RMSE, wQL, average wQL) plus MAPE,
 * sMAPE, MASE and interval coverage. `scale` is MASE's denominator: the in-sample mean absolute
 * error of the seasonal naive forecast (Hyndman & Koehler 2006).
 */
export function computeMetrics(points: BacktestPoints, scale: number, windows: number): ModelMetrics {
  const { actual, mean } = points;
  const n = actual.length;
  let absErr = 0;
  let absActual = 0;
  let sqErr = 0;
  let ape = 0;
  let apeCount = 0;
  let sape = 0;
  let sapeCount = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i] - mean[i];
    absErr += Math.abs(e);
    absActual += Math.abs(actual[i]);
    sqErr += e * e;
    if (actual[i] !== 0) {
      ape += Math.abs(e / actual[i]);
      apeCount++;
    }
    const denom = Math.abs(actual[i]) + Math.abs(mean[i]);
    if (denom > 0) {
      sape += (2 * Math.abs(e)) / denom;
      sapeCount++;
    }
  }
  const wql: Record<string, number | null> = {};
  const losses: number[] = [];
  for (const [q, forecast] of points.quantiles) {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const d = actual[i] - forecast[i];
      loss += d >= 0 ? q * d : (q - 1) * d;
    }
    // Amazon Forecast's wQL: 2 × pinball loss / sum of |actuals|.
    const value = absActual > 0 ? (2 * loss) / absActual : null;
    wql[quantileKey(q)] = value;
    if (value !== null) losses.push(value);
  }
  const levels = [...points.quantiles.keys()].sort((a, b) => a - b);
  let coverage: number | null = null;
  if (levels.length >= 2 && n > 0) {
    const lo = points.quantiles.get(levels[0])!;
    const hi = points.quantiles.get(levels[levels.length - 1])!;
    let inside = 0;
    for (let i = 0; i < n; i++) if (actual[i] >= lo[i] && actual[i] <= hi[i]) inside++;
    coverage = inside / n;
  }
  const nullIfEmpty = (v: number, count: number) => (count > 0 && Number.isFinite(v) ? v : null);
  return {
    wape: absActual > 0 ? absErr / absActual : null,
    mape: nullIfEmpty(ape / apeCount, apeCount),
    smape: nullIfEmpty(sape / sapeCount, sapeCount),
    mase: n > 0 && scale > 0 ? absErr / n / scale : null,
    rmse: nullIfEmpty(Math.sqrt(sqErr / n), n),
    wql,
    averageWql: losses.length > 0 ? losses.reduce((a, b) => a + b, 0) / losses.length : null,
    coverage,
    backtestWindows: windows,
  };
}

/** Mean absolute error of the in-sample seasonal naive forecast with period `m` (MASE scale). */
export function naiveScale(y: Float64Array, m: number): number {
  const period = Math.max(1, Math.round(m));
  let sum = 0;
  let count = 0;
  for (let i = period; i < y.length; i++) {
    const d = y[i] - y[i - period];
    if (Number.isFinite(d)) {
      sum += Math.abs(d);
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}
