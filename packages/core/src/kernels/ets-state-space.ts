import { seasonalFigure } from "./decompose.ts";
import { choleskySolve } from "./linalg.ts";
import { nelderMead } from "./nelder-mead.ts";

/**
 * One member of the ETS family (Hyndman et al. 2008): error A/M, trend N/A/Ad, season N/A/M.
 * Multiplicative trends are left out, as R's `ets` leaves them out by default.
 */
export interface EtsModelSpec {
  error: "A" | "M";
  trend: "N" | "A" | "Ad";
  season: "N" | "A" | "M";
  /** Seasonal period m in steps (integer ≥ 2 when seasonal; ignored without season). */
  period: number;
}

/** Smoothing parameters in the error-correction form; β = 0 without trend, γ = 0 without season, φ = 1 unless damped. */
export interface EtsSmoothing {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/**
 * The state vector x_t = (ℓ, b, s_t, s_{t−1}, …, s_{t−m+1}) in R's order: `season[0]` is the
 * newest seasonal state and `season[m − 1]` the oldest, the one the next step uses. Printed
 * `Initial states: s = …` of R's `ets` are in this order.
 */
export interface EtsComponents {
  level: number;
  trend: number;
  season: number[];
}

export interface EtsRunResult {
  /** R's `lik` (−2 log L up to a constant): n·log Σe² (+ 2·Σ log|ŷ| with multiplicative error). */
  lik: number;
  /** Sum of squared residuals (relative residuals (y − ŷ)/ŷ with multiplicative error). */
  sse: number;
  /** States after the last observation. */
  final: EtsComponents;
}

/** A model fitted by maximum likelihood, with R's information criteria. */
export interface EtsFitResult {
  spec: EtsModelSpec;
  params: EtsSmoothing;
  initial: EtsComponents;
  final: EtsComponents;
  lik: number;
  /** Free parameters as R counts them for the criteria: smoothing + initial states + σ. */
  df: number;
  aic: number;
  aicc: number;
  bic: number;
  /** Residual variance Σe² / (n − df + 1), R's `sigma2`. */
  sigma2: number;
  evaluations: number;
}

/** R's `ets` default "usual" bounds: α, β, γ in [1e−4, 0.9999], φ in [0.8, 0.98]. */
export const ETS_LOWER = { alpha: 1e-4, beta: 1e-4, gamma: 1e-4, phi: 0.8 } as const;
export const ETS_UPPER = { alpha: 0.9999, beta: 0.9999, gamma: 0.9999, phi: 0.98 } as const;

/** R's `ets` refuses seasonal periods above 24 (its C code keeps seasonal states in 24-slot arrays). */
export const MAX_SEASONAL_PERIOD = 24;

/** Short name as R prints it, e.g. `ETS(M,Ad,M)`. */
export function etsMethodName(spec: EtsModelSpec): string {
  return `ETS(${spec.error},${spec.trend},${spec.season})`;
}

function seasonLength(spec: EtsModelSpec): number {
  return spec.season === "N" ? 1 : Math.round(spec.period);
}

/**
 * Runs the ETS recursions over `y` (as R forecast's etscalc.c, trend N/A/Ad). With q the
 * one-step prediction of the level (ℓ + φb) and s the oldest seasonal state:
 *
 *   ŷ = q (+ s or × s);  ℓ' = q + α(p − q) with p = y (− s or / s);  b' = φb + (β/α)(ℓ' − ℓ − φb);
 *   s' = s + γ(t − s) with t = y − q (or y / q)
 *
 * which is the error-correction form of both the additive- and multiplicative-error models (they
 * share point recursions and differ only in the error e = y − ŷ or (y − ŷ)/ŷ and so in likelihood).
 *
 * `ring` holds the seasonal states oldest first and is updated in place (scratch for the optimiser).
 */
function runRecursions(
  y: Float64Array,
  spec: EtsModelSpec,
  p: EtsSmoothing,
  level0: number,
  trend0: number,
  ring: Float64Array,
  m: number,
  residuals?: Float64Array,
): { lik: number; sse: number; level: number; trend: number } {
  const n = y.length;
  const multError = spec.error === "M";
  const hasTrend = spec.trend !== "N";
  // 0 none, 1 additive, 2 multiplicative: integer tests in the hot loop.
  const kind = spec.season === "N" ? 0 : spec.season === "A" ? 1 : 2;
  const phi = spec.trend === "Ad" ? p.phi : 1;
  const { alpha, gamma } = p;
  const betaRatio = hasTrend ? p.beta / alpha : 0;
  let level = level0;
  let trend = hasTrend ? trend0 : 0;
  let sse = 0;
  // Σ log|ŷ| as the log of running products (one log per ~30 steps instead of one per step).
  let logSum = 0;
  let product = 1;
  let ph = 0;
  for (let t = 0; t < n; t++) {
    const phib = phi * trend;
    const q = level + phib;
    const s = kind === 0 ? 0 : ring[ph];
    const fit = kind === 1 ? q + s : kind === 2 ? q * s : q;
    const yt = y[t];
    let adjusted = yt;
    if (multError) {
      const e = (yt - fit) / fit;
      if (residuals) residuals[t] = e;
      sse += e * e;
      product *= fit < 0 ? -fit : fit;
      if (product > 1e200 || product < 1e-200 || (t & 31) === 31) {
        logSum += Math.log(product);
        product = 1;
      }
    } else {
      const e = yt - fit;
      if (residuals) residuals[t] = e;
      sse += e * e;
    }
    if (kind === 1) adjusted = yt - s;
    else if (kind === 2) adjusted = s < 1e-10 && s > -1e-10 ? 1e10 : yt / s;
    const newLevel = q + alpha * (adjusted - q);
    if (hasTrend) trend = phib + betaRatio * (newLevel - level - phib);
    if (kind !== 0) {
      const target = kind === 1 ? yt - q : q < 1e-10 && q > -1e-10 ? 1e10 : yt / q;
      ring[ph] = s + gamma * (target - s);
      if (++ph === m) ph = 0;
    }
    level = newLevel;
  }
  if (multError) logSum += Math.log(product);
  // Leave the ring oldest first again, so callers can read the final states.
  if (kind !== 0 && ph !== 0) {
    const copy = Float64Array.from(ring);
    for (let j = 0; j < m; j++) ring[j] = copy[(ph + j) % m];
  }
  let lik = n * Math.log(sse);
  if (multError) lik += 2 * logSum;
  return { lik, sse, level, trend };
}

/** Oldest-first ring from R-ordered seasonal states (newest first), and back. */
function toRing(season: ArrayLike<number>, m: number, ring: Float64Array): void {
  for (let j = 0; j < m; j++) ring[j] = season[m - 1 - j];
}
function fromRing(ring: Float64Array, m: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < m; j++) out.push(ring[m - 1 - j]);
  return out;
}

