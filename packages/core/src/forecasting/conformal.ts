import { normalQuantile } from "../kernels/normal.ts";

/**
 * Empirical (split-conformal) forecast intervals from backtest errors `actual − forecast`, in a
 * location-scale form small enough for `model.json`: the error at horizon step s and level q is
 *
 *   z(q) · (a + b·√s) · profile[(s − 1) mod P]
 *
 * where z is the empirical quantile of the errors standardised by their step's scale (one shared
 * distribution, so tails come from every error, not a handful per step), a + b√s is how the
 * error grows with the horizon (least squares on the mean absolute error per step, b ≥ 0) and
 * the profile is the error's relative size at each phase of the shortest season (night vs day).
 * This is normalised conformal prediction (Papadopoulos et al. 2008; Lei et al. 2018), applied
 * once for every model as statsforecast's `_conformity_scores` is. Quantiles are monotone in q
 * by construction: z is sorted and the scale is ≥ 0.
 */
export type ErrorQuantiles = ScaledErrors | StepErrors;

/** The calibrated error model Myriad's own training writes. */
export interface ScaledErrors {
  /** Quantile levels, ascending, in (0, 1). */
  grid: number[];
  /** Standardised error at each level of `grid`, non-decreasing. */
  z: number[];
  /** [a, b]: the error scale at step s is a + b·√s (before the profile). */
  growth: [number, number];
  /** Relative error size by step phase: `profile[(s − 1) % length]`, mean 1; [1] when flat. */
  profile: number[];
  /** Steps the errors were measured over; beyond, the scale widens as √(step / steps). */
  steps: number;
  /**
   * The model's own Gaussian error distribution, blended in where the backtest held few
   * windows (see {@link withPrior}): the error at step s and level q is
   * (1 − weight) · conformal + weight · Φ⁻¹(q) · sigma[s − 1].
   */
  prior?: { weight: number; sigma: number[] };
}

/**
 * An explicit table of error quantiles per horizon step, for forecasts imported with their own
 * quantiles (the Amazon Forecast backend): `byStep[s][j]` is level `grid[j]` at step s + 1,
 * non-decreasing in j.
 */
export interface StepErrors {
  grid: number[];
  byStep: number[][];
}

export const ERROR_GRID = [
  0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
  0.9, 0.95, 0.975, 0.99,
];

/** Backtest errors of one forecast window. */
export interface ErrorWindow {
  /** Index in the series of the window's first forecast step. */
  start: number;
  /** `actual − forecast` at steps 1..length; NaN where the actual is missing. */
  errors: ArrayLike<number>;
}

export interface CalibrationOptions {
  /** Period (steps) of the phase profile, usually the shortest season; 0 for none. */
  period?: number;
  /** Index in the series of the first step that will be forecast (the series length). */
  origin?: number;
}

/** Linear-interpolated quantile of a sorted array (R type 7, numpy's default). */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const round = (x: number) => Number(x.toPrecision(5));
/** Shrinks each phase's mean |error| toward the overall mean as if it had this many more errors. */
const PROFILE_PRIOR = 5;

/**
 * Calibrates the error model from backtest windows (see {@link ErrorQuantiles}).
 * With no finite error at all the intervals collapse onto the point forecast.
 */
