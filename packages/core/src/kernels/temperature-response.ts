/**
 * Temperature response of energy use, learned per customer: heating load grows below a heating
 * balance point and cooling load above a cooling balance point (the degree-day model of
 * PRISM / ASHRAE Guideline 14 and CalTRACK's daily methods), plus the fixed-knot piecewise
 * temperature segments of LBNL's time-of-week-and-temperature model (CalTRACK hourly).
 */

import { dot } from "./linalg.ts";

/** A fitted degree-day response; a term that does not pay for itself is absent (null). */
export interface TemperatureResponse {
  /** Temperature below which heating load starts; null when the customer shows no heating. */
  heatingBalance: number | null;
  /** Temperature above which cooling load starts; null when the customer shows no cooling. */
  coolingBalance: number | null;
  /** Load per degree below the heating balance point (≥ 0; 0 without a heating term). */
  heatingSlope: number;
  /** Load per degree above the cooling balance point (≥ 0; 0 without a cooling term). */
  coolingSlope: number;
  /** Base load; only meaningful with the default (centring) residualizer. */
  intercept: number;
  /** Residual sum of squares of the chosen response. */
  sse: number;
}

export interface TemperatureResponseOptions {
  /**
   * Maps a column aligned with `y` to its residual on the model's other regressors (Frisch–Waugh:
   * profiling the balance points out of a larger regression costs one residualization per
   * candidate, not one full fit per pair). Default: centring, i.e. an intercept only.
   */
  residualize?: (column: Float64Array) => Float64Array;
  /** Spacing of candidate balance points, in the temperature's unit. Default 1. */
  step?: number;
  /** Quantiles of the temperatures bounding the candidates. Default [0.1, 0.9]. */
  range?: [number, number];
  /**
   * Cost of a term (slope + balance point) in the selection n·ln(SSE/n) + cost·terms, so a
   * slope that is positive by chance on noise is dropped. Default 2·ln(n), BIC's two parameters.
   */
  termCost?: number;
}

/** max(0, balance − t): degrees of heating demand at one step. */
export function heatingDegrees(temperature: ArrayLike<number>, balance: number): Float64Array {
  const out = new Float64Array(temperature.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, balance - temperature[i]);
  return out;
}

/** max(0, t − balance): degrees of cooling demand at one step. */
export function coolingDegrees(temperature: ArrayLike<number>, balance: number): Float64Array {
  const out = new Float64Array(temperature.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, temperature[i] - balance);
  return out;
}

/** Load the response adds at each temperature (0 where the response has no term). */
export function temperatureLoad(r: TemperatureResponse, temperature: ArrayLike<number>): Float64Array {
  const out = new Float64Array(temperature.length);
  for (let i = 0; i < out.length; i++) {
    const t = temperature[i];
    let v = 0;
    if (r.heatingBalance !== null) v += r.heatingSlope * Math.max(0, r.heatingBalance - t);
    if (r.coolingBalance !== null) v += r.coolingSlope * Math.max(0, t - r.coolingBalance);
    out[i] = v;
  }
  return out;
}

/**
 * Candidate balance points: whole multiples of `step` between two quantiles of the data, so
 * every candidate has data on both sides of its kink (a kink outside the data is a straight
 * line, which the other terms already fit).
 */
export function balancePointCandidates(
  temperature: ArrayLike<number>,
  step = 1,
  range: [number, number] = [0.1, 0.9],
): number[] {
  const sorted = Float64Array.from(temperature).filter(Number.isFinite).sort();
  if (sorted.length === 0) return [];
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  const out: number[] = [];
  for (let b = Math.ceil(at(range[0]) / step) * step; b <= at(range[1]) + 1e-9; b += step)
    out.push(Number(b.toFixed(10)));
  return out;
}

/**
 * Fits the degree-day response of `y` to `temperature` by least squares with a grid search over
 * the balance points (heating ≤ cooling), as PRISM and CalTRACK do: every candidate pair, and
 * heating-only, cooling-only and no response, scored by SSE plus a per-term cost; a term whose
 * slope is not positive is not admissible (energy use cannot fall as it gets colder below the
 * heating balance point). All inputs must be finite and of one length.
 */