/**
 * Runs the model from given initial states, as R's `pegelsresid.C`: the likelihood and SSE at
 * fixed parameters and the final states.
 *
 * @param init - initial states, all m seasonal states given (R order, newest first).
 * @param residuals - optional array of length y.length to receive the residuals.
 */
export function etsRun(
  y: Float64Array,
  spec: EtsModelSpec,
  params: EtsSmoothing,
  init: EtsComponents,
  residuals?: Float64Array,
): EtsRunResult {
  const m = seasonLength(spec);
  const ring = new Float64Array(m);
  if (spec.season !== "N") toRing(init.season, m, ring);
  const r = runRecursions(y, spec, params, init.level, init.trend, ring, m, residuals);
  return {
    lik: r.lik,
    sse: r.sse,
    final: {
      level: r.level,
      trend: spec.trend === "N" ? 0 : r.trend,
      season: spec.season === "N" ? [] : fromRing(ring, m),
    },
  };
}

/**
 * Initial states as R's `initstate`: seasonal indices from a classical decomposition (a
 * one-harmonic Fourier regression when there are fewer than three cycles), then level (and
 * trend) from the first max(10, 2m) seasonally adjusted values: their mean, or a straight line.
 * Only m − 1 seasonal states are returned (newest first); the m-th follows from the constraint
 * that they sum to 0 (additive) or m (multiplicative).
 */
