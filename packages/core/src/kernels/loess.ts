/**
 * The local regression steps of STL, translated from the netlib Fortran `stl.f` that R's
 * `stats::stl` calls (Cleveland, Cleveland, McRae & Terpenning 1990): `stlest` and `stless`.
 * Positions are 1-based as in the Fortran so the arithmetic can be compared line by line; the
 * robustness weights of the outer loop are left out (R's `stl(robust = FALSE)`).
 */

/** Σ w[d] · y[from + d], in order (the Fortran's order, so the same sum to the bit). */
export function weightedSum(w: Float64Array, y: Float64Array, from: number): number {
  let s = 0;
  for (let d = 0; d < w.length; d++) s += w[d] * y[from + d];
  return s;
}

/**
 * The weights Fortran `stlest` gives `y[nleft..nright]` for the fit at `xs`, `w[j - nleft]`,
 * or null when they are all zero. They depend on positions only: there are no robustness
 * weights (see the module's note).
 */
export function loessWeights(
  n: number,
  len: number,
  ideg: number,
  xs: number,
  nleft: number,
  nright: number,
): Float64Array | null {
  const range = n - 1;
  let h = Math.max(xs - nleft, nright - xs);
  if (len > n) h += Math.trunc((len - n) / 2);
  const h9 = 0.999 * h;
  const h1 = 0.001 * h;
  const w = new Float64Array(nright - nleft + 1);
  let a = 0;
  for (let j = nleft; j <= nright; j++) {
    const r = Math.abs(j - xs);
    if (r <= h9) {
      if (r <= h1) w[j - nleft] = 1;
      else {
        const u = r / h;
        const t = 1 - u * u * u;
        w[j - nleft] = t * t * t;
      }
      a += w[j - nleft];
    }
  }
  if (a <= 0) return null;
  for (let j = nleft; j <= nright; j++) w[j - nleft] /= a;
  if (h > 0 && ideg > 0) {
    let mean = 0;
    for (let j = nleft; j <= nright; j++) mean += w[j - nleft] * j;
    let b = xs - mean;
    let c = 0;
    for (let j = nleft; j <= nright; j++) c += w[j - nleft] * (j - mean) * (j - mean);
    if (Math.sqrt(c) > 0.001 * range) {
      b /= c;
      for (let j = nleft; j <= nright; j++) w[j - nleft] *= b * (j - mean) + 1;
    }
  }
  return w;
}

/**
 * Loess smoothing of `y[off..off+n)` into `ys[ysOff..ysOff+n)`, evaluated every `njump`
 * points and linearly interpolated in between. Fortran `stless`.
 *
 * @param len - window length in points (odd).
 * @param ideg - local polynomial degree, 0 or 1.
 * @param njump - evaluate every `njump` points (R's `ceiling(window / 10)`).
 */
export function loessSmooth(
  y: Float64Array,
  off: number,
  n: number,
  len: number,
  ideg: number,
  njump: number,
  ys: Float64Array,
  ysOff: number,
): void {
  smoothWith(smoothPlan(n, len, ideg, njump), y, off, ys, ysOff);
}

/**
 * What {@link loessSmooth} evaluates for one (n, len, ideg, njump): each fitted point in
 * `stless`'s order, with its weights. The weights depend on positions only, so a plan is made
 * once and kept: STL smooths the same shapes in every backtest window of a series and for
 * every series of the same length, and each point is then one weighted sum with the same
 * operands in the same order as the Fortran's.
 */
export interface SmoothPlan {
  n: number;
  newnj: number;
  /** Fitted positions (1-based), in evaluation order. */
  at: Int32Array;
  /** Where each point's weights start in y (0-based, from `off`). */
  from: Int32Array;
  /** Each point's weights; null where all are zero (the point keeps its data value). */
  weights: (Float64Array | null)[];
  /** The centred points' shared weights (see makePlan), when the window is shorter than n. */
  kernel: Float64Array | null;
}

/** Plans kept, by shape; the oldest is dropped past this many. */
const PLANS_KEPT = 64;
const plans = new Map<string, SmoothPlan>();

/** The kept plan of a shape (see {@link SmoothPlan}), made on first use. */
export function smoothPlan(n: number, len: number, ideg: number, njump: number): SmoothPlan {
  const key = `${n},${len},${ideg},${njump}`;
  let plan = plans.get(key);
  if (!plan) {
    plan = makePlan(n, len, ideg, njump);
    if (plans.size >= PLANS_KEPT) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
  }
  return plan;
}

