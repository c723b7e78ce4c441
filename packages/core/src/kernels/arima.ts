/**
 * Seasonal ARIMA(p,d,q)(P,D,Q)[m] with an optional mean (d + D = 0) or drift (d + D = 1),
 * estimated as R's `stats::arima(method = "CSS-ML")`: conditional sum of squares for starting
 * values, then exact Gaussian maximum likelihood by the Kalman filter, with R's
 * reparametrisation of the AR parts (partial autocorrelations through tanh) so the search stays
 * stationary, R's `arCheck` on the CSS start and R's `maInvert` (root reflection) afterwards.
 *
 * Two deliberate departures from R, both exact rather than approximate:
 * - the likelihood is that of the differenced series with a stationary start (the limit of R's
 *   diffuse prior with κ = 10⁶), so the state has max(p, q + 1) entries instead of
 *   max(p, q + 1) + d + D·m: that is what makes a monthly fit cheap;
 * - the mean / drift is profiled out by generalised least squares inside the filter instead of
 *   being searched jointly; the joint maximum is the same point, with one fewer dimension.
 * The state's initial covariance comes from the ARMA autocovariances (exact, like Gardner et
 * al.'s Q0), and once the filter reaches its steady state the recursion drops to O(p + q).
 */

/** Orders of a seasonal ARIMA; `m` is 1 for a non-seasonal model (then P = D = Q = 0). */
export interface ArimaOrder {
  p: number;
  d: number;
  q: number;
  P: number;
  D: number;
  Q: number;
  m: number;
}

/** Coefficients in R's sign convention: (1 − Σ ar_i Bⁱ) w_t = (1 + Σ ma_j Bʲ) e_t. */
export interface ArimaCoefficients {
  ar: number[];
  ma: number[];
  sar: number[];
  sma: number[];
}

export interface ArimaFit {
  order: ArimaOrder;
  /** Whether a mean (d + D = 0) or drift (d + D = 1) was estimated. */
  constant: boolean;
  coef: ArimaCoefficients;
  /**
   * Mean of the differenced series: the intercept when d + D = 0; R's drift coefficient times
   * the differencing lag (1, or m for a seasonal difference) when d + D = 1; else 0.
   */
  mean: number;
  /** Innovation variance as R's `arima` reports it: sum of squared innovations / nobs. */
  sigma2: number;
  /** Sum of squared standardised innovations (R's `sum(residuals^2)`). */
  ssq: number;
  loglik: number;
  aic: number;
  /** AICc as R's `auto.arima`, counting σ² among the parameters. */
  aicc: number;
  bic: number;
  /** Observations after differencing (R's `n.used`). */
  nobs: number;
  /** Estimated coefficients, σ² excluded. */
  npar: number;
  /** Predicted ARMA state a(n+1 | n) of the demeaned differenced series; empty for CSS fits. */
  state: Float64Array;
  method: "CSS-ML" | "CSS";
}

export interface ArimaFitOptions {
  /** Estimate a mean (d + D = 0) or drift (d + D = 1); ignored when d + D ≥ 2. Default true. */
  constant?: boolean;
  /** "CSS-ML" (default, R's default) or "CSS" (conditional sum of squares only, R's approximation). */
  method?: "CSS-ML" | "CSS";
}

/** Most optimiser iterations per stage, as R's `optim` default for BFGS. */
const MAX_ITERATIONS = 100;

/**
 * Fits an ARIMA model to `y` (no gaps). Returns null where R's `arima` fails: a non-stationary
 * AR start from CSS, too few observations, or a non-finite likelihood.
 */