export function etsInitialStates(
  y: Float64Array,
  spec: EtsModelSpec,
): { level: number; trend: number; season: number[] } {
  const n = y.length;
  const m = seasonLength(spec);
  let adjusted = y;
  let season: number[] = [];
  if (spec.season !== "N") {
    if (n < 4) throw new Error("not enough data for a seasonal model");
    // seasonal[i] for i = 0..n−1, the decomposition's seasonal component at each time.
    const seasonal = new Float64Array(n);
    if (n < 3 * m) {
      // R: tslm(y ~ trend + fourier(y, 1)); the "seasonal" part is y less the fitted line.
      const coef = fourierLine(y, m);
      for (let t = 0; t < n; t++) {
        const line = coef[0] + coef[1] * (t + 1);
        seasonal[t] = spec.season === "A" ? y[t] - line : y[t] / line;
      }
    } else {
      const figure = seasonalFigure(y, m, spec.season === "A" ? "additive" : "multiplicative");
      for (let t = 0; t < n; t++) seasonal[t] = figure[t % m];
    }
    // rev(seasonal[2:m]): s_1 (newest at time 0) is seasonal at position m, …, s_{m−1} at position 2.
    for (let j = m - 1; j >= 1; j--) season.push(seasonal[j]);
    adjusted = new Float64Array(n);
    if (spec.season === "A") {
      for (let t = 0; t < n; t++) adjusted[t] = y[t] - seasonal[t];
    } else {
      season = season.map((s) => Math.max(s, 1e-2));
      const sum = season.reduce((a, b) => a + b, 0);
      if (sum > m) {
        let denom = 0;
        for (const s of season) denom += s + 1e-2;
        season = season.map((s) => s / denom);
      }
      for (let t = 0; t < n; t++) adjusted[t] = y[t] / Math.max(seasonal[t], 1e-2);
    }
  }
  const maxn = Math.min(Math.max(10, 2 * (spec.season === "N" ? 1 : m)), n);
  if (spec.trend === "N") {
    let s = 0;
    for (let t = 0; t < maxn; t++) s += adjusted[t];
    return { level: s / maxn, trend: 0, season };
  }
  // lsfit(1:maxn, y.sa[1:maxn])
  let sx = 0;
  let sy = 0;
  for (let t = 0; t < maxn; t++) {
    sx += t + 1;
    sy += adjusted[t];
  }
  const mx = sx / maxn;
  const my = sy / maxn;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < maxn; t++) {
    sxx += (t + 1 - mx) ** 2;
    sxy += (t + 1 - mx) * (adjusted[t] - my);
  }
  let slope = sxx > 0 ? sxy / sxx : 0;
  let level = my - slope * mx;
  // R: if the error is multiplicative we don't want l0 + b0 = 0, so perturb just in case.
  if (Math.abs(level + slope) < 1e-8) {
    level *= 1 + 1e-3;
    slope *= 1 - 1e-3;
  }
  return { level, trend: slope, season };
}

/** Intercept and slope of y ~ 1 + t + sin(2πt/m) + cos(2πt/m), t = 1..n (R's `fourier(y, 1)`). */
function fourierLine(y: Float64Array, m: number): Float64Array {
  const n = y.length;
  // For m = 2 the sine column is identically zero, and R's fourier drops it.
  const cols = m === 2 ? 3 : 4;
  const xtx = new Float64Array(cols * cols);
  const xty = new Float64Array(cols);
  const row = new Float64Array(cols);
  for (let t = 1; t <= n; t++) {
    const angle = (2 * Math.PI * t) / m;
    row[0] = 1;
    row[1] = t;
    if (m === 2) row[2] = Math.cos(angle);
    else {
      row[2] = Math.sin(angle);
      row[3] = Math.cos(angle);
    }
    for (let i = 0; i < cols; i++) {
      xty[i] += row[i] * y[t - 1];
      for (let j = 0; j < cols; j++) xtx[i * cols + j] += row[i] * row[j];
    }
  }
  return choleskySolve(xtx, xty, cols);
}

/**
 * Admissibility as R's `admissible()` (Hyndman, Akram & Archibald 2008): the forecasts must not
 * depend ever more on the distant past. For seasonal models this asks that every root of
 *   z^{m+1} + (α+β−φ) z^m + (α+β−αφ)(z^{m−1} + … + z²) + (α+β−αφ+γ−1) z + φ(1−α−γ)
 * lie in the unit disc (R allows 1 + 1e−10); checked here by the Schur–Cohn recursion, O(m²)
 * and root-free, instead of R's polyroot.
 */