export function fitTemperatureResponse(
  y: Float64Array,
  temperature: Float64Array,
  options: TemperatureResponseOptions = {},
): TemperatureResponse {
  const n = y.length;
  const residualize = options.residualize ?? centre;
  const candidates = balancePointCandidates(temperature, options.step ?? 1, options.range ?? [0.1, 0.9]);
  const cost = options.termCost ?? 2 * Math.log(Math.max(n, 2));
  const ry = residualize(y);
  const yy = dot(ry, ry);
  const floor = 1e-12 * Math.max(yy, 1e-300);
  const score = (sse: number, terms: number) => n * Math.log(Math.max(sse, floor) / n) + cost * terms;
  const heat = candidates.map((b) => residualize(heatingDegrees(temperature, b)));
  const cool = candidates.map((b) => residualize(coolingDegrees(temperature, b)));
  const hh = heat.map((h) => dot(h, h));
  const cc = cool.map((c) => dot(c, c));
  const hy = heat.map((h) => dot(h, ry));
  const cy = cool.map((c) => dot(c, ry));
  let best = { h: -1, c: -1, a: 0, b: 0, sse: yy, score: score(yy, 0) };
  const consider = (h: number, c: number, a: number, b: number, sse: number, terms: number) => {
    const s = score(sse, terms);
    if (s < best.score - 1e-9 || (Math.abs(s - best.score) <= 1e-9 && sse < best.sse))
      best = { h, c, a, b, sse, score: s };
  };
  const tiny = 1e-12 * n;
  for (let i = 0; i < candidates.length; i++) {
    if (hh[i] > tiny && hy[i] > 0) consider(i, -1, hy[i] / hh[i], 0, yy - (hy[i] * hy[i]) / hh[i], 1);
    if (cc[i] > tiny && cy[i] > 0) consider(-1, i, 0, cy[i] / cc[i], yy - (cy[i] * cy[i]) / cc[i], 1);
  }
  for (let i = 0; i < candidates.length; i++) {
    if (!(hh[i] > tiny)) continue;
    for (let j = i; j < candidates.length; j++) {
      if (!(cc[j] > tiny)) continue;
      const hc = dot(heat[i], cool[j]);
      const det = hh[i] * cc[j] - hc * hc;
      if (!(det > 1e-12 * hh[i] * cc[j])) continue;
      const a = (cc[j] * hy[i] - hc * cy[j]) / det;
      const b = (hh[i] * cy[j] - hc * hy[i]) / det;
      if (a > 0 && b > 0) consider(i, j, a, b, yy - (a * hy[i] + b * cy[j]), 2);
    }
  }
  const response: TemperatureResponse = {
    heatingBalance: best.h >= 0 ? candidates[best.h] : null,
    coolingBalance: best.c >= 0 ? candidates[best.c] : null,
    heatingSlope: best.a,
    coolingSlope: best.b,
    intercept: 0,
    sse: Math.max(0, best.sse),
  };
  const load = temperatureLoad(response, temperature);
  let intercept = 0;
  for (let i = 0; i < n; i++) intercept += y[i] - load[i];
  response.intercept = n > 0 ? intercept / n : 0;
  return response;
}

/** CalTRACK's hourly temperature bin endpoints, °F (bins with too few hours are merged). */
export const CALTRACK_BIN_ENDPOINTS_F = [30, 45, 55, 65, 75, 90];

/** °F → °C. */
export const fahrenheitToCelsius = (f: number) => ((f - 32) * 5) / 9;

/**
 * Knots of the piecewise-linear temperature response, from `endpoints`, dropping a knot until
 * every segment holds at least `minCount` temperatures (CalTRACK merges a bin with fewer than 20
 * hours into its neighbour), so no segment slope is fitted on a handful of points.
 */
export function segmentKnots(temperature: ArrayLike<number>, endpoints: number[], minCount = 20): number[] {
  const knots = [...endpoints].sort((a, b) => a - b);
  const counts = () => {
    const c = new Array<number>(knots.length + 1).fill(0);
    for (let i = 0; i < temperature.length; i++) {
      const t = temperature[i];
      if (!Number.isFinite(t)) continue;
      let s = 0;
      while (s < knots.length && t > knots[s]) s++;
      c[s]++;
    }
    return c;
  };
  for (;;) {
    const c = counts();
    const worst = c.reduce((w, v, i) => (v < c[w] ? i : w), 0);
    if (knots.length === 0 || c[worst] >= minCount) return knots;
    // Merge the sparse segment into a neighbour by removing the knot between them.
    knots.splice(Math.min(worst, knots.length - 1), 1);
  }
}

/**
 * The piecewise-linear ("segmented") temperature design of TOWT (Mathieu et al. 2011): one
 * column per segment between `knots`, the degrees of `t` that fall inside it, so the response
 * is continuous with its own slope in each segment. Column s of row i is at index s·n + i.
 */
export function temperatureSegments(temperature: ArrayLike<number>, knots: number[]): Float64Array {
  const n = temperature.length;
  const k = knots.length + 1;
  const out = new Float64Array(k * n);
  for (let i = 0; i < n; i++) {
    const t = temperature[i];
    if (k === 1) {
      out[i] = t;
      continue;
    }
    // First segment: everything up to the first knot (unbounded below), as t itself.
    out[i] = Math.min(t, knots[0]);
    for (let s = 1; s < k - 1; s++)
      out[s * n + i] = Math.min(Math.max(t - knots[s - 1], 0), knots[s] - knots[s - 1]);
    out[(k - 1) * n + i] = Math.max(t - knots[k - 2], 0);
  }
  return out;
}

function centre(x: Float64Array): Float64Array {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length || 1;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - mean;
  return out;
}