export function arimaFit(
  y: ArrayLike<number>,
  order: ArimaOrder,
  options: ArimaFitOptions = {},
): ArimaFit | null {
  const method = options.method ?? "CSS-ML";
  const nd = order.d + order.D;
  const constant = (options.constant ?? true) && nd <= 1;
  const w = difference(y, order.d, order.D, order.m);
  const n = w.length;
  const k = order.p + order.q + order.P + order.Q;
  const ncond = order.p + order.P * order.m;
  if (n - ncond <= 0 || n < 1) return null;
  const unpack = (x: ArrayLike<number>): ArimaCoefficients => {
    let i = 0;
    const take = (len: number) => Array.from({ length: len }, () => x[i++]);
    return { ar: take(order.p), ma: take(order.q), sar: take(order.P), sma: take(order.Q) };
  };

  // Stage 1: conditional sum of squares from zero, as R (the mean is profiled out).
  const cssValue = (x: Float64Array) => {
    const { phi, theta } = expandArma(unpack(x), order.m);
    const css = conditionalSumOfSquares(w, phi, theta, constant);
    return css.nu > 0 && css.ssq > 0 ? 0.5 * Math.log(css.ssq / css.nu) : Number.POSITIVE_INFINITY;
  };
  let coef = unpack(new Float64Array(k));
  if (k > 0) {
    const css = bfgs(cssValue, new Float64Array(k));
    if (!Number.isFinite(css.value)) return null;
    coef = unpack(css.x);
  }
  if (method === "CSS") {
    const { phi, theta } = expandArma(coef, order.m);
    const css = conditionalSumOfSquares(w, phi, theta, constant);
    if (!(css.ssq > 0) || css.nu <= 0) return null;
    const sigma2 = css.ssq / css.nu;
    const loglik = -0.5 * (n * Math.log(sigma2) + n + n * Math.log(2 * Math.PI));
    return finish(order, constant, coef, css.mean, sigma2, css.ssq, loglik, n, new Float64Array(0), "CSS");
  }
  if (!arCheck(coef.ar) || !arCheck(coef.sar)) return null;
  coef.ma = maInvert(coef.ma);
  coef.sma = maInvert(coef.sma);

  // Stage 2: exact likelihood over (transformed AR, MA) from the CSS estimates.
  const toCoef = (x: Float64Array): ArimaCoefficients => {
    const c = unpack(x);
    return { ar: fromPartial(c.ar), ma: c.ma, sar: fromPartial(c.sar), sma: c.sma };
  };
  const mlValue = (x: Float64Array) => {
    const { phi, theta } = expandArma(toCoef(x), order.m);
    const f = kalmanLikelihood(w, phi, theta, constant);
    return f ? 0.5 * (Math.log(f.ssq / n) + f.sumlog / n) : Number.POSITIVE_INFINITY;
  };
  if (k > 0) {
    const start = Float64Array.from([...toPartial(coef.ar), ...coef.ma, ...toPartial(coef.sar), ...coef.sma]);
    if (!start.every(Number.isFinite)) return null;
    const ml = bfgs(mlValue, start);
    if (!Number.isFinite(ml.value)) return null;
    coef = toCoef(ml.x);
    // The exact likelihood cannot tell an MA root from its reflection; report the invertible one.
    coef.ma = maInvert(coef.ma);
    coef.sma = maInvert(coef.sma);
  }
  const { phi, theta } = expandArma(coef, order.m);
  const f = kalmanLikelihood(w, phi, theta, constant);
  if (!f || !(f.ssq > 0)) return null;
  const value = Math.log(f.ssq / n) + f.sumlog / n;
  const loglik = -0.5 * (n * value + n + n * Math.log(2 * Math.PI));
  return finish(order, constant, coef, f.mean, f.ssq / n, f.ssq, loglik, n, f.state, "CSS-ML");
}

function finish(
  order: ArimaOrder,
  constant: boolean,
  coef: ArimaCoefficients,
  mean: number,
  sigma2: number,
  ssq: number,
  loglik: number,
  nobs: number,
  state: Float64Array,
  method: "CSS-ML" | "CSS",
): ArimaFit {
  const npar = order.p + order.q + order.P + order.Q + (constant ? 1 : 0);
  const aic = -2 * loglik + 2 * (npar + 1);
  return {
    order,
    constant,
    coef,
    mean: constant ? mean : 0,
    sigma2,
    ssq,
    loglik,
    aic,
    ...informationCriteria(aic, npar + 1, nobs),
    nobs,
    npar,
    state,
    method,
  };
}

/** AICc and BIC from AIC as R's `auto.arima` (`k` counts σ²); AICc is ∞ when nobs ≤ k + 1. */
export function informationCriteria(aic: number, k: number, nobs: number): { aicc: number; bic: number } {
  const denominator = nobs - k - 1;
  return {
    aicc: denominator > 0 ? aic + (2 * k * (k + 1)) / denominator : Number.POSITIVE_INFINITY,
    bic: aic + k * (Math.log(nobs) - 2),
  };
}