export function etsAdmissible(p: EtsSmoothing, spec: EtsModelSpec, scratch?: Float64Array[]): boolean {
  const phi = spec.trend === "Ad" ? p.phi : 1;
  const { alpha } = p;
  const hasTrend = spec.trend !== "N";
  const beta = hasTrend ? p.beta : 0;
  if (phi < 0 || phi > 1 + 1e-8) return false;
  if (spec.season === "N") {
    if (alpha < 1 - 1 / phi || alpha > 1 + 1 / phi) return false;
    if (hasTrend && (beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha))) return false;
    return true;
  }
  const m = seasonLength(spec);
  const gamma = p.gamma;
  if (gamma < Math.max(1 - 1 / phi - alpha, 0) || gamma > 1 + 1 / phi - alpha) return false;
  if (alpha < 1 - 1 / phi - (gamma * (1 - m + phi + phi * m)) / (2 * phi * m)) return false;
  if (beta < -(1 - phi) * (gamma / m + alpha)) return false;
  const d = m + 1;
  const a = scratch?.[0] ?? new Float64Array(d + 1);
  const b = scratch?.[1] ?? new Float64Array(d + 1);
  a[0] = phi * (1 - alpha - gamma);
  a[1] = alpha + beta - alpha * phi + gamma - 1;
  for (let i = 2; i < m; i++) a[i] = alpha + beta - alpha * phi;
  a[m] = alpha + beta - phi;
  a[m + 1] = 1;
  return rootsInDisc(a, b, d, 1 + 1e-10);
}

/**
 * Whether every root of Σ a_i z^i (degree d, increasing powers) has |z| ≤ radius, by the
 * Schur–Cohn recursion on p(radius·z): while |a_0| < |a_d|, p and (ā_d p − a_0 p*)/z have the
 * same number of roots inside less one (Rouché), so the test recurses down to degree 0.
 * Destroys `a`; `b` is scratch of the same length.
 */
function rootsInDisc(a: Float64Array, b: Float64Array, d: number, radius: number): boolean {
  let scale = 1;
  for (let i = 0; i <= d; i++) {
    a[i] *= scale;
    scale *= radius;
  }
  let cur = a;
  let next = b;
  for (let deg = d; deg > 0; deg--) {
    const a0 = cur[0];
    const ad = cur[deg];
    if (!(Math.abs(a0) < Math.abs(ad))) return false;
    for (let j = 0; j < deg; j++) next[j] = ad * cur[j + 1] - a0 * cur[deg - 1 - j];
    // Keep the coefficients near unit size; the test is scale free.
    const norm = Math.abs(next[deg - 1]);
    if (norm > 0) for (let j = 0; j < deg; j++) next[j] /= norm;
    const swap = cur;
    cur = next;
    next = swap;
  }
  return true;
}

/** R's `check.param` with bounds = "both": the usual bounds (β ≤ α, γ ≤ 1 − α) and admissibility. */
function paramsOk(p: EtsSmoothing, spec: EtsModelSpec, scratch: Float64Array[]): boolean {
  if (p.alpha < ETS_LOWER.alpha || p.alpha > ETS_UPPER.alpha) return false;
  if (spec.trend !== "N" && (p.beta < ETS_LOWER.beta || p.beta > p.alpha || p.beta > ETS_UPPER.beta))
    return false;
  if (spec.trend === "Ad" && (p.phi < ETS_LOWER.phi || p.phi > ETS_UPPER.phi)) return false;
  if (
    spec.season !== "N" &&
    (p.gamma < ETS_LOWER.gamma || p.gamma > 1 - p.alpha || p.gamma > ETS_UPPER.gamma)
  )
    return false;
  return etsAdmissible(p, spec, scratch);
}

/** Smoothing parameters and initial states that R's `etsmodel` counts (σ excluded). */
export function etsParameterCount(spec: EtsModelSpec): number {
  const m = seasonLength(spec);
  let k = 2; // α, ℓ0
  if (spec.trend !== "N") k += 2; // β, b0
  if (spec.trend === "Ad") k += 1; // φ
  if (spec.season !== "N") k += m; // γ, s_1 … s_{m−1}
  return k;
}

