/**
 * Fills the gaps (NaN) of a regular series so that kernels can run on it. Leading gaps are
 * dropped (the end of the series, where forecasts start, stays aligned); a gap of at most
 * `maxLinear` steps is interpolated linearly; a longer one copies the value one `period` earlier
 * (or later, near the start), shifted linearly so that both edges of the gap still match. Without
 * a period every gap is linear. Trailing gaps repeat the last season (or the last value).
 *
 * Mirrors the idea of R forecast's `na.interp` (linear for non-seasonal data, seasonal
 * otherwise) with a cheaper seasonal estimate.
 *
 * @param y - values on a regular grid; NaN marks a gap. Not modified.
 * @param period - seasonal period in steps (rounded); 0 or 1 for none. Default 0.
 * @param maxLinear - longest gap, in steps, filled by straight interpolation. Default 2.
 * @returns `y` itself when it has no gaps, else a new array without leading gaps.
 * @throws when `y` has no finite value.
 */
export function fillGaps(y: Float64Array, period = 0, maxLinear = 2): Float64Array {
  let first = 0;
  while (first < y.length && !Number.isFinite(y[first])) first++;
  if (first === y.length) throw new Error("series has no readings");
  let gaps = false;
  for (let i = first; i < y.length && !gaps; i++) gaps = !Number.isFinite(y[i]);
  if (!gaps) return first === 0 ? y : y.subarray(first);
  const out = y.slice(first);
  const n = out.length;
  const m = Math.round(period) >= 2 ? Math.round(period) : 0;
  let i = 1;
  while (i < n) {
    if (Number.isFinite(out[i])) {
      i++;
      continue;
    }
    const a = i - 1; // last reading before the gap
    let b = i;
    while (b < n && !Number.isFinite(out[b])) b++;
    if (b === n) fillTail(out, a, m);
    else if (m === 0 || b - a - 1 <= maxLinear) fillLinear(out, a, b);
    else fillSeasonal(out, a, b, m);
    i = b;
  }
  return out;
}

function fillLinear(y: Float64Array, a: number, b: number): void {
  const step = (y[b] - y[a]) / (b - a);
  for (let j = a + 1; j < b; j++) y[j] = y[a] + step * (j - a);
}

/** Copies the season before (or after) and bends it so it meets `y[a]` and `y[b]`. */
function fillSeasonal(y: Float64Array, a: number, b: number, m: number): void {
  const n = y.length;
  const source = (j: number) => (j - m >= 0 ? y[j - m] : j + m < n ? y[j + m] : Number.NaN);
  const left = y[a] - source(a);
  const right = y[b] - source(b);
  if (!Number.isFinite(left) || !Number.isFinite(right)) {
    fillLinear(y, a, b);
    return;
  }
  for (let j = a + 1; j < b; j++) {
    const s = source(j);
    y[j] = Number.isFinite(s) ? s + left + ((right - left) * (j - a)) / (b - a) : y[a];
  }
}

function fillTail(y: Float64Array, a: number, m: number): void {
  const offsetOk = m > 0 && a - m >= 0;
  for (let j = a + 1; j < y.length; j++) y[j] = offsetOk ? y[j - m] : y[a];
}

/** The last `length` values of `y` (all of it when shorter), without copying. */
export function recent(y: Float64Array, length: number): Float64Array {
  return y.length <= length ? y : y.subarray(y.length - length);
}