/** Applies (1 − B)^d (1 − B^m)^D to `y`; the result is d + D·m shorter. */
export function difference(y: ArrayLike<number>, d: number, D: number, m: number): Float64Array {
  let x: Float64Array = Float64Array.from(y);
  for (let i = 0; i < D; i++) x = lagDifference(x, m);
  for (let i = 0; i < d; i++) x = lagDifference(x, 1);
  return x;
}

function lagDifference(x: Float64Array, lag: number): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - lag));
  for (let t = 0; t < out.length; t++) out[t] = x[t + lag] - x[t];
  return out;
}

/**
 * R's `Delta`: coefficients δ of (1 − B)^d (1 − B^m)^D = 1 − Σ δ_i Bⁱ, so that
 * x_t = w_t + Σ δ_i x_{t−i} undoes the differencing.
 */
export function differencingPolynomial(d: number, D: number, m: number): Float64Array {
  let poly = [1];
  const times = (factor: number[]) => {
    const out = new Array(poly.length + factor.length - 1).fill(0);
    for (let i = 0; i < poly.length; i++)
      for (let j = 0; j < factor.length; j++) out[i + j] += poly[i] * factor[j];
    poly = out;
  };
  for (let i = 0; i < d; i++) times([1, -1]);
  const seasonal = new Array(m + 1).fill(0);
  seasonal[0] = 1;
  seasonal[m] = -1;
  for (let i = 0; i < D; i++) times(seasonal);
  return Float64Array.from(poly.slice(1), (c) => -c);
}

/**
 * Multiplies the seasonal polynomials out, as R's `ARIMA_transPars`: φ(B)Φ(B^m) and θ(B)Θ(B^m),
 * returned as `phi` (1 − Σ phi_i Bⁱ) and `theta` (1 + Σ theta_j Bʲ) of length p + mP and q + mQ.
 */
export function expandArma(coef: ArimaCoefficients, m: number): { phi: Float64Array; theta: Float64Array } {
  const p = coef.ar.length;
  const P = coef.sar.length;
  const q = coef.ma.length;
  const Q = coef.sma.length;
  const phi = new Float64Array(p + m * P);
  const theta = new Float64Array(q + m * Q);
  for (let i = 0; i < p; i++) phi[i] = coef.ar[i];
  for (let i = 0; i < q; i++) theta[i] = coef.ma[i];
  for (let j = 0; j < P; j++) {
    phi[(j + 1) * m - 1] += coef.sar[j];
    for (let i = 0; i < p; i++) phi[(j + 1) * m + i] -= coef.ar[i] * coef.sar[j];
  }
  for (let j = 0; j < Q; j++) {
    theta[(j + 1) * m - 1] += coef.sma[j];
    for (let i = 0; i < q; i++) theta[(j + 1) * m + i] += coef.ma[i] * coef.sma[j];
  }
  return { phi, theta };
}

/**
 * Conditional sum of squares as R's `ARIMA_CSS` on the differenced series: residuals start
 * after the first p + mP values, earlier MA residuals count as 0. With `withMean`, the mean of
 * `w` is profiled out (residuals are affine in it).
 */
export function conditionalSumOfSquares(
  w: Float64Array,
  phi: Float64Array,
  theta: Float64Array,
  withMean: boolean,
): { ssq: number; nu: number; mean: number } {
  const n = w.length;
  const p = phi.length;
  const q = theta.length;
  const e = new Float64Array(n);
  const g = new Float64Array(n);
  let sumPhi = 1;
  for (let j = 0; j < p; j++) sumPhi -= phi[j];
  let see = 0;
  let seg = 0;
  let sgg = 0;
  for (let t = p; t < n; t++) {
    let x = w[t];
    for (let j = 0; j < p; j++) x -= phi[j] * w[t - j - 1];
    let c = sumPhi;
    const lags = Math.min(t - p, q);
    for (let j = 0; j < lags; j++) {
      x -= theta[j] * e[t - j - 1];
      c -= theta[j] * g[t - j - 1];
    }
    e[t] = x;
    g[t] = c;
    see += x * x;
    seg += x * c;
    sgg += c * c;
  }
  const mean = withMean && sgg > 0 ? seg / sgg : 0;
  return { ssq: see - mean * seg, nu: n - p, mean };
}