export interface EtsFitOptions {
  /**
   * Most likelihood evaluations, both Nelder–Mead stages together. R's `optim` allows 2,000
   * (maxit) for one search from its start; the default here, 60 + 20 per free parameter (400 for
   * a 17-parameter seasonal model), keeps a 15-model search of a 150-point monthly series near
   * 20–30 ms on one core. Measured on AirPassengers: ETS(M,Ad,M) −2 log L 1359.80 at the
   * default, 1358.71 at 2,000, against R's 1359.17; ETS(M,A,M) 1353.9, below R's (which is why
   * our AutoETS picks M,A,M there while R picks M,Ad,M).
   */
  maxEvaluations?: number;
}

/**
 * Fits one ETS model by maximum likelihood as R's `etsmodel` does: α, β, γ, φ and the initial
 * states (all but the last seasonal state) are optimised together by Nelder–Mead from R's
 * starting values (`initparam`, `initstate`), under R's "both" bounds; infeasible points score +∞.
 *
 * @returns the fit, or null when the data are too short: R skips a model when its parameter count
 *   reaches n − 1; here, as R's guard for tiny series, when n ≤ parameters + 4.
 */
export function fitEtsModel(
  y: Float64Array,
  spec: EtsModelSpec,
  options: EtsFitOptions = {},
): EtsFitResult | null {
  const n = y.length;
  const m = seasonLength(spec);
  const hasTrend = spec.trend !== "N";
  const damped = spec.trend === "Ad";
  const seasonal = spec.season !== "N";
  if (seasonal && (m < 2 || m > MAX_SEASONAL_PERIOD || n <= m)) return null;
  const nPar = etsParameterCount(spec);
  if (n <= nPar + 4) return null;
  if (spec.error === "M" || spec.season === "M") {
    for (let i = 0; i < n; i++) if (!(y[i] > 0)) return null;
  }

  // R's initparam: α = lower + 0.2(upper − lower)/m, β a tenth of the way to α, γ a twentieth of the way to 1 − α, φ near its upper bound.
  const alpha0 = ETS_LOWER.alpha + (0.2 * (ETS_UPPER.alpha - ETS_LOWER.alpha)) / m;
  const beta0 = ETS_LOWER.beta + 0.1 * (Math.min(ETS_UPPER.beta, alpha0) - ETS_LOWER.beta);
  const gamma0 = ETS_LOWER.gamma + 0.05 * (Math.min(ETS_UPPER.gamma, 1 - alpha0) - ETS_LOWER.gamma);
  const phi0 = ETS_LOWER.phi + 0.99 * (ETS_UPPER.phi - ETS_LOWER.phi);
  const init = etsInitialStates(y, spec);

  const start: number[] = [alpha0];
  const steps: number[] = [0.1];
  if (hasTrend) {
    start.push(beta0);
    steps.push(0.5 * alpha0);
  }
  if (seasonal) {
    start.push(gamma0);
    steps.push(0.05);
  }
  if (damped) {
    start.push(phi0);
    steps.push(-0.05);
  }
  let spread = 0;
  for (let i = 1; i < Math.min(n, 100); i++) spread += Math.abs(y[i] - y[i - 1]);
  spread = spread / Math.max(1, Math.min(n, 100) - 1) || Math.abs(init.level) * 0.1 || 1;
  start.push(init.level);
  steps.push(0.5 * spread);
  if (hasTrend) {
    start.push(init.trend);
    steps.push(0.1 * spread);
  }
  for (const s of init.season) {
    start.push(s);
    steps.push(spec.season === "M" ? 0.02 : 0.2 * spread);
  }

  const ring = new Float64Array(m);
  const scratch = [new Float64Array(m + 2), new Float64Array(m + 2)];
  const p: EtsSmoothing = { alpha: 0, beta: 0, gamma: 0, phi: 1 };
  const unpack = (x: ArrayLike<number>): number => {
    let k = 0;
    p.alpha = x[k++];
    p.beta = hasTrend ? x[k++] : 0;
    p.gamma = seasonal ? x[k++] : 0;
    p.phi = damped ? x[k++] : 1;
    return k;
  };
  /** Fills `ring` from the optimised seasonal states; false when a multiplicative index is negative. */
  const fillRing = (x: ArrayLike<number>, from: number): boolean => {
    let sum = 0;
    for (let j = 0; j < m - 1; j++) {
      const s = x[from + j];
      ring[m - 1 - j] = s;
      sum += s;
    }
    ring[0] = (spec.season === "M" ? m : 0) - sum;
    if (spec.season === "M") for (let j = 0; j < m; j++) if (ring[j] < 0) return false;
    return true;
  };
  const objective = (x: Float64Array): number => {
    const k = unpack(x);
    if (!paramsOk(p, spec, scratch)) return Number.POSITIVE_INFINITY;
    const level0 = x[k];
    const trend0 = hasTrend ? x[k + 1] : 0;
    if (seasonal && !fillRing(x, k + 1 + (hasTrend ? 1 : 0))) return Number.POSITIVE_INFINITY;
    const { lik } = runRecursions(y, spec, p, level0, trend0, ring, m);
    if (Number.isNaN(lik)) return Number.POSITIVE_INFINITY;
    return Math.max(lik, -1e10); // R: avoid perfect fits
  };

  const budget = options.maxEvaluations ?? 60 + 20 * start.length;
  // Two stages, for speed: first the smoothing parameters alone with the initial states held at
  // R's heuristic (a small, well-scaled simplex that converges in ~100 evaluations), then
  // everything together from there, as R does from its start. Starting the full search near the
  // optimum saves most of the evaluations R's single search spends.
  const nSmooth = start.length - init.season.length - (hasTrend ? 2 : 1);
  const first = nelderMead(
    (z) => {
      const x = Float64Array.from(start);
      x.set(z);
      return objective(x);
    },
    start.slice(0, nSmooth),
    { step: steps.slice(0, nSmooth), tolerance: 1e-6, maxEvaluations: Math.min(budget / 3, 40 * nSmooth) },
  );
  const from = Float64Array.from(start);
  if (Number.isFinite(first.value)) from.set(first.x);
  const secondSteps = steps.map((s, i) => (i < nSmooth ? 0.25 * s : s));
  // R's optim stops at a relative spread of √ε ≈ 1.5e−8 in the simplex values.
  const second = nelderMead(objective, from, {
    step: secondSteps,
    tolerance: 1.5e-8,
    maxEvaluations: Math.max(budget - first.evaluations, 2 * start.length),
  });
  const result = second.value <= first.value ? second : { ...first, x: from };
  result.evaluations = first.evaluations + second.evaluations;
  if (!Number.isFinite(result.value)) return null;
  const x = result.x;
  const k = unpack(x);
  const params: EtsSmoothing = { ...p };
  const level0 = x[k];
  const trend0 = hasTrend ? x[k + 1] : 0;
  let season0: number[] = [];
  if (seasonal) {
    fillRing(x, k + 1 + (hasTrend ? 1 : 0));
    season0 = fromRing(ring, m);
  }
  const initial: EtsComponents = { level: level0, trend: trend0, season: season0 };
  const run = etsRun(y, spec, params, initial);
  const lik = Math.max(run.lik, -1e10);
  const df = nPar + 1;
  const aic = lik + 2 * df;
  const aicc = n - df - 1 > 0 ? aic + (2 * df * (df + 1)) / (n - df - 1) : Number.POSITIVE_INFINITY;
  const bic = lik + Math.log(n) * df;
  return {
    spec,
    params,
    initial,
    final: run.final,
    lik,
    df,
    aic,
    aicc,
    bic,
    sigma2: run.sse / (n - nPar),
    evaluations: result.evaluations,
  };
}

