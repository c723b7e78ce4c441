import { nelderMead } from "./nelder-mead.ts";

/**
 * The four Theta models of Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler (2016), "Models
 * for optimising the theta method and their relationship to state space models" (IJF 32(4)),
 * with statsforecast's names: Standard (STM, θ = 2), Optimised (OTM, θ free), and their dynamic
 * forms (DSTM, DOTM) whose trend line is refitted by recursive least squares as each value comes.
 */
export type ThetaVariant = "STM" | "OTM" | "DSTM" | "DOTM";

export const THETA_VARIANTS: readonly ThetaVariant[] = ["STM", "OTM", "DSTM", "DOTM"];

/** The free parameters of a Theta model. */
export interface ThetaParams {
  /** ℓ₀, the SES level before the first value. */
  level0: number;
  /** SES smoothing weight. */
  alpha: number;
  /** Weight of the θ-line; 2 for the standard method, where the trend counts half. */
  theta: number;
}

/**
 * Bounds of the search, as statsforecast's `optimize_theta_target_fn`: α in [0.1, 0.99] (below
 * 0.1 the level barely moves and the drift term B/α explodes), θ ≥ 1 (θ = 1 is plain SES).
 */
export const THETA_BOUNDS = {
  alpha: [0.1, 0.99],
  theta: [1, 1e10],
} as const;

/** Everything a Theta model needs to forecast from the end of its data. */
export interface DynamicThetaState {
  variant: ThetaVariant;
  alpha: number;
  theta: number;
  /** SES level after the last value. */
  level: number;
  /** Mean of the values so far (the dynamic models refit their line from it). */
  meanY: number;
  /** Intercept of the trend line, on time 1..n. */
  a: number;
  /** Slope of the trend line. */
  b: number;
  /** Values seen (the index of the next step). */
  n: number;
}

export function isDynamic(variant: ThetaVariant): boolean {
  return variant === "DSTM" || variant === "DOTM";
}

/**
 * One-step prediction μ at step `i` (0-based) from the state after step i − 1: the SES level
 * plus (1 − 1/θ) times the θ = 0 line's contribution, eq. (9) of Fiorucci et al.
 * `pw` is (1 − α)^i.
 */
function predictAt(s: DynamicThetaState, pw: number): number {
  return s.level + (1 - 1 / s.theta) * (s.a * pw + (s.b * (1 - pw * (1 - s.alpha))) / s.alpha);
}

/**
 * Feeds value `y` observed at step `i` (0-based, i ≥ 1) into the state. The dynamic models
 * update the least-squares line on time 1..i+1 recursively (O(1) per step), so after the last
 * value it is the ordinary least-squares line of the whole series.
 */
function advance(s: DynamicThetaState, i: number, y: number): void {
  const previousMean = s.meanY;
  s.level = s.alpha * y + (1 - s.alpha) * s.level;
  s.meanY = (i * previousMean + y) / (i + 1);
  if (isDynamic(s.variant)) {
    s.b = ((i - 1) * s.b + (6 * (y - previousMean)) / (i + 1)) / (i + 2);
    s.a = s.meanY - (s.b * (i + 2)) / 2;
  }
  s.n = i + 1;
}

/** Intercept and slope of the least-squares line through (t, y[t − 1]), t = 1..n. */
function olsLine(y: Float64Array): { a: number; b: number } {
  const n = y.length;
  let sum = 0;
  let weighted = 0;
  for (let t = 0; t < n; t++) {
    sum += y[t];
    weighted += (t + 1) * y[t];
  }
  const mean = sum / n;
  const b = n > 1 ? (6 * ((2 * weighted) / n - (n + 1) * mean)) / (n * n - 1) : 0;
  return { a: mean - ((n + 1) * b) / 2, b };
}

/** The state after the first value and the prediction μ₀ made for it. */
function initialState(
  y: Float64Array,
  variant: ThetaVariant,
  p: ThetaParams,
  line: { a: number; b: number } | undefined,
): { state: DynamicThetaState; mu0: number } {
  const dynamic = isDynamic(variant);
  const { a, b } = dynamic ? { a: y[0], b: 0 } : (line ?? olsLine(y));
  const mu0 = dynamic ? y[0] : p.level0 + (1 - 1 / p.theta) * (a + b);
  return {
    state: {
      variant,
      alpha: p.alpha,
      theta: p.theta,
      level: p.alpha * y[0] + (1 - p.alpha) * p.level0,
      meanY: y[0],
      a,
      b,
      n: 1,
    },
    mu0,
  };
}

export interface ThetaRun {
  state: DynamicThetaState;
  /** Sum of squared one-step errors from the fourth value on (statsforecast skips three). */
  sse: number;
  /** Their sample variance (n − 1 denominator), statsforecast's σ² for intervals. */
  variance: number;
}

