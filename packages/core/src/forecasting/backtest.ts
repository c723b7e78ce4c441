import { mulberry32 } from "../ingest/generate.ts";
import { TEMPERATURE_FORECAST_ERROR } from "../models/driver-regression.ts";
import type { Drivers, FitInput, ForecastModel, ModelMetrics } from "../models/model.ts";
import { type Frequency, nominalStepMs } from "../series/frequency.ts";
import { calibrateErrors, type ErrorWindow, errorAt } from "./conformal.ts";
import { computeMetrics } from "./metrics.ts";

/** Rolling origins: window w forecasts `y[starts[w] .. starts[w] + horizon)` from `y[0 .. starts[w])`. */
export interface BacktestPlan {
  starts: number[];
  horizon: number;
}

/**
 * Windows wanted for horizon h: enough for about 300 errors and to span the longest season
 * (a year of daily data, so holidays are among the errors), 3 to 16 windows.
 */
export function targetWindows(h: number, longestPeriod = 0): number {
  return Math.min(16, Math.max(3, Math.ceil(300 / h), Math.ceil(longestPeriod / h) + 1));
}

/**
 * Rolling-origin backtest windows over the last steps of a series, as Amazon Forecast's
 * backtest windows (each one horizon long, back to back, ending at the last observation).
 * Each fit keeps at least two cycles of the longest period (16 points at least); a series too
 * short for one full horizon gets one shorter window; one shorter still gets none.
 *
 * When the history has holidays and none falls in those windows, one more window, the latest
 * that holds a holiday, joins them: a holiday in the forecast is when a model errs most, and
 * windows that never saw one would choose models and size intervals as if none came.
 *
 * @param length - series length in steps.
 * @param horizon - forecast horizon in steps.
 * @param periods - seasonal periods of the series, ascending.
 * @param holiday - holiday flags over the history (1 on a holiday step), when it has a calendar.
 */
export function planBacktest(
  length: number,
  horizon: number,
  periods: number[],
  holiday?: ArrayLike<number>,
): BacktestPlan {
  const longest = periods.length > 0 ? Math.ceil(periods[periods.length - 1]) : 0;
  const minTrain = Math.max(2 * longest + 1, 16);
  const room = length - minTrain;
  if (room < 1) return { starts: [], horizon: 0 };
  const h = Math.min(horizon, room);
  const windows = Math.min(targetWindows(horizon, longest), Math.max(1, Math.floor(room / h)));
  const starts: number[] = [];
  for (let w = windows; w >= 1; w--) starts.push(length - w * h);
  const extra = holiday && holidayWindow(holiday, starts[0], h, minTrain);
  return { starts: extra === undefined ? starts : [extra, ...starts], horizon: h };
}

/**
 * The start of the latest window of h steps that ends by `before`, keeps `minTrain` steps to
 * fit on and holds a holiday step; undefined when the windows from `before` on already hold
 * one, or no such window exists.
 */
function holidayWindow(
  holiday: ArrayLike<number>,
  before: number,
  h: number,
  minTrain: number,
): number | undefined {
  for (let i = before; i < holiday.length; i++) if (holiday[i] === 1) return undefined;
  for (let i = before - 1; i >= minTrain; i--) {
    if (holiday[i] !== 1) continue;
    let first = i;
    while (first > 0 && holiday[first - 1] === 1) first--;
    // Back to back with the other windows when the holiday is that near; else the holiday in
    // the window's first third, so the days after it are scored too.
    const start = first >= before - h ? before - h : first - Math.floor(h / 3);
    return start >= minTrain ? start : undefined;
  }
  return undefined;
}

/**
 * The model's forecasts for every window of the plan (throws if any fit throws). A window's
 * model sees the drivers of its training steps and forecasts with their values over the window,
 * temperature blurred as a weather forecast would be (see asForecast): in production the
 * horizon's drivers are forecasts, and intervals calibrated on perfect ones would be too narrow.
 */
export function backtestForecasts(model: ForecastModel, input: FitInput, plan: BacktestPlan): Float64Array[] {
  return plan.starts.map((_, w) => backtestWindow(model, input, plan, w));
}

/** The model's forecast for window `w` of the plan, fitted on the steps before it. */
export function backtestWindow(
  model: ForecastModel,
  input: FitInput,
  plan: BacktestPlan,
  w: number,
): Float64Array {
  const start = plan.starts[w];
  const drivers = input.drivers;
  const state = model.fit({
    ...input,
    y: input.y.subarray(0, start),
    horizon: plan.horizon,
    drivers: drivers && sliceDrivers(drivers, 0, start),
  });
  const future =
    drivers && asForecast(sliceDrivers(drivers, start, start + plan.horizon), input.frequency, w);
  const f = model.predict(state, plan.horizon, future);
  for (let s = 0; s < f.length; s++) if (!Number.isFinite(f[s])) throw new Error("forecast is not finite");
  return f;
}

