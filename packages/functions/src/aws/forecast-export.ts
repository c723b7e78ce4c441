import type { GetAccuracyMetricsResponse } from "@aws-sdk/client-forecast";
import { MODEL_FORMAT, type ModelArtifact } from "@myriad/core/artifact/model-artifact";
import { ERROR_GRID, type ErrorQuantiles } from "@myriad/core/forecasting/conformal";
import type { TrainJob } from "@myriad/core/forecasting/train-job";
import { type ModelMetrics, quantileKey } from "@myriad/core/models/model";
import { addSteps, type Frequency } from "@myriad/core/series/frequency";

/**
 * How an Amazon Forecast export becomes Myriad's registry and forecast rows.
 *
 * The export is CSV with a header, `item_id,date,<type>…`, one column per forecast type:
 * `p10` for quantile 0.1 (Forecast names it by percent), `mean` when the mean was asked for.
 * Each customer (item_id = customer id) becomes an ordinary `model.json` artifact at its model
 * key, so Register, Publish, the endpoint and the API treat it like any other model:
 *
 * - `algorithm` is `AmazonForecast`; `state.mean` is the exported mean (p50 when the mean was
 *   not exported), step by step from the first forecast timestamp;
 * - `errors` holds, for each step and each level of the error grid, the exported quantile
 *   curve (linear between exported levels, flat beyond the outermost) minus the mean, so
 *   `forecastArtifact` reproduces the exported p10/p50/p90 exactly and interpolates others;
 * - `trainEnd` is the step before the first forecast timestamp (where the forecast starts);
 * - `metrics` are the predictor's backtest accuracy (GetAccuracyMetrics, summary window):
 *   Forecast reports them for the whole dataset, not per customer, so every customer of the
 *   run carries the same values; `wql` keys follow `quantileKey` (p10…), `smape` and
 *   `coverage` are null (Forecast does not report them).
 *
 * Serving such an artifact needs the `AmazonForecast` alias in core's model catalog: a model
 * whose `predict(state, h)` returns `state.mean` (repeating its last value past the exported
 * horizon) and whose `fit` refuses (these models are trained by Amazon Forecast only).
 */
export const FORECAST_ALGORITHM = "AmazonForecast";

export interface ExportRow {
  timestamp: number;
  values: Record<string, number>;
}

/** Parses export CSV text into rows per item (customer id), each list sorted by time. */
export function parseExportCsv(
  text: string,
  into = new Map<string, ExportRow[]>(),
): Map<string, ExportRow[]> {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
  const item = header.indexOf("item_id");
  const date = header.indexOf("date");
  if (item < 0 || date < 0) throw new Error(`forecast export has no item_id/date columns: ${lines[0]}`);
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].length === 0) continue;
    const cells = lines[i].split(",");
    const values: Record<string, number> = {};
    header.forEach((h, c) => {
      if (c !== item && c !== date && cells[c] !== undefined && cells[c] !== "") values[h] = Number(cells[c]);
    });
    const ts = parseExportDate(cells[date]);
    const id = cells[item];
    const rows = into.get(id) ?? [];
    rows.push({ timestamp: ts, values });
    into.set(id, rows);
  }
  for (const rows of into.values()) rows.sort((a, b) => a.timestamp - b.timestamp);
  return into;
}

