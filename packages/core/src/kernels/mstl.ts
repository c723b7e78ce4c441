import { stl } from "./stl.ts";

export interface MstlResult {
  /** Integer periods actually used, ascending. */
  periods: number[];
  /** One seasonal component per period, aligned with `periods`. */
  seasonals: Float64Array[];
  trend: Float64Array;
  /** y minus every seasonal component: trend plus remainder. */
  deseasonalized: Float64Array;
}

/**
 * Multiple seasonal-trend decomposition by loess (Bandara, Hyndman & Bergmeir 2021): STL once
 * per period, shortest first, each on the series less the other seasonal components, `iterate`
 * times. Mirrors R forecast's `mstl` (s.window = 7 + 4·i for the i-th period, iterate = 2; a single
 * period runs once) on a gap-free series.
 *
 * @param y - series without gaps.
 * @param periods - seasonal periods in steps; truncated to integers, those without two full
 *   cycles (`period ≥ n / 2`) are dropped, as R does.
 * @param iterate - passes over the periods. Default 2.
 * @returns the components; with no usable period the trend is an STL-free copy of `y`.
 */
export function mstl(y: Float64Array, periods: number[], iterate = 2): MstlResult {
  const n = y.length;
  const used = [...new Set(periods.map((p) => Math.trunc(p)))]
    .filter((p) => p >= 2 && p < n / 2)
    .sort((a, b) => a - b);
  const seasonals: Float64Array[] = used.map(() => new Float64Array(n));
  const deseas = Float64Array.from(y);
  let trend: Float64Array = Float64Array.from(y);
  const passes = used.length === 1 ? 1 : Math.max(1, iterate);
  for (let j = 0; j < passes; j++) {
    for (let i = 0; i < used.length; i++) {
      const s = seasonals[i];
      for (let t = 0; t < n; t++) deseas[t] += s[t];
      const fit = stl(deseas, used[i], { seasonalWindow: 7 + 4 * (i + 1) });
      seasonals[i] = fit.seasonal;
      for (let t = 0; t < n; t++) deseas[t] -= fit.seasonal[t];
      trend = fit.trend;
    }
  }
  return { periods: used, seasonals, trend, deseasonalized: deseas };
}