/**
 * Point forecasts for steps 1..h from the final states, as R's `etsforecast`:
 * (ℓ + (φ + … + φ^k) b) then + or × the seasonal state of step k's phase.
 */
export function etsPointForecast(
  final: EtsComponents,
  spec: EtsModelSpec,
  params: EtsSmoothing,
  h: number,
): Float64Array {
  const out = new Float64Array(h);
  const m = final.season.length;
  const phi = spec.trend === "Ad" ? params.phi : 1;
  let damp = 0;
  let power = 1;
  for (let k = 1; k <= h; k++) {
    power *= phi;
    damp += power;
    let f = final.level + (spec.trend === "N" ? 0 : damp * final.trend);
    if (spec.season !== "N" && m > 0) {
      const s = final.season[m - 1 - ((k - 1) % m)];
      f = spec.season === "A" ? f + s : f * s;
    }
    out[k - 1] = f;
  }
  return out;
}

/**
 * Forecast error variances at steps 1..h, all analytic (no simulation is needed for this family):
 * - class 1 (A error, trend N/A/Ad, season N/A): σ²(1 + Σ_{j<h} c_j²), c_j = w′F^{j−1}g
 *   (Hyndman et al. 2008, Table 6.1; R forecast's `class1`);
 * - class 2 (M error, season N/A): θ_h = μ_h² + σ² Σ c_j² θ_{h−j}, var = (1 + σ²)θ_h − μ_h²
 *   (R's `class2`);
 * - class 3 (M error, M season): the Kronecker-product moment recursions of Hyndman et al.
 *   (2008, §6.6; R's `class3`), with the book's F1 = [[1, φ], [0, φ]] where R's code has [[1, 1],
 *   [0, φ]] (which agrees for undamped trends).
 * A-error with M season is excluded from the family (R's restrict = TRUE) and has no formula here.
 */