export function calibrateErrors(windows: ErrorWindow[], options: CalibrationOptions = {}): ScaledErrors {
  const steps = windows.reduce((m, w) => Math.max(m, w.errors.length), 0);
  const period = Math.round(options.period ?? 0);
  let count = 0;
  for (const w of windows)
    for (let s = 0; s < w.errors.length; s++) if (Number.isFinite(w.errors[s])) count++;
  const flat: ScaledErrors = {
    grid: ERROR_GRID,
    z: ERROR_GRID.map(() => 0),
    growth: [0, 0],
    profile: [1],
    steps,
  };
  if (count === 0) return flat;

  // Phase profile of |error| by phase of the shortest season.
  let profileByPhase: Float64Array | null = null;
  if (period >= 2 && count >= 5 * period) {
    const sum = new Float64Array(period);
    const n = new Float64Array(period);
    let total = 0;
    for (const w of windows) {
      for (let s = 0; s < w.errors.length; s++) {
        const e = w.errors[s];
        if (!Number.isFinite(e)) continue;
        const ph = (w.start + s) % period;
        sum[ph] += Math.abs(e);
        n[ph]++;
        total += Math.abs(e);
      }
    }
    const mean = total / count;
    if (mean > 0) {
      profileByPhase = new Float64Array(period);
      let norm = 0;
      for (let ph = 0; ph < period; ph++) {
        profileByPhase[ph] = Math.max(0.2, (sum[ph] + PROFILE_PRIOR * mean) / (n[ph] + PROFILE_PRIOR) / mean);
        norm += profileByPhase[ph];
      }
      for (let ph = 0; ph < period; ph++) profileByPhase[ph] /= norm / period;
    }
  }
  // Each error's phase and step scales come from small tables: this runs once per window of
  // every candidate's backtest.
  const phaseScale = profileByPhase ?? new Float64Array(Math.max(period, 1)).fill(1);
  const phases = phaseScale.length;

  // Growth with the horizon: weighted least squares of mean |e| / profile on [1, √s].
  const stepSum = new Float64Array(steps);
  const stepCount = new Float64Array(steps);
  for (const w of windows) {
    const errors = w.errors;
    for (let s = 0, ph = w.start % phases; s < errors.length; s++, ph = ph + 1 === phases ? 0 : ph + 1) {
      const e = errors[s];
      if (!Number.isFinite(e)) continue;
      stepSum[s] += Math.abs(e) / phaseScale[ph];
      stepCount[s]++;
    }
  }
  const [a, b] = fitGrowth(stepSum, stepCount);
  const stepScale = new Float64Array(steps);
  for (let s = 0; s < steps; s++) stepScale[s] = Math.max(a + b * Math.sqrt(s + 1), 1e-12);

  const z = new Float64Array(count);
  let i = 0;
  for (const w of windows) {
    const errors = w.errors;
    for (let s = 0, ph = w.start % phases; s < errors.length; s++, ph = ph + 1 === phases ? 0 : ph + 1) {
      const e = errors[s];
      if (Number.isFinite(e)) z[i++] = e / (stepScale[s] * phaseScale[ph]);
    }
  }
  z.sort();
  const profile = profileByPhase
    ? Array.from({ length: period }, (_, j) => round(profileByPhase[((options.origin ?? 0) + j) % period]))
    : [1];
  return {
    grid: ERROR_GRID,
    z: ERROR_GRID.map((q) => round(sortedQuantile(z, conformalLevel(q, count)))),
    growth: [round(a), round(b)],
    profile,
    steps,
  };
}

/**
 * The level to read from n calibration scores for nominal level q: pushed outward by the
 * split-conformal finite-sample correction (the ⌈(n + 1)q⌉-th score), so small calibration sets
 * give wider, not narrower, intervals. Monotone in q.
 */
function conformalLevel(q: number, n: number): number {
  if (q === 0.5) return q;
  return q > 0.5 ? Math.min(1, (q * (n + 1)) / n) : Math.max(0, (q * (n + 1) - 1) / n);
}

/** Least squares of per-step mean |error| on a + b√s with a, b ≥ 0, weighted by counts. */
function fitGrowth(sum: Float64Array, count: Float64Array): [number, number] {
  let w = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let s = 0; s < sum.length; s++) {
    if (count[s] === 0) continue;
    const x = Math.sqrt(s + 1);
    const y = sum[s] / count[s];
    w += count[s];
    sx += count[s] * x;
    sy += count[s] * y;
    sxx += count[s] * x * x;
    sxy += count[s] * x * y;
  }
  const mean = sy / w;
  const det = w * sxx - sx * sx;
  if (det <= 1e-12 * w * sxx) return [mean, 0];
  const b = (w * sxy - sx * sy) / det;
  const a = (sy - b * sx) / w;
  if (b <= 0) return [mean, 0];
  if (a < 0) return [0, sxy / sxx];
  return [a, b];
}

/**
 * Error model from errors grouped by horizon step (no phase information): `errorsByStep[s]`
 * holds the errors seen at step s + 1.
 */
export function errorQuantiles(errorsByStep: ArrayLike<number>[]): ScaledErrors {
  const windows: ErrorWindow[] = [];
  const deepest = errorsByStep.reduce((m, e) => Math.max(m, e.length), 0);
  for (let w = 0; w < deepest; w++) {
    windows.push({ start: 0, errors: errorsByStep.map((e) => (w < e.length ? e[w] : Number.NaN)) });
  }
  if (windows.length === 0) windows.push({ start: 0, errors: errorsByStep.map(() => Number.NaN) });
  return calibrateErrors(windows);
}

/**
 * The error at quantile `q` for horizon step `step` (1-based). Levels outside the grid take the
 * nearest end; beyond the calibrated steps the scale widens with the square root of the
 * horizon, as a random walk's would.
 */
