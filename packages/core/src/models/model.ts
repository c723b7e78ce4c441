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
  /** Epoch ms (UTC) of `y[0]`, for models that use the calendar (time of week, holidays). */
  start?: number;
  /** Known drivers over the steps of `y` (models without drivers ignore them). */
  drivers?: Drivers;
  /** Customers like this one (same metadata), for a history too short for its own model. */
  cohort?: CohortProfile;
}

/**
 * The shape of a cohort's consumption over its calendar cycle (hour of week for sub-daily data,
 * day of week for daily, month of year for monthly…), each customer's normalised by its own
 * mean before averaging, so a new customer's forecast is its own level times the profile.
 */
export interface CohortProfile {
  /** Which customers: metadata attributes, e.g. `region=north,segment=home`, or `all`. */
  key: string;
  /** Peers averaged. */
  peers: number;
  /** Length of the calendar cycle in steps (168 for hourly data). */
  period: number;
  /** Epoch ms (UTC) of a step at slot 0 of the cycle, to place any timestamp in it. */
  origin: number;
  /** Mean normalised consumption at each slot (mean 1 over the cycle). */
  profile: number[];
  /** Standard deviation of the normalised consumption around the profile at each slot. */
  spread: number[];
}

/**
 * Known drivers of a series on its grid, as Amazon Forecast's related time series and holiday
 * featurization: numeric related fields (temperature…) and holiday flags. Each array is aligned
 * with the steps it describes (the history in FitInput, steps 1..h at predict); NaN where a
 * value is unknown.
 */
export interface Drivers {
  fields: Record<string, Float64Array>;
  /** 1 on steps that fall on a public holiday, else 0. */
  holiday?: Uint8Array;
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
  /**
   * Point forecast for the `h` steps after the fitted data; `future` holds the drivers for
   * those steps (a model fitted with drivers needs them, and uses what-if values as given).
   */
  predict(state: State, h: number, future?: Drivers): Float64Array;
  /**
   * Named additive contributions (trend, daily, weekly, holiday, temperature…) whose sum at
   * each step is the point forecast, for models that can explain themselves.
   */
  explain?(state: State, h: number, future?: Drivers): Record<string, Float64Array>;
  /**
   * Forecast error variance at steps 1..h under the model's own assumptions (analytic where the
   * model has one), for models that have a likelihood. Used to calibrate intervals when the
   * history holds too few backtest errors for conformal quantiles.
   */
  variance?(state: State, h: number): Float64Array;
  /**
   * The state run forward over `y`, the observations that follow the fitted data, with the
   * parameters kept (an exponential-smoothing filter pass): what keeping a model up to date
   * costs without fitting it again. Throws where it cannot (gaps in `y`); the caller refits.
   */
  update?(state: State, y: Float64Array): State;
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
