import { loessSmooth, loessWeights, type SmoothPlan, smoothPlan, smoothWith, weightedSum } from "./loess.ts";

/** Options of {@link stl}; defaults are those of R's `stats::stl`. */
export interface StlOptions {
  /** Seasonal smoothing window in cycles (odd, ≥ 7 recommended; R's `s.window`). */
  seasonalWindow: number;
  /** Trend window in points. Default `nextodd(ceiling(1.5 period / (1 - 1.5 / seasonalWindow)))`. */
  trendWindow?: number;
  /** Low-pass window in points. Default `nextodd(period)`. */
  lowPassWindow?: number;
  /** Inner iterations. Default 2 (R's `inner` when not robust). */
  inner?: number;
}

export interface StlResult {
  seasonal: Float64Array;
  trend: Float64Array;
}

/**
 * Seasonal-trend decomposition by loess (Cleveland et al. 1990), a line-by-line translation of
 * the netlib `stl.f` that R's `stats::stl` runs, with R's defaults: seasonal degree 0, trend and
 * low-pass degree 1, jumps of `ceiling(window / 10)`, no robustness iterations. O(n) per pass.
 *
 * @param y - series without gaps (see fillGaps).
 * @param period - seasonal period in steps (an integer ≥ 2; R truncates a fractional frequency).
 * @returns the seasonal and trend components (remainder = y − seasonal − trend).
 * @throws when `y` has fewer than two full periods (as R's `stl`).
 */
export function stl(y: Float64Array, period: number, options: StlOptions): StlResult {
  const n = y.length;
  const np = Math.max(2, Math.trunc(period));
  if (n <= 2 * np) throw new Error(`stl needs more than two periods of ${np} steps (got ${n})`);
  const ns = odd(Math.max(3, options.seasonalWindow));
  const nt = odd(
    Math.max(3, options.trendWindow ?? nextOdd(Math.ceil((1.5 * np) / (1 - 1.5 / options.seasonalWindow)))),
  );
  const nl = odd(Math.max(3, options.lowPassWindow ?? nextOdd(np)));
  const nsjump = Math.ceil(ns / 10);
  const ntjump = Math.ceil(nt / 10);
  const nljump = Math.ceil(nl / 10);
  const inner = options.inner ?? 2;

  const trend = new Float64Array(n);
  const season = new Float64Array(n);
  const w1 = new Float64Array(n + 2 * np);
  const w2 = new Float64Array(n + 2 * np);
  const w3 = new Float64Array(n + 2 * np);
  const w4 = new Float64Array(n + 2 * np);
  for (let it = 0; it < inner; it++) {
    for (let i = 0; i < n; i++) w1[i] = y[i] - trend[i];
    cycleSubseries(w1, n, np, ns, nsjump, w2, w3, w4);
    lowPass(w2, n + 2 * np, np, w3, w1);
    loessSmooth(w3, 0, n, nl, 1, nljump, w1, 0);
    for (let i = 0; i < n; i++) season[i] = w2[np + i] - w1[i];
    for (let i = 0; i < n; i++) w1[i] = y[i] - season[i];
    loessSmooth(w1, 0, n, nt, 1, ntjump, trend, 0);
  }
  return { seasonal: season, trend };
}

/**
 * Fortran `stlss`: smooths each cycle-subseries, extended by one point at both ends. The
 * subseries have one of two lengths, so their plans and end weights are looked up once per length.
 */
function cycleSubseries(
  y: Float64Array,
  n: number,
  np: number,
  ns: number,
  nsjump: number,
  season: Float64Array,
  work1: Float64Array,
  work2: Float64Array,
): void {
  let shape:
    | { k: number; plan: SmoothPlan; first: Float64Array | null; last: Float64Array | null; lastLeft: number }
    | undefined;
  for (let j = 1; j <= np; j++) {
    const k = Math.trunc((n - j) / np) + 1;
    if (shape?.k !== k) {
      const lastLeft = Math.max(1, k - ns + 1);
      shape = {
        k,
        plan: smoothPlan(k, ns, 0, nsjump),
        first: loessWeights(k, ns, 0, 0, 1, Math.min(ns, k)),
        last: loessWeights(k, ns, 0, k + 1, lastLeft, k),
        lastLeft,
      };
    }
    for (let i = 1; i <= k; i++) work1[i - 1] = y[(i - 1) * np + j - 1];
    smoothWith(shape.plan, work1, 0, work2, 1);
    const first = shape.first ? weightedSum(shape.first, work1, 0) : Number.NaN;
    work2[0] = Number.isNaN(first) ? work2[1] : first;
    const last = shape.last ? weightedSum(shape.last, work1, shape.lastLeft - 1) : Number.NaN;
    work2[k + 1] = Number.isNaN(last) ? work2[k] : last;
    for (let m = 1; m <= k + 2; m++) season[(m - 1) * np + j - 1] = work2[m - 1];
  }
}

/** Fortran `stlfts`: moving averages of lengths np, np and 3. */
function lowPass(x: Float64Array, n: number, np: number, trend: Float64Array, work: Float64Array): void {
  movingAverage(x, n, np, trend);
  movingAverage(trend, n - np + 1, np, work);
  movingAverage(work, n - 2 * np + 2, 3, trend);
}

/** Fortran `stlma`: the `n - len + 1` means of `len` consecutive values. */
function movingAverage(x: Float64Array, n: number, len: number, ave: Float64Array): void {
  let v = 0;
  for (let i = 0; i < len; i++) v += x[i];
  ave[0] = v / len;
  for (let j = 1, k = len, m = 0; j < n - len + 1; j++, k++, m++) {
    v = v - x[m] + x[k];
    ave[j] = v / len;
  }
}

const odd = (x: number) => (x % 2 === 0 ? x + 1 : x);

/** R's internal `nextodd`: rounds, then moves an even number up to the next odd one. */
export function nextOdd(x: number): number {
  return odd(Math.round(x));
}