/** Export dates are UTC, `2024-01-01T00:00:00Z`, `2024-01-01 00:00:00` or `2024-01-01`. */
export function parseExportDate(value: string): number {
  let raw = value.trim().replace(" ", "T");
  if (/^\d{4}-\d\d-\d\d$/.test(raw)) raw += "T00:00:00";
  const ts = Date.parse(/[zZ]$|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
  if (Number.isNaN(ts)) throw new Error(`forecast export has an unreadable date ${JSON.stringify(value)}`);
  return ts;
}

/** Forecast's name for a quantile's column and forecast type: 0.1 → `p10` and `"0.10"`. */
export const exportColumn = (q: number) => `p${Math.round(q * 100)}`;
export const forecastType = (q: number) => q.toFixed(2);

/** The value at `level` of a monotone quantile curve given at `levels` (sorted). */
function curveAt(levels: number[], values: number[], level: number): number {
  if (level <= levels[0]) return values[0];
  const last = levels.length - 1;
  if (level >= levels[last]) return values[last];
  let j = 1;
  while (levels[j] < level) j++;
  const t = (level - levels[j - 1]) / (levels[j] - levels[j - 1]);
  return values[j - 1] + t * (values[j] - values[j - 1]);
}

/** The mean path and the error grid of one customer's exported rows. */
export function exportToPath(
  rows: ExportRow[],
  quantiles: number[],
): { mean: number[]; errors: ErrorQuantiles } {
  const levels = [...quantiles].sort((a, b) => a - b);
  const mean: number[] = [];
  const byStep: number[][] = [];
  for (const row of rows) {
    const qv = levels.map((q) => row.values[exportColumn(q)]);
    if (qv.some((v) => !Number.isFinite(v))) throw new Error("forecast export lacks a quantile column");
    for (let k = 1; k < qv.length; k++) qv[k] = Math.max(qv[k], qv[k - 1]);
    const m = Number.isFinite(row.values.mean) ? row.values.mean : curveAt(levels, qv, 0.5);
    mean.push(m);
    byStep.push(ERROR_GRID.map((g) => Number((curveAt(levels, qv, g) - m).toPrecision(6))));
  }
  return { mean, errors: { grid: ERROR_GRID, byStep } };
}

/** Predictor accuracy (summary window) as ModelMetrics. */
export function accuracyToMetrics(accuracy: GetAccuracyMetricsResponse): ModelMetrics {
  const windows = (accuracy.PredictorEvaluationResults ?? []).flatMap((r) => r.TestWindows ?? []);
  const summary = windows.find((w) => w.EvaluationType === "SUMMARY") ?? windows[0];
  const m = summary?.Metrics;
  const errors = m?.ErrorMetrics ?? [];
  const error =
    errors.find((e) => e.ForecastType === "mean") ??
    errors.find((e) => e.ForecastType === "0.50") ??
    errors[0];
  const wql: Record<string, number | null> = {};
  for (const l of m?.WeightedQuantileLosses ?? []) {
    if (l.Quantile !== undefined) wql[quantileKey(l.Quantile)] = l.LossValue ?? null;
  }
  return {
    wape: error?.WAPE ?? null,
    mape: error?.MAPE ?? null,
    smape: null,
    mase: error?.MASE ?? null,
    rmse: error?.RMSE ?? m?.RMSE ?? null,
    wql,
    averageWql: m?.AverageWeightedQuantileLoss ?? null,
    coverage: null,
    backtestWindows: Math.max(1, windows.filter((w) => w.EvaluationType === "COMPUTED").length),
  };
}

/** One customer's artifact from its exported rows. */
export function exportToArtifact(
  job: TrainJob,
  rows: ExportRow[],
  info: {
    trainStart: string;
    trainedPoints: number;
    metrics: ModelMetrics;
    predictorArn: string;
    now?: Date;
  },
): ModelArtifact {
  const { mean, errors } = exportToPath(rows, job.quantiles);
  const freq: Frequency = job.frequency;
  return {
    format: MODEL_FORMAT,
    dataset: job.dataset,
    customerId: job.customerId,
    version: job.version,
    algorithm: FORECAST_ALGORITHM,
    params: {
      source: "amazon-forecast",
      predictorArn: info.predictorArn,
      seasonalPeriods: [],
      nonNegative: false,
    },
    state: { mean },
    frequency: freq,
    trainStart: info.trainStart,
    trainEnd: new Date(addSteps(rows[0].timestamp, -1, freq)).toISOString(),
    trainedPoints: info.trainedPoints,
    horizon: job.horizon,
    quantiles: job.quantiles,
    errors,
    metrics: info.metrics,
    selection: {
      reason: "Amazon Forecast AutoPredictor (dataset-level accuracy)",
      candidates: [{ alias: FORECAST_ALGORITHM, score: info.metrics.averageWql }],
    },
    createdAt: (info.now ?? new Date()).toISOString(),
  };
}