/** What the Kalman filter returns: the pieces of R's `ARIMA_Like` and the final state. */
interface Likelihood {
  ssq: number;
  sumlog: number;
  mean: number;
  state: Float64Array;
}

/**
 * Exact Gaussian likelihood of a stationary ARMA on `w` by the Kalman filter in Harvey's state
 * form (R's `makeARIMA` without the differencing block), started at the stationary covariance Σ.
 * The covariance is propagated by the Chandrasekhar recursions (Morf, Sidhu & Kailath 1974;
 * Herbst 2015): from a stationary start each step changes the state covariance by a rank-one
 * term M W Mᵀ, so a step costs O(p + q) instead of O((p + q)²) and only Σ's first column is
 * needed. That matters for seasonal MA terms, whose filter never reaches its steady state
 * within a few years of monthly data. With `withMean`, a constant mean is estimated by GLS
 * alongside (a second state for the unit series shares the gains). Returns null when Σ is not
 * positive (a non-stationary AR part).
 */
export function kalmanLikelihood(
  w: Float64Array,
  phi: Float64Array,
  theta: Float64Array,
  withMean: boolean,
): Likelihood | null {
  const n = w.length;
  const p = phi.length;
  const q = theta.length;
  const r = Math.max(p, q + 1);
  const column = stationaryColumn(phi, theta, r);
  if (!column) return null;
  const T = new Float64Array(r);
  for (let i = 0; i < p; i++) T[i] = phi[i];
  let F = column[0];
  if (!(F > 0) || !Number.isFinite(F)) return null;
  // K = T Σ e₁ (unnormalised gain), M = K and W = −1/F give the first covariance change.
  const K = new Float64Array(r);
  for (let i = 0; i < r; i++) K[i] = T[i] * column[0] + (i + 1 < r ? column[i + 1] : 0);
  const M = Float64Array.from(K);
  let W = -1 / F;
  const a = new Float64Array(r);
  const b = new Float64Array(r);
  let sww = 0;
  let sw1 = 0;
  let s11 = 0;
  let sumlog = 0;
  let steady = false;
  const last = r - 1;
  for (let t = 0; t < n; t++) {
    const vw = w[t] - a[0];
    const gw = vw / F;
    sww += vw * gw;
    sumlog += Math.log(F);
    // a ← T a + K v / F, T the companion matrix ((T x)_i = phi_i x_0 + x_{i+1}).
    const a0 = a[0];
    for (let i = 0; i < last; i++) a[i] = T[i] * a0 + a[i + 1] + K[i] * gw;
    a[last] = T[last] * a0 + K[last] * gw;
    if (withMean) {
      const v1 = 1 - b[0];
      const g1 = v1 / F;
      sw1 += vw * g1;
      s11 += v1 * g1;
      const b0 = b[0];
      for (let i = 0; i < last; i++) b[i] = T[i] * b0 + b[i + 1] + K[i] * g1;
      b[last] = T[last] * b0 + K[last] * g1;
    }
    if (steady) continue;
    // ΔP = W M Mᵀ: F' = F + W z², K' = K + W z T M, M' = T M − z K / F, W' = W F / F'.
    const z = M[0];
    const nextF = F + W * z * z;
    if (!(nextF > 0)) return null;
    const wz = W * z;
    const zf = z / F;
    let change = 0;
    for (let i = 0; i < r; i++) {
      const tm = T[i] * z + (i < last ? M[i + 1] : 0);
      const m = tm - zf * K[i];
      K[i] += wz * tm;
      M[i] = m;
      const am = m < 0 ? -m : m;
      if (am > change) change = am;
    }
    W = (W * F) / nextF;
    steady = change * change * Math.abs(W) < STEADY;
    F = nextF;
  }
  const mean = withMean && s11 > 0 ? sw1 / s11 : 0;
  const state = new Float64Array(r);
  for (let i = 0; i < r; i++) state[i] = a[i] - mean * b[i];
  return { ssq: sww - mean * sw1, sumlog, mean, state };
}

/** Below this size of the covariance change the filter counts as steady (gains stop moving). */
const STEADY = 1e-14;

