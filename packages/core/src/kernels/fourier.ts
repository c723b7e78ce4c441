import { choleskyFactor, choleskySubstitute } from "./linalg.ts";

/** A design of trend plus Fourier terms, with time counted in steps from the last observation. */
export interface FourierDesign {
  /** Sine/cosine pairs as [period in steps, harmonic k]. */
  terms: [number, number][];
  /** Trend changepoints in steps relative to the last observation (≤ 0). */
  changepoints: number[];
  /** Time scale: t enters the trend as t / scale. */
  scale: number;
}

export interface FourierFit extends FourierDesign {
  /** Intercept, slope, one slope change per changepoint, then sin and cos per term. */
  coef: number[];
}

/**
 * The sine/cosine pairs for `periods` with `orders` harmonics each, skipping any frequency an
 * earlier period already has (the 7th weekly harmonic is the daily fundamental) and any at or
 * above Nyquist.
 */
export function fourierTerms(periods: number[], orders: number[]): [number, number][] {
  const terms: [number, number][] = [];
  const seen: number[] = [];
  periods.forEach((p, i) => {
    for (let k = 1; k <= orders[i]; k++) {
      const f = k / p;
      if (f >= 0.5 - 1e-9 || seen.some((g) => Math.abs(g - f) < 1e-9)) continue;
      seen.push(f);
      terms.push([p, k]);
    }
  });
  return terms;
}

function designRow(d: FourierDesign, t: number, row: Float64Array): void {
  row[0] = 1;
  row[1] = t / d.scale;
  let c = 2;
  for (const cp of d.changepoints) row[c++] = t > cp ? (t - cp) / d.scale : 0;
  // Harmonics of one period by the angle-addition recurrence: two trig calls per period.
  const terms = d.terms;
  let i = 0;
  while (i < terms.length) {
    const p = terms[i][0];
    const theta = (2 * Math.PI * t) / p;
    const s1 = Math.sin(theta);
    const c1 = Math.cos(theta);
    let sk = 0;
    let ck = 1;
    let k = 0;
    while (i < terms.length && terms[i][0] === p) {
      for (; k < terms[i][1]; k++) {
        const next = sk * c1 + ck * s1;
        ck = ck * c1 - sk * s1;
        sk = next;
      }
      row[c++] = sk;
      row[c++] = ck;
      i++;
    }
  }
}

/**
 * Least squares of y on a piecewise-linear trend and Fourier terms (the additive model of
 * Prophet, Taylor & Letham 2018), by normal equations. Slope changes get a ridge penalty
 * `changepointRidge · rows` in place of Prophet's Laplace prior, so the fit stays one linear
 * solve; NaN rows are skipped. O(n · k²) for k columns, O(n · k) for a gap-free design met before
 * (see gapFreeSystem).
 *
 * @param y - values; NaN marks a gap.
 * @param design - terms and changepoints (see fourierTerms).
 * @param changepointRidge - penalty on each slope change, in units of the (standardised) fit. Default 1.
 * @returns the coefficients with the design.
 */
export function fourierFit(y: Float64Array, design: FourierDesign, changepointRidge = 1): FourierFit {
  const n = y.length;
  const k = 2 + design.changepoints.length + 2 * design.terms.length;
  let rows = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(y[i])) {
      rows++;
      mean += y[i];
    }
  }
  if (rows < k) throw new Error(`fourier regression needs at least ${k} readings (got ${rows})`);
  mean /= rows;
  let variance = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(y[i])) variance += (y[i] - mean) ** 2;
  const sd = Math.sqrt(variance / rows) || 1;
  const z = new Float64Array(rows);
  for (let i = 0, r = 0; i < n; i++) if (Number.isFinite(y[i])) z[r++] = (y[i] - mean) / sd;
  const { x, factor } =
    rows === n
      ? gapFreeSystem(design, n, k, changepointRidge)
      : normalSystem(design, y, rows, k, changepointRidge);
  const xtz = new Float64Array(k);
  for (let a = 0; a < k; a++) xtz[a] = dot(x.subarray(a * rows, (a + 1) * rows), z, rows);
  const beta = choleskySubstitute(factor, xtz, k);
  const coef = Array.from(beta, (b) => b * sd);
  coef[0] += mean;
  return { ...design, coef };
}

/** A design (column-major over the fitted rows) and the Cholesky factor of its penalised Gram matrix. */
interface NormalSystem {
  x: Float64Array;
  factor: Float64Array;
}

