import type { Frequency } from "../series/frequency.ts";

/** What a model is fitted on: a regular series (NaN marks a gap) and its seasonality. */
export interface FitInput {
  /** Values on a regular grid of `frequency`; NaN for missing steps. */
  y: Float64Array;
  frequency: Frequency;
  /** Seasonal periods in steps that fit at least two cycles of `y`, shortest first. */
  seasonalPeriods: number[];
  /** Steps that will be forecast, so a model can tune for that horizon (optional hint). */
  horizon?: number;
}

/**
 * A forecasting model, as in statsforecast: `fit` returns a serializable state, `predict`
 * forecasts from that state with no refit. Point forecasts only: intervals are calibrated once,
 * outside the models, from backtest errors (see forecasting/conformal.ts).
 */
export interface ForecastModel<State = unknown> {
  /** Stable name stored in the registry and the artifact. */
  readonly alias: string;
  fit(input: FitInput): State;
  /** Point forecast for the `h` steps after the fitted data. */
  predict(state: State, h: number): Float64Array;
  /**
   * Forecast error variance at steps 1..h under the model's own assumptions (analytic where the
   * model has one), for models that have a likelihood. Used to calibrate intervals when the
   * history holds too few backtest errors for conformal quantiles.
   */
  variance?(state: State, h: number): Float64Array;
}

/** Accuracy of a model measured by rolling-origin backtest. Missing metrics are null. */
export interface ModelMetrics {
  wape: number | null;
  mape: number | null;
  smape: number | null;
  mase: number | null;
  rmse: number | null;
  /** Weighted quantile loss at each quantile (keyed `p10`, `p50`…) and their average. */
  wql: Record<string, number | null>;
  averageWql: number | null;
  /** Share of actuals inside the outermost quantile band. */
  coverage: number | null;
  backtestWindows: number;
}

/** Key under which a quantile is reported: 0.1 → `p10`, 0.05 → `p5`, 0.975 → `p97.5`. */
export function quantileKey(q: number): `p${string}` {
  return `p${Number((q * 100).toFixed(4))}`;
}