/**
 * First column of the stationary covariance Σ of the Harvey state, with unit innovation
 * variance: state entry i is Σ_{k>i} phi_k y_{t+i−k} + Σ_{k≥i} theta_k e_{t+i−k} (theta_0 = 1)
 * and entry 0 is y_t, so Σ_{i0} = Σ_k phi_k γ(k − i) + Σ_k theta_k ψ(k − i).
 */
function stationaryColumn(phi: Float64Array, theta: Float64Array, r: number): Float64Array | null {
  const p = phi.length;
  const q = theta.length;
  const gamma = autocovariance(phi, theta, r);
  if (!gamma) return null;
  const psi = psiFrom(phi, theta, r + 1);
  const out = new Float64Array(r);
  out[0] = gamma[0];
  for (let i = 1; i < r; i++) {
    let s = 0;
    for (let k = i + 1; k <= p; k++) s += phi[k - 1] * gamma[k - i];
    for (let k = i; k <= q; k++) s += theta[k - 1] * psi[k - i];
    out[i] = s;
  }
  return out;
}

/** ψ-weights ψ_0..ψ_{h−1} of 1/(1 − Σ phi Bⁱ) · (1 + Σ theta Bʲ). */
export function psiFrom(phi: ArrayLike<number>, theta: ArrayLike<number>, h: number): Float64Array {
  const psi = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    let s = j === 0 ? 1 : j <= theta.length ? theta[j - 1] : 0;
    for (let i = 1; i <= Math.min(j, phi.length); i++) s += phi[i - 1] * psi[j - i];
    psi[j] = s;
  }
  return psi;
}

/**
 * Autocovariances γ(0..lags) of a stationary ARMA with unit innovation variance (Brockwell &
 * Davis §3.3): a (p + 1)-equation linear system for γ(0..p), then the AR recursion.
 */
export function autocovariance(
  phi: ArrayLike<number>,
  theta: ArrayLike<number>,
  lags: number,
): Float64Array | null {
  const p = phi.length;
  const q = theta.length;
  const psi = psiFrom(phi, theta, q + 1);
  const c = new Float64Array(Math.max(lags, p) + 1);
  for (let k = 0; k <= q && k < c.length; k++) {
    let s = 0;
    for (let j = k; j <= q; j++) s += (j === 0 ? 1 : theta[j - 1]) * psi[j - k];
    c[k] = s;
  }
  const gamma = new Float64Array(Math.max(lags, p) + 1);
  if (p === 0) {
    for (let k = 0; k < gamma.length; k++) gamma[k] = c[k];
    return gamma;
  }
  const size = p + 1;
  const A = new Float64Array(size * size);
  const rhs = new Float64Array(size);
  for (let k = 0; k <= p; k++) {
    A[k * size + k] += 1;
    for (let i = 1; i <= p; i++) A[k * size + Math.abs(k - i)] -= phi[i - 1];
    rhs[k] = c[k];
  }
  const solved = solve(A, rhs, size);
  if (!solved || !(solved[0] > 0)) return null;
  for (let k = 0; k <= p; k++) gamma[k] = solved[k];
  for (let k = p + 1; k < gamma.length; k++) {
    let s = c[k];
    for (let i = 1; i <= p; i++) s += phi[i - 1] * gamma[k - i];
    gamma[k] = s;
  }
  return gamma;
}

/** Gaussian elimination with partial pivoting (A is overwritten); null when singular. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(A[i * n + col]) > Math.abs(A[pivot * n + col])) pivot = i;
    const v = A[pivot * n + col];
    if (!(Math.abs(v) > 1e-13)) return null;
    if (pivot !== col) {
      for (let j = 0; j < n; j++) [A[col * n + j], A[pivot * n + j]] = [A[pivot * n + j], A[col * n + j]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    for (let i = col + 1; i < n; i++) {
      const f = A[i * n + col] / v;
      if (f === 0) continue;
      for (let j = col; j < n; j++) A[i * n + j] -= f * A[col * n + j];
      x[i] -= f * x[col];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= A[i * n + j] * x[j];
    x[i] = s / A[i * n + i];
  }
  return x;
}

/**
 * R's `partrans`: maps unconstrained values through tanh to partial autocorrelations, then by
 * Durbin–Levinson to the coefficients of a stationary AR polynomial.
 */