export function errorAt(errors: ErrorQuantiles, step: number, q: number): number {
  if ("byStep" in errors) {
    const { byStep } = errors;
    if (byStep.length === 0) return 0;
    const row = byStep[Math.min(step, byStep.length) - 1];
    const widen = step > byStep.length ? Math.sqrt(step / byStep.length) : 1;
    return interpolate(errors.grid, row, q) * widen;
  }
  const { growth, profile, steps, prior } = errors;
  const s = Math.min(step, Math.max(steps, 1));
  let scale = (growth[0] + growth[1] * Math.sqrt(s)) * profile[(step - 1) % profile.length];
  if (step > steps && steps > 0) scale *= Math.sqrt(step / steps);
  const conformal = interpolate(errors.grid, errors.z, q) * scale;
  if (!prior || prior.weight <= 0 || prior.sigma.length === 0) return conformal;
  const known = prior.sigma.length;
  const sigma = prior.sigma[Math.min(step, known) - 1] * (step > known ? Math.sqrt(step / known) : 1);
  return (
    (1 - prior.weight) * conformal +
    prior.weight * normalQuantile(Math.min(0.999, Math.max(0.001, q))) * sigma
  );
}

/**
 * Independent backtest errors worth as much as the model's own distribution: conformal
 * quantiles from n_eff effectively independent errors get weight n_eff / (n_eff + PRIOR_ERRORS).
 * At n_eff = 20 the 10% and 90% levels each rest on about two errors beyond them.
 */
export const PRIOR_ERRORS = 20;

/**
 * Effectively independent errors among the backtest's: errors within a window move together
 * (one level shift moves them all), so n errors with lag-one autocorrelation ρ inform the
 * quantiles like n·(1 − ρ)/(1 + ρ) independent ones (the AR(1) effective sample size). Hourly
 * windows of noise count nearly in full; three windows of a drifting monthly series count as
 * a handful.
 */
export function effectiveErrors(windows: ErrorWindow[]): number {
  let count = 0;
  let sq = 0;
  let lagged = 0;
  for (const w of windows) {
    for (let s = 0; s < w.errors.length; s++) {
      const e = w.errors[s];
      if (!Number.isFinite(e)) continue;
      count++;
      sq += e * e;
      const next = s + 1 < w.errors.length ? w.errors[s + 1] : Number.NaN;
      if (Number.isFinite(next)) lagged += e * next;
    }
  }
  if (count === 0 || sq === 0) return count;
  const rho = Math.min(0.99, Math.max(0, lagged / sq));
  return (count * (1 - rho)) / (1 + rho);
}

/**
 * Blends the model's own error distribution into conformal errors calibrated on `effective`
 * independent errors, by quantile averaging (each quantile a weighted mean of the two, so they
 * stay monotone): the fewer the errors, the more the model's distribution counts.
 *
 * @param sigma - the model's forecast error standard deviation at steps 1..h.
 * @param effective - effectively independent backtest errors (see effectiveErrors).
 */
export function withPrior(errors: ScaledErrors, sigma: ArrayLike<number>, effective: number): ScaledErrors {
  const finite = Array.from(sigma).every((v) => Number.isFinite(v) && v >= 0);
  if (!finite || sigma.length === 0) return errors;
  return {
    ...errors,
    prior: { weight: round(PRIOR_ERRORS / (effective + PRIOR_ERRORS)), sigma: Array.from(sigma, round) },
  };
}

/**
 * The seasonal random walk's forecast error standard deviation at steps 1..h, as R's `snaive`
 * gives it: σ̂ · √(⌊(s − 1)/m⌋ + 1), σ̂ the root mean square of y[t] − y[t − m] (m = 1: the
 * random walk, σ̂ · √s). The distribution for models that have none of their own: wider than a
 * good model's, which is the safe side when the backtest is too short to say.
 */
export function seasonalNaiveSigma(y: ArrayLike<number>, m: number, h: number): Float64Array {
  const lag = Math.max(1, Math.round(m));
  let sum = 0;
  let n = 0;
  for (let t = lag; t < y.length; t++) {
    const d = y[t] - y[t - lag];
    if (Number.isFinite(d)) {
      sum += d * d;
      n++;
    }
  }
  const sigma = n > 0 ? Math.sqrt(sum / n) : Number.NaN;
  return Float64Array.from({ length: h }, (_, s) =>
    lag > 1 ? sigma * Math.sqrt(Math.floor(s / lag) + 1) : sigma * Math.sqrt(s + 1),
  );
}

/** Value at level q of a curve given at ascending `grid` levels; the nearest end outside. */
function interpolate(grid: number[], values: number[], q: number): number {
  if (q <= grid[0]) return values[0];
  if (q >= grid[grid.length - 1]) return values[values.length - 1];
  let j = 1;
  while (grid[j] < q) j++;
  const t = (q - grid[j - 1]) / (grid[j] - grid[j - 1]);
  return values[j - 1] + t * (values[j] - values[j - 1]);
}