/** Runs a plan on `y[off..off+n)` into `ys[ysOff..ysOff+n)`: `stless` on these values. */
export function smoothWith(
  plan: SmoothPlan,
  y: Float64Array,
  off: number,
  ys: Float64Array,
  ysOff: number,
): void {
  const { n, newnj, at, from, weights, kernel } = plan;
  if (n < 2) {
    ys[ysOff] = y[off];
    return;
  }
  for (let p = 0; p < at.length; p++) {
    const i = at[p];
    const w = weights[p];
    if (kernel && w === kernel) {
      ys[ysOff + i - 1] = weightedSum(w, y, off + from[p]);
      continue;
    }
    // `stless` keeps the data value where the fit has no weight (or no value).
    const v = w ? weightedSum(w, y, off + from[p]) : Number.NaN;
    ys[ysOff + i - 1] = Number.isNaN(v) ? y[off + i - 1] : v;
  }
  if (newnj === 1) return;
  for (let i = 1; i <= n - newnj; i += newnj) {
    const delta = (ys[ysOff + i + newnj - 1] - ys[ysOff + i - 1]) / newnj;
    for (let j = i + 1; j <= i + newnj - 1; j++) ys[ysOff + j - 1] = ys[ysOff + i - 1] + delta * (j - i);
  }
  const k = Math.trunc((n - 1) / newnj) * newnj + 1;
  if (k !== n && k !== n - 1) {
    const delta = (ys[ysOff + n - 1] - ys[ysOff + k - 1]) / (n - k);
    for (let j = k + 1; j <= n - 1; j++) ys[ysOff + j - 1] = ys[ysOff + k - 1] + delta * (j - k);
  }
}

/**
 * `stless`'s walk over the points, recorded. A point whose window is centred on it gets the
 * same normalised tricube weights as any other such point, and its local line has zero slope:
 * its fit is a fixed weighted mean, one shared kernel (the Fortran's value to rounding).
 */
function makePlan(n: number, len: number, ideg: number, njump: number): SmoothPlan {
  const at: number[] = [];
  const from: number[] = [];
  const weights: (Float64Array | null)[] = [];
  const newnj = Math.max(1, Math.min(njump, n - 1));
  const half = Math.trunc((len + 1) / 2) - 1;
  const kernel = n >= 2 && len % 2 === 1 && len < n ? centredWeights(half) : null;
  const plan = (): SmoothPlan => ({
    n,
    newnj,
    at: Int32Array.from(at),
    from: Int32Array.from(from),
    weights,
    kernel,
  });
  if (n < 2) return plan();
  const fit = (i: number, nleft: number, nright: number) => {
    at.push(i);
    from.push(nleft - 1);
    weights.push(loessWeights(n, len, ideg, i, nleft, nright));
  };
  const centred = (i: number) => {
    at.push(i);
    from.push(i - 1 - half);
    weights.push(kernel);
  };
  let nleft = 1;
  let nright = n;
  if (len >= n) {
    for (let i = 1; i <= n; i += newnj) fit(i, nleft, nright);
  } else if (newnj === 1) {
    const nsh = Math.trunc((len + 1) / 2);
    nright = len;
    for (let i = 1; i <= n; i++) {
      if (i > nsh && nright !== n) {
        nleft++;
        nright++;
      }
      if (kernel && i - nleft === half && nright - i === half) centred(i);
      else fit(i, nleft, nright);
    }
  } else {
    const nsh = Math.trunc((len + 1) / 2);
    for (let i = 1; i <= n; i += newnj) {
      if (i < nsh) {
        nleft = 1;
        nright = len;
      } else if (i >= n - nsh + 1) {
        nleft = n - len + 1;
        nright = n;
      } else {
        nleft = i - nsh + 1;
        nright = len + i - nsh;
        if (kernel) {
          centred(i);
          continue;
        }
      }
      fit(i, nleft, nright);
    }
  }
  // The last point, when the jumps step over it (with the last window walked).
  if (newnj > 1 && Math.trunc((n - 1) / newnj) * newnj + 1 !== n) fit(n, nleft, nright);
  return plan();
}

/** Normalised tricube weights of a window of 2·half + 1 points centred on its middle (stlest). */
function centredWeights(half: number): Float64Array {
  const w = new Float64Array(2 * half + 1);
  const h = half;
  let total = 0;
  for (let d = -half; d <= half; d++) {
    const r = Math.abs(d);
    let v = 0;
    if (r <= 0.999 * h) {
      if (r <= 0.001 * h) v = 1;
      else {
        const u = r / h;
        const t = 1 - u * u * u;
        v = t * t * t;
      }
    }
    w[d + half] = v;
    total += v;
  }
  for (let d = 0; d < w.length; d++) w[d] /= total;
  return w;
}
