/**
 * The local regression steps of STL, translated from the netlib Fortran `stl.f` that R's
 * `stats::stl` calls (Cleveland, Cleveland, McRae & Terpenning 1990): `stlest` and `stless`.
 * Positions are 1-based as in the Fortran so the arithmetic can be compared line by line; the
 * robustness weights of the outer loop are left out (R's `stl(robust = FALSE)`).
 */

/**
 * Fitted value at position `xs` from a tricube-weighted local constant (`ideg` 0) or line
 * (`ideg` 1) over `y[nleft..nright]` (1-based, read at `y[off + j - 1]`). Fortran `stlest`.
 *
 * @returns the fitted value, or NaN when every weight is zero.
 */
export function loessAt(
  y: Float64Array,
  off: number,
  n: number,
  len: number,
  ideg: number,
  xs: number,
  nleft: number,
  nright: number,
  shape: ShapeWeights = shapeWeights(n, len, ideg),
): number {
  const at = (xs * (n + 2) + nleft) * (n + 2) + nright;
  let w = shape.get(at);
  if (w === undefined) {
    w = stlest(n, len, ideg, xs, nleft, nright);
    shape.set(at, w);
  }
  if (!w) return Number.NaN;
  let ys = 0;
  for (let d = 0, j = off + nleft - 1; d < w.length; d++, j++) ys += w[d] * y[j];
  return ys;
}

/** The `stlest` weights of one (n, len, ideg) by (xs, nleft, nright); null where all are zero. */
type ShapeWeights = Map<number, Float64Array | null>;

/**
 * The weights kept for one (n, len, ideg). They depend on positions only (no robustness
 * weights), so each is computed once: STL asks for the same ones in every backtest window of a
 * series and for every series of the same length, and each fit is then a dot product with the
 * same operands in the same order as the Fortran's.
 */
function shapeWeights(n: number, len: number, ideg: number): ShapeWeights {
  const key = `${n},${len},${ideg}`;
  let shape = weightCache.get(key);
  if (!shape) {
    if (weightCache.size >= WEIGHT_SHAPES_KEPT) weightCache.delete(weightCache.keys().next().value!);
    weightCache.set(key, (shape = new Map()));
  }
  return shape;
}

/** Weights kept for this many (n, len, ideg) shapes; the oldest is dropped past it. */
const WEIGHT_SHAPES_KEPT = 64;
const weightCache = new Map<string, ShapeWeights>();

/** The weights of Fortran `stlest`, `w[j - nleft]` for j in nleft..nright. */
function stlest(
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
  if (n < 2) {
    ys[ysOff] = y[off];
    return;
  }
  // A point whose window is centred on it gets the same normalised tricube weights as any
  // other such point, and its local line has zero slope: the fit is a fixed weighted mean.
  // Precomputing those weights once gives the Fortran's values (to rounding) at a fraction
  // of the cost.
  const half = Math.trunc((len + 1) / 2) - 1;
  const kernel = len % 2 === 1 && len < n ? centredWeights(half) : null;
  const newnj = Math.min(njump, n - 1);
  const shape = shapeWeights(n, len, ideg);
  let nleft = 1;
  let nright = n;
  if (len >= n) {
    for (let i = 1; i <= n; i += newnj) fitPoint(y, off, shape, n, len, ideg, i, nleft, nright, ys, ysOff);
  } else if (newnj === 1) {
    const nsh = Math.trunc((len + 1) / 2);
    nright = len;
    for (let i = 1; i <= n; i++) {
      if (i > nsh && nright !== n) {
        nleft++;
        nright++;
      }
      if (kernel && i - nleft === half && nright - i === half) centredAt(kernel, y, off, i, half, ys, ysOff);
      else fitPoint(y, off, shape, n, len, ideg, i, nleft, nright, ys, ysOff);
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
          centredAt(kernel, y, off, i, half, ys, ysOff);
          continue;
        }
      }
      fitPoint(y, off, shape, n, len, ideg, i, nleft, nright, ys, ysOff);
    }
  }
  if (newnj === 1) return;
  for (let i = 1; i <= n - newnj; i += newnj) {
    const delta = (ys[ysOff + i + newnj - 1] - ys[ysOff + i - 1]) / newnj;
    for (let j = i + 1; j <= i + newnj - 1; j++) ys[ysOff + j - 1] = ys[ysOff + i - 1] + delta * (j - i);
  }
  const k = Math.trunc((n - 1) / newnj) * newnj + 1;
  if (k !== n) {
    fitPoint(y, off, shape, n, len, ideg, n, nleft, nright, ys, ysOff);
    if (k !== n - 1) {
      const delta = (ys[ysOff + n - 1] - ys[ysOff + k - 1]) / (n - k);
      for (let j = k + 1; j <= n - 1; j++) ys[ysOff + j - 1] = ys[ysOff + k - 1] + delta * (j - k);
    }
  }
}

/** One loess value into `ys`, or the data value when every weight is zero (as `stless`). */
function fitPoint(
  y: Float64Array,
  off: number,
  shape: ShapeWeights,
  n: number,
  len: number,
  ideg: number,
  i: number,
  nleft: number,
  nright: number,
  ys: Float64Array,
  ysOff: number,
): void {
  const v = loessAt(y, off, n, len, ideg, i, nleft, nright, shape);
  ys[ysOff + i - 1] = Number.isNaN(v) ? y[off + i - 1] : v;
}

function centredAt(
  kernel: Float64Array,
  y: Float64Array,
  off: number,
  i: number,
  half: number,
  ys: Float64Array,
  ysOff: number,
): void {
  let s = 0;
  const base = off + i - 1 - half;
  for (let d = 0; d <= 2 * half; d++) s += kernel[d] * y[base + d];
  ys[ysOff + i - 1] = s;
}

/** Normalised tricube weights of a window of 2·half + 1 points centred on its middle (stlest). */
function centredWeights(half: number): Float64Array {
  let w = centredCache.get(half);
  if (!w) {
    if (centredCache.size >= WEIGHT_SHAPES_KEPT) centredCache.delete(centredCache.keys().next().value!);
    centredCache.set(half, (w = tricubeWindow(half)));
  }
  return w;
}

const centredCache = new Map<number, Float64Array>();

function tricubeWindow(half: number): Float64Array {
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