export function fromPartial(raw: ArrayLike<number>): number[] {
  const p = raw.length;
  const out = Array.from(raw, Math.tanh);
  const work = out.slice();
  for (let j = 1; j < p; j++) {
    const a = out[j];
    for (let k = 0; k < j; k++) work[k] -= a * out[j - k - 1];
    for (let k = 0; k < j; k++) out[k] = work[k];
  }
  return out;
}

/** Inverse of {@link fromPartial} (R's `invpartrans`), for a stationary AR polynomial. */
export function toPartial(ar: ArrayLike<number>): number[] {
  const p = ar.length;
  const out = Array.from(ar);
  const work = out.slice();
  for (let j = p - 1; j > 0; j--) {
    const a = out[j];
    for (let k = 0; k < j; k++) work[k] = (out[k] + a * out[j - k - 1]) / (1 - a * a);
    for (let k = 0; k < j; k++) out[k] = work[k];
  }
  return out.map(Math.atanh);
}

/** R's `arCheck`: all roots of 1 − Σ ar_i zⁱ outside the unit circle. */
export function arCheck(ar: ArrayLike<number>): boolean {
  let p = ar.length;
  while (p > 0 && ar[p - 1] === 0) p--;
  if (p === 0) return true;
  return polyRoots([1, ...Array.from({ length: p }, (_, i) => -ar[i])]).every(
    ([re, im]) => Math.hypot(re, im) > 1,
  );
}

/**
 * R's `maInvert`: reflects the roots of 1 + Σ ma_j zʲ that lie inside the unit circle, which
 * leaves the autocovariances (and the exact likelihood) unchanged and makes the MA invertible.
 */
export function maInvert(ma: number[]): number[] {
  let q = ma.length;
  while (q > 0 && ma[q - 1] === 0) q--;
  if (q === 0) return ma.slice();
  const roots = polyRoots([1, ...ma.slice(0, q)]);
  if (roots.every(([re, im]) => Math.hypot(re, im) >= 1)) return ma.slice();
  // Rebuild Π (1 − z / root) with the reflected roots, in complex arithmetic.
  let re = [1];
  let im = [0];
  for (const [r0, i0] of roots) {
    const mod2 = r0 * r0 + i0 * i0;
    // A root inside the circle is replaced by its reciprocal 1/z = conj(z)/|z|².
    const [rr, ri] = mod2 < 1 ? [r0 / mod2, -i0 / mod2] : [r0, i0];
    // Multiply by (1 − z/root): coefficient k gains −(coefficient k − 1)/root.
    const m2 = rr * rr + ri * ri;
    const ir = rr / m2;
    const ii = -ri / m2;
    const nre = [...re, 0];
    const nim = [...im, 0];
    for (let k = 1; k < nre.length; k++) {
      nre[k] -= re[k - 1] * ir - im[k - 1] * ii;
      nim[k] -= re[k - 1] * ii + im[k - 1] * ir;
    }
    re = nre;
    im = nim;
  }
  const out = re.slice(1);
  return [...out, ...ma.slice(q).map(() => 0)];
}

/** Smallest root modulus of 1 − Σ ar zⁱ and 1 + Σ ma zʲ (2 when there are none), as auto.arima. */
export function minRootModulus(coef: ArimaCoefficients, m: number): number {
  let min = 2;
  const check = (poly: number[], power: number) => {
    let k = poly.length;
    while (k > 0 && Math.abs(poly[k - 1]) <= 1e-8) k--;
    if (k === 0) return;
    for (const [re, im] of polyRoots([1, ...poly.slice(0, k)]))
      min = Math.min(min, Math.hypot(re, im) ** (1 / power));
  };
  check(
    coef.ar.map((v) => -v),
    1,
  );
  check(
    coef.sar.map((v) => -v),
    m,
  );
  check(coef.ma, 1);
  check(coef.sma, m);
  return min;
}

/**
 * Complex roots of c_0 + c_1 z + … + c_k z^k (c_k ≠ 0) by the Durand–Kerner iteration, as
 * [re, im] pairs. The polynomials here have degree ≤ 5, where it converges in a few dozen steps.
 */