/** Drivers over steps [from, to). */
export function sliceDrivers(drivers: Drivers, from: number, to: number): Drivers {
  const fields: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(drivers.fields)) fields[name] = values.subarray(from, to);
  return drivers.holiday ? { fields, holiday: drivers.holiday.subarray(from, to) } : { fields };
}

/**
 * Actual drivers made to look like forecasts of them: `temperature` gets a seeded error whose sd
 * grows as √lead to {@link TEMPERATURE_FORECAST_ERROR} a week ahead. Other fields have no known
 * forecast skill and are kept as they are.
 */
export function asForecast(future: Drivers, frequency: Frequency, seed: number): Drivers {
  const actual = future.fields.temperature;
  if (!actual) return future;
  const random = mulberry32(0x9e3779b9 ^ (seed * 7_919));
  const week = (7 * 86_400_000) / nominalStepMs(frequency);
  const blurred = new Float64Array(actual.length);
  for (let k = 0; k < actual.length; k++) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    blurred[k] = actual[k] + TEMPERATURE_FORECAST_ERROR * Math.sqrt((k + 1) / week) * gaussian;
  }
  return { ...future, fields: { ...future.fields, temperature: blurred } };
}

export interface ScoreOptions {
  quantiles: number[];
  /** MASE denominator (see naiveScale). */
  scale: number;
  /** Period of the conformal phase profile (the shortest season). */
  period: number;
  /** Lowest value a forecast may take (0 for series that never went negative). */
  floor: number;
}

/** Backtest errors per window: `actual − forecast`, NaN where the actual is missing. */
export function windowErrors(y: Float64Array, plan: BacktestPlan, forecasts: Float64Array[]): ErrorWindow[] {
  return plan.starts.map((start, w) => {
    const errors = new Float64Array(plan.horizon);
    for (let s = 0; s < plan.horizon; s++) errors[s] = y[start + s] - forecasts[w][s];
    return { start, errors };
  });
}

/** Backtest accuracy, pooled and by window. */
export interface BacktestScore {
  metrics: ModelMetrics;
  /**
   * Each window's share of the average wQL, scaled so their mean is the average wQL: the paired
   * evidence for comparing two candidates over the same windows (see auto-predictor.ts).
   */
  windowLoss: number[];
}

/**
 * Accuracy of backtest forecasts with honest intervals: each window's quantiles come from the
 * errors of the other windows only (cross-conformal, leave one window out), so the reported
 * wQL and coverage are out of sample. With a single window its own errors are all there is.
 */
export function scoreBacktest(
  y: Float64Array,
  plan: BacktestPlan,
  forecasts: Float64Array[],
  options: ScoreOptions,
): BacktestScore {
  const errors = windowErrors(y, plan, forecasts);
  const actual: number[] = [];
  const mean: number[] = [];
  const quantiles = new Map<number, number[]>(options.quantiles.map((q) => [q, []]));
  const pinball = new Float64Array(errors.length);
  errors.forEach((window, w) => {
    const others = errors.length > 1 ? errors.filter((_, j) => j !== w) : errors;
    const calibration = calibrateErrors(others, { period: options.period, origin: window.start });
    for (let s = 0; s < plan.horizon; s++) {
      const a = y[window.start + s];
      if (!Number.isFinite(a)) continue;
      const f = forecasts[w][s];
      actual.push(a);
      mean.push(Math.max(options.floor, f));
      for (const q of options.quantiles) {
        const value = Math.max(options.floor, f + errorAt(calibration, s + 1, q));
        quantiles.get(q)!.push(value);
        const d = a - value;
        pinball[w] += d >= 0 ? q * d : (q - 1) * d;
      }
    }
  });
  let absActual = 0;
  for (const a of actual) absActual += Math.abs(a);
  const per = absActual > 0 ? (2 * errors.length) / (absActual * options.quantiles.length) : 0;
  return {
    metrics: computeMetrics({ actual, mean, quantiles }, options.scale, plan.starts.length),
    windowLoss: Array.from(pinball, (p) => p * per),
  };
}

/** The pooled metrics of {@link scoreBacktest}. */
export function scoreForecasts(
  y: Float64Array,
  plan: BacktestPlan,
  forecasts: Float64Array[],
  options: ScoreOptions,
): ModelMetrics {
  return scoreBacktest(y, plan, forecasts, options).metrics;
}