/** Designs without gaps recently solved, by design and length; the oldest is dropped past 8. */
const gapFree = new Map<string, NormalSystem>();
const GAP_FREE_KEPT = 8;

/**
 * The system of a window without gaps. Time counts from the window's last step, so every
 * backtest window of a series (and every series of the same length and seasons) has the same
 * design: it is built and factored once, and each further fit is Xᵀz and two triangular solves,
 * with the same arithmetic, so the same coefficients to the bit.
 */
function gapFreeSystem(design: FourierDesign, n: number, k: number, ridge: number): NormalSystem {
  const key = `${n}|${ridge}|${design.scale}|${design.changepoints.join()}|${design.terms.join(";")}`;
  let system = gapFree.get(key);
  if (!system) {
    system = normalSystem(design, undefined, n, k, ridge);
    if (gapFree.size >= GAP_FREE_KEPT) gapFree.delete(gapFree.keys().next().value!);
    gapFree.set(key, system);
  }
  return system;
}

/**
 * Least squares' design over the rows where `y` is finite (all `rows` of them when `y` is
 * undefined), and the factor of XᵀX with the ridge on the slope changes, O(rows · k²).
 */
function normalSystem(
  design: FourierDesign,
  y: Float64Array | undefined,
  rows: number,
  k: number,
  ridge: number,
): NormalSystem {
  const n = y?.length ?? rows;
  const x = new Float64Array(k * rows);
  const row = new Float64Array(k);
  for (let i = 0, r = 0; i < n; i++) {
    if (y && !Number.isFinite(y[i])) continue;
    designRow(design, i - (n - 1), row);
    for (let c = 0; c < k; c++) x[c * rows + r] = row[c];
    r++;
  }
  const xtx = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    const ca = x.subarray(a * rows, (a + 1) * rows);
    for (let b = a; b < k; b++) {
      const s = dot(ca, x.subarray(b * rows, (b + 1) * rows), rows);
      xtx[a * k + b] = s;
      xtx[b * k + a] = s;
    }
  }
  for (let c = 2; c < 2 + design.changepoints.length; c++) xtx[c * k + c] += ridge * rows;
  for (let c = 0; c < k; c++) xtx[c * k + c] += 1e-9 * rows;
  return { x, factor: choleskyFactor(xtx, k) };
}

/** Dot product with four accumulators (the single-sum loop waits on each addition). */
function dot(u: Float64Array, v: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let r = 0;
  for (; r + 3 < n; r += 4) {
    s0 += u[r] * v[r];
    s1 += u[r + 1] * v[r + 1];
    s2 += u[r + 2] * v[r + 2];
    s3 += u[r + 3] * v[r + 3];
  }
  for (; r < n; r++) s0 += u[r] * v[r];
  return s0 + s1 + s2 + s3;
}

/** Fitted values at steps t (relative to the last observation; 1..h forecasts). */
/**
 * The prediction split by column group: `trend` (intercept, slope and slope changes) and one
 * entry per seasonal period (its sine and cosine terms), each summing over its columns; the
 * groups add up to {@link fourierPredict}.
 */
export function fourierContributions(
  fit: FourierFit,
  steps: ArrayLike<number>,
): Map<number | "trend", Float64Array> {
  const k = fit.coef.length;
  const row = new Float64Array(k);
  const out = new Map<number | "trend", Float64Array>([["trend", new Float64Array(steps.length)]]);
  const base = 2 + fit.changepoints.length;
  for (const [period] of fit.terms) if (!out.has(period)) out.set(period, new Float64Array(steps.length));
  for (let i = 0; i < steps.length; i++) {
    designRow(fit, steps[i], row);
    const trend = out.get("trend")!;
    for (let c = 0; c < base; c++) trend[i] += fit.coef[c] * row[c];
    for (let c = base; c < k; c++) out.get(fit.terms[(c - base) >> 1][0])![i] += fit.coef[c] * row[c];
  }
  return out;
}

export function fourierPredict(fit: FourierFit, steps: ArrayLike<number>): Float64Array {
  const k = fit.coef.length;
  const row = new Float64Array(k);
  const out = new Float64Array(steps.length);
  for (let i = 0; i < steps.length; i++) {
    designRow(fit, steps[i], row);
    let s = 0;
    for (let c = 0; c < k; c++) s += fit.coef[c] * row[c];
    out[i] = s;
  }
  return out;
}