/**
 * Runs a Theta model through `y` with given parameters in O(n): the one-step errors it scores
 * and the state at the end. `fitted`, when given (length n), receives the one-step predictions.
 * Mirrors statsforecast's `theta::calc` (src/theta.cpp) without its multi-step AMSE.
 */
export function thetaRun(
  y: Float64Array,
  variant: ThetaVariant,
  params: ThetaParams,
  fitted?: Float64Array,
  line?: { a: number; b: number },
): ThetaRun {
  const n = y.length;
  const { state, mu0 } = initialState(y, variant, params, line);
  if (fitted) fitted[0] = mu0;
  const decay = 1 - params.alpha;
  let pw = decay;
  let sse = 0;
  let sum = 0;
  let count = 0;
  for (let i = 1; i < n; i++) {
    const mu = predictAt(state, pw);
    if (fitted) fitted[i] = mu;
    const e = y[i] - mu;
    if (i >= 3) {
      sse += e * e;
      sum += e;
      count++;
    }
    advance(state, i, y[i]);
    pw *= decay;
  }
  const variance = count > 1 ? (sse - (sum * sum) / count) / (count - 1) : 0;
  return { state, sse, variance: Math.max(0, variance) };
}

/**
 * Point forecasts for steps 1..h: each step's prediction is fed back as if observed, so the
 * dynamic models keep refitting their line on the forecasts (statsforecast's `theta::forecast`).
 */
export function thetaVariantForecast(state: DynamicThetaState, h: number): Float64Array {
  const s = { ...state };
  const out = new Float64Array(h);
  let pw = (1 - s.alpha) ** s.n;
  for (let k = 0; k < h; k++) {
    const i = s.n;
    const mu = predictAt(s, pw);
    out[k] = mu;
    advance(s, i, mu);
    pw *= 1 - s.alpha;
  }
  return out;
}

export interface ThetaFit extends ThetaRun {
  params: ThetaParams;
}

/**
 * Fits one Theta variant by least squares of the one-step errors, as statsforecast's
 * `thetamodel`: ℓ₀ from y₀/2, α from 0.5, θ from 2 (fixed at 2 for STM and DSTM), searched by
 * Nelder–Mead within {@link THETA_BOUNDS}. Parameters given in `fixed` are not searched.
 * Series of three values or fewer keep the starting values (nothing to score).
 */
export function thetaVariantFit(
  y: Float64Array,
  variant: ThetaVariant,
  fixed: Partial<ThetaParams> = {},
): ThetaFit {
  const standard = variant === "STM" || variant === "DSTM";
  const start: ThetaParams = {
    level0: fixed.level0 ?? y[0] / 2,
    alpha: fixed.alpha ?? 0.5,
    theta: standard ? 2 : (fixed.theta ?? 2),
  };
  const free: (keyof ThetaParams)[] = [];
  if (fixed.level0 === undefined) free.push("level0");
  if (fixed.alpha === undefined) free.push("alpha");
  if (!standard && fixed.theta === undefined) free.push("theta");
  const line = isDynamic(variant) ? undefined : olsLine(y);
  if (y.length <= 3 || free.length === 0) {
    return { ...thetaRun(y, variant, start, undefined, line), params: start };
  }
  let scale = 0;
  for (let t = 0; t < y.length; t++) scale += Math.abs(y[t]);
  scale /= y.length;
  const params: ThetaParams = { ...start };
  const unpack = (x: Float64Array) => {
    for (const [j, key] of free.entries()) {
      const v = x[j];
      params[key] =
        key === "alpha"
          ? Math.min(THETA_BOUNDS.alpha[1], Math.max(THETA_BOUNDS.alpha[0], v))
          : key === "theta"
            ? Math.min(THETA_BOUNDS.theta[1], Math.max(THETA_BOUNDS.theta[0], v))
            : v;
    }
    return params;
  };
  // Clamping (as statsforecast's bounded simplex does) leaves the objective flat outside the
  // box; the simplex still contracts back toward the interior, where the values differ.
  const objective = (x: Float64Array) => thetaRun(y, variant, unpack(x), undefined, line).sse;
  const steps = free.map((key) =>
    key === "level0"
      ? 0.1 * Math.max(Math.abs(start.level0), 0.1 * scale) || 0.1
      : key === "alpha"
        ? 0.05
        : 0.2,
  );
  let best = nelderMead(
    objective,
    free.map((key) => start[key]),
    { step: steps, tolerance: 1e-10 },
  );
  // One restart from the optimum: a simplex that collapsed early on a ridge starts afresh.
  const again = nelderMead(objective, best.x, { step: steps, tolerance: 1e-10 });
  if (again.value <= best.value) best = again;
  const result = { ...unpack(best.x) };
  return { ...thetaRun(y, variant, result, undefined, line), params: result };
}
