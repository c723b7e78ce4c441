/**
 * Seasonal figure of a classical decomposition, as R's `stats::decompose`: a centred moving
 * average of one period (2 × m for even m) as the trend, then the mean of `y − trend` (or
 * `y / trend`) at each phase, centred to mean 0 (or 1).
 *
 * @param y - series without gaps, at least two periods long.
 * @param period - integer period in steps, ≥ 2.
 * @param type - "additive" or "multiplicative".
 * @returns the figure: `figure[j]` is the seasonal index of phase j, where y[0] has phase 0.
 */
export function seasonalFigure(
  y: Float64Array,
  period: number,
  type: "additive" | "multiplicative",
): Float64Array {
  const n = y.length;
  const f = period;
  const half = Math.floor(f / 2);
  const sums = new Float64Array(f);
  const counts = new Float64Array(f);
  const even = f % 2 === 0;
  // Inclusive window sum of y[t − half .. t + half] (f values when odd, f + 1 when even).
  let window = 0;
  for (let i = 0; i <= 2 * half && i < n; i++) window += y[i];
  for (let t = half; t + half < n; t++) {
    if (t > half) window += y[t + half] - y[t - half - 1];
    const trend = even ? (window - 0.5 * y[t - half] - 0.5 * y[t + half]) / f : window / f;
    const detrended = type === "additive" ? y[t] - trend : y[t] / trend;
    sums[t % f] += detrended;
    counts[t % f]++;
  }
  const figure = new Float64Array(f);
  let total = 0;
  for (let j = 0; j < f; j++) {
    figure[j] = counts[j] > 0 ? sums[j] / counts[j] : type === "additive" ? 0 : 1;
    total += figure[j];
  }
  const centre = total / f;
  for (let j = 0; j < f; j++) figure[j] = type === "additive" ? figure[j] - centre : figure[j] / centre;
  return figure;
}

/**
 * Whether a series is seasonal at lag `m` by the 90% test R forecast's `thetaf` runs: the lag-m
 * autocorrelation against `qnorm(0.95) · sqrt((1 + 2 Σ_{k<m} r_k²) / n)`, on the last six cycles.
 */
export function isSeasonal(series: Float64Array, m: number): boolean {
  // Six cycles are plenty for the test and keep it O(6 m²).
  const y = series.length > 6 * m ? series.subarray(series.length - 6 * m) : series;
  const n = y.length;
  if (m < 2 || n <= 2 * m) return false;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += (y[i] - mean) ** 2;
  if (c0 === 0) return false;
  // Deviations once, not once per lag: the same products, m times fewer subtractions.
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = y[i] - mean;
  let sum = 0;
  let rm = 0;
  for (let k = 1; k <= m; k++) {
    let c = 0;
    for (let i = 0; i + k < n; i++) c += d[i] * d[i + k];
    const r = c / c0;
    if (k < m) sum += r * r;
    else rm = r;
  }
  return Math.abs(rm) / Math.sqrt((1 + 2 * sum) / n) > 1.6448536269514722;
}

/**
 * Puts a season back on a deseasonalised forecast, in place: `season[k % m]` is added
 * (additive) or multiplied (multiplicative) at step k + 1. No season: unchanged.
 */
export function reseasonalise(
  forecast: Float64Array,
  season: ArrayLike<number>,
  decomposition: "none" | "additive" | "multiplicative",
): Float64Array {
  const m = season.length;
  if (m === 0 || decomposition === "none") return forecast;
  for (let k = 0; k < forecast.length; k++) {
    forecast[k] = decomposition === "additive" ? forecast[k] + season[k % m] : forecast[k] * season[k % m];
  }
  return forecast;
}