export function etsForecastVariance(
  final: EtsComponents,
  spec: EtsModelSpec,
  params: EtsSmoothing,
  sigma2: number,
  h: number,
): Float64Array {
  if (spec.season === "M") {
    if (spec.error !== "M")
      throw new Error("no forecast variance for additive error with multiplicative season");
    return class3Variance(final, spec, params, sigma2, h);
  }
  const { mu, c } = class1Terms(final, spec, params, h);
  const out = new Float64Array(h);
  if (spec.error === "A") {
    let cum = 0;
    for (let k = 0; k < h; k++) {
      out[k] = sigma2 * (1 + cum);
      cum += c[k] * c[k];
    }
    return out;
  }
  const theta = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    let s = 0;
    for (let j = 1; j <= k; j++) s += c[j - 1] * c[j - 1] * theta[k - j];
    theta[k] = mu[k] * mu[k] + sigma2 * s;
    out[k] = (1 + sigma2) * theta[k] - mu[k] * mu[k];
  }
  return out;
}

/** μ_k = w′F^{k−1}x and c_k = w′F^{k−1}g of the linear (additive-season) state space form. */
function class1Terms(
  final: EtsComponents,
  spec: EtsModelSpec,
  params: EtsSmoothing,
  h: number,
): { mu: Float64Array; c: Float64Array } {
  const m = spec.season === "N" ? 0 : final.season.length;
  const hasTrend = spec.trend !== "N";
  const phi = spec.trend === "Ad" ? params.phi : 1;
  // Two state vectors propagated by F: x (for μ) and g (for c). Seasonal part newest first.
  let xl = final.level;
  let xb = hasTrend ? final.trend : 0;
  const xs = Float64Array.from(final.season);
  let gl = params.alpha;
  let gb = hasTrend ? params.beta : 0;
  const gs = new Float64Array(m);
  if (m) gs[0] = params.gamma;
  const mu = new Float64Array(h);
  const c = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    mu[k] = xl + phi * xb + (m ? xs[m - 1] : 0);
    c[k] = gl + phi * gb + (m ? gs[m - 1] : 0);
    // x ← F x: ℓ ← ℓ + φb, b ← φb, seasonal states rotate (oldest becomes newest).
    xl += phi * xb;
    xb *= phi;
    gl += phi * gb;
    gb *= phi;
    if (m) {
      const lastX = xs[m - 1];
      const lastG = gs[m - 1];
      xs.copyWithin(1, 0, m - 1);
      gs.copyWithin(1, 0, m - 1);
      xs[0] = lastX;
      gs[0] = lastG;
    }
  }
  return { mu, c };
}

/** Dense row-major helpers for the class-3 recursions (matrices of side ≤ 2 × 24). */
function matMul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      if (v === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j] += v * b[p * c + j];
    }
  return out;
}
function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}
function kron(
  a: Float64Array,
  ar: number,
  ac: number,
  b: Float64Array,
  br: number,
  bc: number,
): Float64Array {
  const cols = ac * bc;
  const out = new Float64Array(ar * br * cols);
  for (let i = 0; i < ar; i++)
    for (let j = 0; j < ac; j++) {
      const v = a[i * ac + j];
      if (v === 0) continue;
      for (let p = 0; p < br; p++)
        for (let q = 0; q < bc; q++) out[(i * br + p) * cols + j * bc + q] = v * b[p * bc + q];
    }
  return out;
}
/** A X Aᵀ for square A, X of side d. */
function sandwich(a: Float64Array, x: Float64Array, d: number, bT?: Float64Array): Float64Array {
  return matMul(matMul(a, x, d, d, d), bT ?? transpose(a, d, d), d, d, d);
}

