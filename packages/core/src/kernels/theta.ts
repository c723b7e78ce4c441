import { goldenSection } from "./golden-section.ts";

/**
 * Sum of squared one-step errors of simple exponential smoothing started at `level = y[0]`,
 * as R's `HoltWinters(y, beta = FALSE, gamma = FALSE)` scores it (errors from y[1] on).
 */
export function sesSse(y: Float64Array, alpha: number): number {
  let level = y[0];
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const e = y[t] - level;
    sse += e * e;
    level += alpha * e;
  }
  return sse;
}

/** The level of simple exponential smoothing after the last value. */
export function sesLevel(y: Float64Array, alpha: number): number {
  let level = y[0];
  for (let t = 1; t < y.length; t++) level += alpha * (y[t] - level);
  return level;
}

export interface ThetaState {
  /** SES level after the last value. */
  level: number;
  alpha: number;
  /** Half the slope of the least-squares line (the θ = 0 line, weighted ½). */
  drift: number;
  /** Number of values fitted, for the drift's start-up term. */
  n: number;
}

/**
 * The standard Theta method (Assimakopoulos & Nikolopoulos 2000) in the form Hyndman & Billah
 * (2003) proved equal to SES with drift, as R forecast's `thetaf` computes it:
 * forecast(k) = ℓ_n + b/2 · (k − 1 + (1 − (1 − α)^n) / α), b the OLS slope on 0..n−1.
 * α minimises the SES sum of squared errors on (0, 1) (R's `ses(initial = "simple")`), unless given.
 */
export function thetaFit(y: Float64Array, alpha?: number): ThetaState {
  const n = y.length;
  const a = alpha ?? goldenSection((x) => sesSse(y, x), 1e-4, 0.9999, 1e-5);
  let st = 0;
  let sy = 0;
  for (let t = 0; t < n; t++) {
    st += t;
    sy += y[t];
  }
  const tm = st / n;
  const ym = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t++) {
    sxy += (t - tm) * (y[t] - ym);
    sxx += (t - tm) * (t - tm);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { level: sesLevel(y, a), alpha: a, drift: slope / 2, n };
}

/** Theta point forecasts for steps 1..h. */
export function thetaForecast(state: ThetaState, h: number): Float64Array {
  const a = Math.max(1e-10, state.alpha);
  const start = (1 - (1 - a) ** state.n) / a;
  const out = new Float64Array(h);
  for (let k = 1; k <= h; k++) out[k - 1] = state.level + state.drift * (k - 1 + start);
  return out;
}
