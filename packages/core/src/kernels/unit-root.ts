import { mstl } from "./mstl.ts";

/** KPSS level-stationarity critical value at 5% (Kwiatkowski et al. 1992, Table 1; urca's `cval`). */
export const KPSS_CRITICAL_5 = 0.463;

/** Seasonal strength above which R forecast's `nsdiffs(test = "seas")` takes a seasonal difference. */
export const SEASONAL_STRENGTH_THRESHOLD = 0.64;

/** Whether every value equals the first (R forecast's `is.constant`). */
export function isConstant(y: ArrayLike<number>): boolean {
  for (let i = 1; i < y.length; i++) if (y[i] !== y[0]) return false;
  return true;
}

/**
 * KPSS statistic for level stationarity, as urca's `ur.kpss(type = "mu")` with the lag R
 * forecast's `ndiffs` passes, `trunc(3·√n / 13)`: the mean-square partial sum of the demeaned
 * series over n², divided by the Newey–West (Bartlett) long-run variance.
 *
 * @param lags - truncation lag; default `trunc(3·√n / 13)`.
 */
export function kpss(y: ArrayLike<number>, lags = Math.trunc((3 * Math.sqrt(y.length)) / 13)): number {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  const e = Float64Array.from(y, (v) => v - mean);
  let partial = 0;
  let eta = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    partial += e[i];
    eta += partial * partial;
    s2 += e[i] * e[i];
  }
  for (let l = 1; l <= lags; l++) {
    let c = 0;
    for (let i = l; i < n; i++) c += e[i] * e[i - l];
    s2 += 2 * (1 - l / (lags + 1)) * c;
  }
  return eta / (n * n) / (s2 / n);
}

/**
 * Number of first differences that make `y` level-stationary by repeated KPSS tests at 5%, as
 * R forecast's `ndiffs(test = "kpss")` (stops at `maxD`, or when the differenced series is
 * constant).
 */
export function ndiffs(y: ArrayLike<number>, maxD = 2): number {
  let x = Float64Array.from(y);
  let d = 0;
  if (x.length < 3 || isConstant(x)) return 0;
  while (d < maxD && kpss(x) > KPSS_CRITICAL_5) {
    d++;
    x = x.subarray(1).map((v, i) => v - x[i]);
    if (x.length < 3 || isConstant(x)) return d;
  }
  return d;
}

/**
 * Seasonal strength F_s = max(0, 1 − Var(remainder) / Var(seasonal + remainder)) from the STL
 * decomposition R forecast's `mstl` gives (Wang, Smith & Hyndman 2006; forecast's
 * `seas.heuristic`). Needs more than two cycles.
 */
export function seasonalStrength(y: Float64Array, m: number): number {
  const fit = mstl(y, [m]);
  if (fit.seasonals.length === 0) return 0;
  const seasonal = fit.seasonals[0];
  const n = y.length;
  const remainder = new Float64Array(n);
  const detrended = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    remainder[t] = fit.deseasonalized[t] - fit.trend[t];
    detrended[t] = remainder[t] + seasonal[t];
  }
  const v = variance(detrended);
  if (!(v > 0)) return 0;
  return Math.max(0, Math.min(1, 1 - variance(remainder) / v));
}

function variance(x: Float64Array): number {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let s = 0;
  for (const v of x) s += (v - mean) ** 2;
  return s / (x.length - 1);
}

/**
 * Number of seasonal differences (0 or 1) as R forecast's `nsdiffs(test = "seas")`, its default
 * since version 8.5: difference when the seasonal strength exceeds 0.64 (a threshold Hyndman
 * tuned on the M3 seasonal series). Series with two cycles or fewer, or constant, get 0.
 */
export function nsdiffs(y: Float64Array, m: number): number {
  if (m < 2 || y.length <= 2 * m || isConstant(y)) return 0;
  return seasonalStrength(y, m) > SEASONAL_STRENGTH_THRESHOLD ? 1 : 0;
}