export function polyRoots(c: number[]): [number, number][] {
  const k = c.length - 1;
  if (k < 1) return [];
  const lead = c[k];
  const a = c.map((v) => v / lead);
  if (k === 1) return [[-a[0], 0]];
  let bound = 1;
  for (let i = 0; i < k; i++) bound = Math.max(bound, 1 + Math.abs(a[i]));
  const zr = new Float64Array(k);
  const zi = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const angle = (2 * Math.PI * i) / k + 0.4;
    zr[i] = 0.5 * bound * Math.cos(angle);
    zi[i] = 0.5 * bound * Math.sin(angle);
  }
  for (let iter = 0; iter < 500; iter++) {
    let delta = 0;
    for (let i = 0; i < k; i++) {
      // p(z) by Horner, monic.
      let pr = 1;
      let pi = 0;
      for (let j = k - 1; j >= 0; j--) {
        const nr = pr * zr[i] - pi * zi[i] + a[j];
        pi = pr * zi[i] + pi * zr[i];
        pr = nr;
      }
      let dr = 1;
      let di = 0;
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        const xr = zr[i] - zr[j];
        const xi = zi[i] - zi[j];
        const nr = dr * xr - di * xi;
        di = dr * xi + di * xr;
        dr = nr;
      }
      const den = dr * dr + di * di;
      if (den === 0) continue;
      const qr = (pr * dr + pi * di) / den;
      const qi = (pi * dr - pr * di) / den;
      zr[i] -= qr;
      zi[i] -= qi;
      delta = Math.max(delta, Math.hypot(qr, qi));
    }
    if (delta < 1e-14) break;
  }
  return Array.from({ length: k }, (_, i) => [zr[i], zi[i]]);
}

export interface BfgsResult {
  x: Float64Array;
  value: number;
}

/**
 * Quasi-Newton minimisation as R's `optim(method = "BFGS")` (Nash's `vmmin`: backtracking by
 * 0.2 to an Armijo step, BFGS update of the inverse Hessian, restart on a bad direction), the
 * optimiser `stats::arima` runs, so fits land where R's do. Gradients are forward differences.
 */
export function bfgs(
  f: (x: Float64Array) => number,
  start: ArrayLike<number>,
  maxIterations = MAX_ITERATIONS,
  reltol = Math.sqrt(Number.EPSILON),
): BfgsResult {
  const n = start.length;
  const value = (x: Float64Array) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const x = Float64Array.from(start);
  let fmin = value(x);
  if (!Number.isFinite(fmin) || n === 0) return { x, value: fmin };
  const probe = new Float64Array(n);
  // Forward differences with a small relative step: half the evaluations of optim's central
  // differences (step 10⁻³), and as accurate here since the objective is smooth and O(1).
  const gradient = (at: Float64Array, fat: number, g: Float64Array) => {
    probe.set(at);
    for (let i = 0; i < n; i++) {
      const h = 1e-6 * Math.max(1, Math.abs(at[i]));
      probe[i] = at[i] + h;
      const up = value(probe);
      if (Number.isFinite(up)) g[i] = (up - fat) / h;
      else {
        probe[i] = at[i] - h;
        const down = value(probe);
        g[i] = Number.isFinite(down) ? (fat - down) / h : 0;
      }
      probe[i] = at[i];
    }
  };
  const g = new Float64Array(n);
  gradient(x, fmin, g);
  const B = new Float64Array(n * n);
  const t = new Float64Array(n);
  const xOld = new Float64Array(n);
  const gOld = new Float64Array(n);
  const X = new Float64Array(n);
  let gradCount = 1;
  let iLast = gradCount;
  let iter = 1;
  let count = 0;
  do {
    if (iLast === gradCount) {
      B.fill(0);
      for (let i = 0; i < n; i++) B[i * n + i] = 1;
    }
    xOld.set(x);
    gOld.set(g);
    let gradProj = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s -= B[i * n + j] * g[j];
      t[i] = s;
      gradProj += s * g[i];
    }
    if (gradProj < 0) {
      let step = 1;
      let accepted = false;
      let fx = fmin;
      do {
        count = 0;
        for (let i = 0; i < n; i++) {
          x[i] = xOld[i] + step * t[i];
          if (10 + x[i] === 10 + xOld[i]) count++;
        }
        if (count < n) {
          fx = value(x);
          accepted = Number.isFinite(fx) && fx <= fmin + gradProj * step * 1e-4;
          if (!accepted) step *= 0.2;
        }
      } while (!(count === n || accepted));
      const enough = Math.abs(fx - fmin) > reltol * (Math.abs(fmin) + reltol);
      if (!enough) {
        count = n;
        if (fx < fmin) fmin = fx;
        else x.set(xOld);
      }
      if (count < n) {
        fmin = fx;
        gradient(x, fmin, g);
        gradCount++;
        iter++;
        let d1 = 0;
        for (let i = 0; i < n; i++) {
          t[i] *= step;
          gOld[i] = g[i] - gOld[i];
          d1 += t[i] * gOld[i];
        }
        if (d1 > 0) {
          let d2 = 0;
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += B[i * n + j] * gOld[j];
            X[i] = s;
            d2 += s * gOld[i];
          }
          d2 = 1 + d2 / d1;
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) B[i * n + j] += (d2 * t[i] * t[j] - X[i] * t[j] - t[i] * X[j]) / d1;
        } else {
          iLast = gradCount;
        }
      } else if (iLast < gradCount) {
        count = 0;
        iLast = gradCount;
      }
    } else {
      count = 0;
      if (iLast === gradCount) count = n;
      else iLast = gradCount;
    }
    if (iter >= maxIterations) break;
    if (gradCount - iLast > 2 * n) iLast = gradCount;
  } while (count !== n || iLast !== gradCount);
  return { x, value: fmin };
}