function class3Variance(
  final: EtsComponents,
  spec: EtsModelSpec,
  params: EtsSmoothing,
  sigma2: number,
  h: number,
): Float64Array {
  const m = final.season.length;
  const hasTrend = spec.trend !== "N";
  const phi = spec.trend === "Ad" ? params.phi : 1;
  const p1 = hasTrend ? 2 : 1;
  const F1 = hasTrend ? Float64Array.of(1, phi, 0, phi) : Float64Array.of(1);
  const G1 = hasTrend
    ? Float64Array.of(params.alpha, params.alpha, params.beta, params.beta)
    : Float64Array.of(params.alpha);
  const F2 = new Float64Array(m * m);
  F2[m - 1] = 1;
  for (let i = 1; i < m; i++) F2[i * m + (i - 1)] = 1;
  const G2 = new Float64Array(m * m);
  G2[m - 1] = params.gamma;
  const d = p1 * m;
  const F21 = kron(F2, m, m, F1, p1, p1);
  const G21 = kron(G2, m, m, G1, p1, p1);
  const K = kron(G2, m, m, F1, p1, p1);
  const K2 = kron(F2, m, m, G1, p1, p1);
  for (let i = 0; i < K.length; i++) K[i] += K2[i];
  const F21T = transpose(F21, d, d);
  const G21T = transpose(G21, d, d);
  const KT = transpose(K, d, d);
  // Mh = x_level ⊗ x_seasonᵀ (p1 × m); vec is column-major, matching the Kronecker order.
  const levelPart = hasTrend ? [final.level, final.trend] : [final.level];
  let Mh = new Float64Array(p1 * m);
  for (let i = 0; i < p1; i++) for (let j = 0; j < m; j++) Mh[i * m + j] = levelPart[i] * final.season[j];
  let Vh = new Float64Array(d * d);
  const out = new Float64Array(h);
  const F2T = transpose(F2, m, m);
  const G2T = transpose(G2, m, m);
  for (let step = 0; step < h; step++) {
    // μ = H1 Mh H2ᵀ with H1 = (1, 1) or (1) and H2 = (0, …, 0, 1).
    let mu = 0;
    for (let i = 0; i < p1; i++) mu += Mh[i * m + (m - 1)];
    // H21 Vh H21ᵀ where H21 = H2 ⊗ H1 picks the entries of the last season's block.
    let hv = 0;
    for (let a = 0; a < p1; a++)
      for (let b = 0; b < p1; b++) hv += Vh[((m - 1) * p1 + a) * d + (m - 1) * p1 + b];
    out[step] = (1 + sigma2) * hv + sigma2 * mu * mu;
    if (step === h - 1) break;
    const vec = new Float64Array(d);
    for (let j = 0; j < m; j++) for (let i = 0; i < p1; i++) vec[j * p1 + i] = Mh[i * m + j];
    const outer = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) outer[i * d + j] = vec[i] * vec[j];
    const fvf = sandwich(F21, Vh, d, F21T);
    const fvg = matMul(matMul(F21, Vh, d, d, d), G21T, d, d, d);
    const gvf = matMul(matMul(G21, Vh, d, d, d), F21T, d, d, d);
    const inner = new Float64Array(d * d);
    for (let i = 0; i < d * d; i++) inner[i] = Vh[i] + outer[i];
    const kvk = sandwich(K, inner, d, KT);
    const inner2 = new Float64Array(d * d);
    for (let i = 0; i < d * d; i++) inner2[i] = 3 * Vh[i] + 2 * outer[i];
    const gvg = sandwich(G21, inner2, d, G21T);
    const next = new Float64Array(d * d);
    for (let i = 0; i < d * d; i++) next[i] = fvf[i] + sigma2 * (fvg[i] + gvf[i] + kvk[i] + sigma2 * gvg[i]);
    Vh = next;
    const a1 = matMul(matMul(F1, Mh, p1, p1, m), F2T, p1, m, m);
    const a2 = matMul(matMul(G1, Mh, p1, p1, m), G2T, p1, m, m);
    const nextM = new Float64Array(p1 * m);
    for (let i = 0; i < p1 * m; i++) nextM[i] = a1[i] + sigma2 * a2[i];
    Mh = nextM;
  }
  return out;
}