/** What forecasting needs from a fit: orders, coefficients, the mean, state and recent values. */
export interface ArimaForecastInput {
  order: ArimaOrder;
  coef: ArimaCoefficients;
  mean: number;
  /** Predicted ARMA state a(n+1 | n) of the demeaned differenced series. */
  state: ArrayLike<number>;
  /** The last d + D·m observations of the undifferenced series, oldest first. */
  last: ArrayLike<number>;
}

/**
 * Point forecasts for steps 1..h: the ARMA state runs forward through the companion matrix,
 * then the differences are integrated back onto the last observations.
 */
export function arimaForecast(model: ArimaForecastInput, h: number): Float64Array {
  const { phi } = expandArma(model.coef, model.order.m);
  const r = model.state.length;
  let a = Float64Array.from(model.state);
  let next = new Float64Array(r);
  const w = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    w[k] = model.mean + (r > 0 ? a[0] : 0);
    for (let i = 0; i < r; i++) next[i] = (i < phi.length ? phi[i] * a[0] : 0) + (i + 1 < r ? a[i + 1] : 0);
    [a, next] = [next, a];
  }
  const delta = differencingPolynomial(model.order.d, model.order.D, model.order.m);
  const nd = delta.length;
  if (nd === 0) return w;
  const history = new Float64Array(nd + h);
  for (let i = 0; i < nd; i++) history[i] = model.last[model.last.length - nd + i];
  for (let k = 0; k < h; k++) {
    let x = w[k];
    for (let i = 0; i < nd; i++) x += delta[i] * history[nd + k - i - 1];
    history[nd + k] = x;
  }
  return history.slice(nd);
}

/**
 * Forecast error variance at steps 1..h: σ² Σ ψ_j² with ψ the weights of the full model
 * θ(B)Θ(B^m) / (φ(B)Φ(B^m)(1 − B)^d(1 − B^m)^D), as R forecast's psi-weight intervals.
 */
export function arimaVariance(
  order: ArimaOrder,
  coef: ArimaCoefficients,
  sigma2: number,
  h: number,
): Float64Array {
  const { phi, theta } = expandArma(coef, order.m);
  const delta = differencingPolynomial(order.d, order.D, order.m);
  // (1 − Σ phi Bⁱ)(1 − Σ δ Bⁱ) = 1 − Σ full Bⁱ.
  const full = new Float64Array(phi.length + delta.length);
  for (let i = 0; i < phi.length; i++) full[i] += phi[i];
  for (let i = 0; i < delta.length; i++) full[i] += delta[i];
  for (let i = 0; i < phi.length; i++)
    for (let j = 0; j < delta.length; j++) full[i + j + 1] -= phi[i] * delta[j];
  const psi = psiFrom(full, theta, h);
  const out = new Float64Array(h);
  let sum = 0;
  for (let k = 0; k < h; k++) {
    sum += psi[k] * psi[k];
    out[k] = sigma2 * sum;
  }
  return out;
}
