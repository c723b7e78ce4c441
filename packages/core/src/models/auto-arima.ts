import {
  type ArimaFit,
  type ArimaOrder,
  arimaFit,
  arimaForecast,
  arimaVariance,
  difference,
  differencingPolynomial,
  expandArma,
  minRootModulus,
} from "../kernels/arima.ts";
import { isConstant, ndiffs, nsdiffs } from "../kernels/unit-root.ts";
import { compact, fitWindow } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

/**
 * Longest seasonal period AutoARIMA models. Seasonal ARIMA expands (P, Q) into lag-m
 * polynomials, so the state and each likelihood evaluation grow with m (an hourly m = 24 model
 * with P = Q = 1 has a 26-entry state); R's `auto.arima` is slow and fragile there too and
 * Hyndman recommends Fourier terms instead. Weekly data (m = 52) is the last case kept.
 */
export const MAX_ARIMA_PERIOD = 52;

/** Search limits, R `auto.arima` defaults. */
const MAX_P = 5;
const MAX_Q = 5;
const MAX_SP = 2;
const MAX_SQ = 2;
/**
 * Largest p + q + P + Q, R's `max.order`. R applies it only to the exhaustive search; we apply it
 * to the stepwise one too, for cost: it skips R's seasonal starting model (2,2,1,1), the most
 * expensive fit of a monthly search, and its order-6 neighbours. AirPassengers and WWWusage
 * still end on R's models.
 */
const MAX_ORDER = 5;

/** Serializable AutoARIMA fit: enough to forecast and give variances without refitting. */
export interface AutoArimaState {
  /** [p, d, q, P, D, Q, m]. */
  order: number[];
  /** Mean (d + D = 0) or drift (d + D = 1) included. */
  constant: boolean;
  ar: number[];
  ma: number[];
  sar: number[];
  sma: number[];
  /** Mean of the differenced series (intercept, or drift × differencing lag). */
  mean: number;
  /** Innovation variance, bias-adjusted as R forecast's `Arima` (SSQ / (n − coefficients)). */
  sigma2: number;
  aicc: number;
  /** Predicted ARMA state after the last observation. */
  state: number[];
  /** Last d + D·m observations, oldest first, to integrate the differences back. */
  last: number[];
}

interface Candidate {
  p: number;
  q: number;
  P: number;
  Q: number;
  constant: boolean;
}

/**
 * AutoARIMA (Hyndman & Khandakar 2008), as R forecast's `auto.arima()` defaults and
 * statsforecast's `AutoARIMA`: d by repeated KPSS tests, D by seasonal strength, then the
 * stepwise search over (p, q, P, Q, constant) by AICc from R's four starting models, each fit
 * by CSS-ML (kernels/arima.ts). Like R, series longer than 150 points or with m > 12 are
 * searched with CSS fits (AICc from the conditional variance plus R's offset) and only the
 * winner is refitted by exact likelihood. Fits the recent window (fitWindow; 200 points for
 * daily, weekly or hourly data, every point of a monthly series up to 200).
 */
export function autoArima(): ForecastModel<AutoArimaState> {
  return {
    alias: "AutoARIMA",
    fit(input: FitInput): AutoArimaState {
      const m = arimaPeriod(input);
      const y = fitWindow(input, m);
      return autoArimaFit(y, m);
    },
    predict(state: AutoArimaState, h: number): Float64Array {
      return arimaForecast(
        { order: orderOf(state), coef: state, mean: state.mean, state: state.state, last: state.last },
        h,
      );
    },
    variance(state: AutoArimaState, h: number): Float64Array {
      return arimaVariance(orderOf(state), state, state.sigma2, h);
    },
    update(state: AutoArimaState, y: Float64Array): AutoArimaState {
      return arimaUpdate(state, y);
    },
  };
}

/**
 * The fitted ARIMA run forward over new observations with its coefficients kept: each one is
 * differenced against the last observations, and the ARMA state takes its innovation v as the
 * Kalman filter does once its gain is steady, a ← T(a + R v) with R = (1, θ₁, …), which it is
 * after the few hundred points a fit sees (a seasonal MA filter converges more slowly: there
 * this is the steady-state approximation of the exact update).
 */
export function arimaUpdate(state: AutoArimaState, y: Float64Array): AutoArimaState {
  if (!y.every(Number.isFinite)) throw new Error("gaps in the new observations");
  const order = orderOf(state);
  const { phi, theta } = expandArma(state, order.m);
  const delta = differencingPolynomial(order.d, order.D, order.m);
  const nd = delta.length;
  const r = state.state.length;
  const a = Float64Array.from(state.state);
  const b = new Float64Array(r);
  const history = [...state.last.slice(state.last.length - nd), ...y];
  for (let t = 0; t < y.length; t++) {
    let w = y[t];
    for (let i = 0; i < nd; i++) w -= delta[i] * history[nd + t - i - 1];
    if (r === 0) continue;
    const v = w - state.mean - a[0];
    for (let i = 0; i < r; i++) b[i] = a[i] + (i === 0 ? 1 : i - 1 < theta.length ? theta[i - 1] : 0) * v;
    for (let i = 0; i < r; i++) a[i] = (i < phi.length ? phi[i] * b[0] : 0) + (i + 1 < r ? b[i + 1] : 0);
  }
  return { ...state, state: compact(a), last: compact(history.slice(history.length - nd)) };
}

/** The shortest seasonal period, rounded, when it is at most {@link MAX_ARIMA_PERIOD}; else 1. */
function arimaPeriod(input: FitInput): number {
  const shortest = input.seasonalPeriods.length > 0 ? Math.min(...input.seasonalPeriods) : 1;
  const m = Math.round(shortest);
  return m >= 2 && m <= MAX_ARIMA_PERIOD ? m : 1;
}

function orderOf(state: AutoArimaState): ArimaOrder {
  const [p, d, q, P, D, Q, m] = state.order;
  return { p, d, q, P, D, Q, m };
}

/**
 * `auto.arima(y)` with R's defaults on a gap-free series with seasonal period `m` (1 for none).
 * Never throws on a finite series: constant or very short series get a (0, d, 0) model.
 */
export function autoArimaFit(y: Float64Array, m: number): AutoArimaState {
  const n = y.length;
  if (n === 0) throw new Error("AutoARIMA needs at least one observation");
  if (n < 3 || isConstant(y)) return fallback(y);
  const seasonal = Math.max(m, 1);
  const D = seasonal > 1 && n > 2 * seasonal ? nsdiffs(y, seasonal) : 0;
  const dx = D > 0 ? difference(y, 0, D, seasonal) : y;
  // At most two differences in all (R warns beyond, FPP §9.1): three extrapolate a quadratic
  // trend, which over a long horizon forecasts absurd values from a short window.
  const d = Math.min(ndiffs(dx), Math.max(0, dx.length - 2), 2 - D);
  const w = difference(dx, d, 0, 1);
  if (w.length < 2) return fallback(y);
  if (isConstant(w)) {
    // R fits (0, d, 0)(0, D, 0) with the constant step fixed; the mean of w is exactly that.
    const order = { p: 0, d, q: 0, P: 0, D, Q: 0, m: seasonal };
    return toState(constantFit(order, w[0], d + D <= 1), y, 0);
  }
  const search = stepwise(y, d, D, seasonal);
  if (!search) return fallback(y);
  return toState(search, y, search.npar);
}

/** Most models one stepwise search fits, R's `nmodels`. */
const MAX_MODELS = 94;

/** Most exact refits after an approximate (CSS) search; R tries every model it visited. */
const MAX_REFITS = 4;

function stepwise(y: Float64Array, d: number, D: number, m: number): ArimaFit | null {
  const n = y.length;
  const maxP = m > 1 ? Math.min(MAX_SP, Math.floor(n / 3 / m)) : 0;
  const maxQ = m > 1 ? Math.min(MAX_SQ, Math.floor(n / 3 / m)) : 0;
  let maxp = Math.min(MAX_P, Math.floor(n / 3));
  let maxq = Math.min(MAX_Q, Math.floor(n / 3));
  if (m > 1 && maxP > 0) maxp = Math.min(maxp, m - 1);
  if (m > 1 && maxQ > 0) maxq = Math.min(maxq, m - 1);
  const approximation = n > 150 || m > 12;
  const allowConstant = d + D <= 1;
  const base = { d, D, m };
  // R's offset turns the conditional variance of a CSS fit into an AIC on the likelihood's scale.
  let offset = 0;
  if (approximation) {
    const null0 = arimaFit(y, { p: 0, q: 0, P: 0, Q: 0, ...base }, { constant: d + D === 0 });
    if (null0) offset = -2 * null0.loglik - n * Math.log(null0.sigma2);
  }
  const seen = new Map<string, number>();
  const fits = new Map<string, ArimaFit>();
  const key = (c: Candidate) => `${c.p},${c.q},${c.P},${c.Q},${c.constant ? 1 : 0}`;
  const score = (c: Candidate, exact: boolean): number => {
    const order: ArimaOrder = { p: c.p, q: c.q, P: c.P, Q: c.Q, ...base };
    const fit = arimaFit(y, order, { constant: c.constant, method: exact ? "CSS-ML" : "CSS" });
    if (!fit) return Number.POSITIVE_INFINITY;
    let ic = fit.aicc;
    if (!exact) {
      const k = fit.npar + 1;
      const aic = offset + fit.nobs * Math.log(fit.sigma2) + 2 * k;
      ic = fit.nobs - k - 1 > 0 ? aic + (2 * k * (k + 1)) / (fit.nobs - k - 1) : Number.POSITIVE_INFINITY;
    }
    // auto.arima rejects models with a root within 1% of the unit circle.
    if (!Number.isFinite(ic) || minRootModulus(fit.coef, m) < 1.01) return Number.POSITIVE_INFINITY;
    fits.set(key(c), fit);
    return ic;
  };
  const tryModel = (c: Candidate): number | null => {
    const k = key(c);
    if (seen.has(k) || seen.size >= MAX_MODELS) return null;
    if (c.p + c.q + c.P + c.Q > MAX_ORDER) return null;
    const ic = score(c, !approximation);
    seen.set(k, ic);
    return ic;
  };

  const short = n < 10;
  const start: Candidate = {
    p: Math.min(short ? 1 : 2, maxp),
    q: Math.min(short ? 1 : 2, maxq),
    P: Math.min(short ? 0 : 1, maxP),
    Q: Math.min(short ? 0 : 1, maxQ),
    constant: allowConstant,
  };
  let best = start;
  let bestIc = tryModel(start) ?? Number.POSITIVE_INFINITY;
  const consider = (c: Candidate): boolean => {
    const ic = tryModel(c);
    if (ic !== null && ic < bestIc) {
      bestIc = ic;
      best = c;
      return true;
    }
    return false;
  };
  consider({ p: 0, q: 0, P: 0, Q: 0, constant: allowConstant });
  if (maxp > 0 || maxP > 0)
    consider({ p: maxp > 0 ? 1 : 0, q: 0, P: maxP > 0 ? 1 : 0, Q: 0, constant: allowConstant });
  if (maxq > 0 || maxQ > 0)
    consider({ p: 0, q: maxq > 0 ? 1 : 0, P: 0, Q: maxQ > 0 ? 1 : 0, constant: allowConstant });
  if (allowConstant) consider({ p: 0, q: 0, P: 0, Q: 0, constant: false });

  // Neighbours in R's order; the first improvement restarts the scan from the new best.
  const moves: [number, number, number, number][] = [
    [0, 0, -1, 0],
    [0, 0, 0, -1],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
    [0, 0, -1, -1],
    [0, 0, -1, 1],
    [0, 0, 1, -1],
    [0, 0, 1, 1],
    [-1, 0, 0, 0],
    [0, -1, 0, 0],
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [-1, -1, 0, 0],
    [-1, 1, 0, 0],
    [1, -1, 0, 0],
    [1, 1, 0, 0],
  ];
  let improved = true;
  while (improved && seen.size < MAX_MODELS) {
    improved = false;
    for (const [dp, dq, dP, dQ] of moves) {
      const c = { ...best, p: best.p + dp, q: best.q + dq, P: best.P + dP, Q: best.Q + dQ };
      if (c.p < 0 || c.q < 0 || c.P < 0 || c.Q < 0 || c.p > maxp || c.q > maxq || c.P > maxP || c.Q > maxQ)
        continue;
      if (consider(c)) {
        improved = true;
        break;
      }
    }
    if (!improved && allowConstant && consider({ ...best, constant: !best.constant })) improved = true;
  }

  if (!approximation) return Number.isFinite(bestIc) ? (fits.get(key(best)) ?? null) : null;
  // Refit by exact likelihood in order of the approximate criterion until one is admissible, as
  // R, but at most MAX_REFITS times: over-differenced seasonal series (a strong but fixed weekly
  // shape) push every seasonal MA to −1, and each rejected exact fit costs tens of milliseconds.
  // Past the cap, the (0, d, 0)(0, D, 0) model, which has no roots to reject.
  const ranked = [...seen.entries()].filter(([, ic]) => Number.isFinite(ic)).sort((a, b) => a[1] - b[1]);
  for (const [k] of ranked.slice(0, MAX_REFITS)) {
    const [p, q, P, Q, c] = k.split(",").map(Number);
    const fit = arimaFit(y, { p, q, P, Q, ...base }, { constant: c === 1 });
    if (fit && Number.isFinite(fit.aicc) && minRootModulus(fit.coef, m) >= 1.01) return fit;
  }
  return arimaFit(y, { p: 0, q: 0, P: 0, Q: 0, ...base }, { constant: allowConstant });
}

/** A (0, d, 0)(0, D, 0) model whose differenced series is exactly `step`: zero variance. */
function constantFit(order: ArimaOrder, step: number, constant: boolean): ArimaFit {
  return {
    order,
    constant,
    coef: { ar: [], ma: [], sar: [], sma: [] },
    mean: constant ? step : 0,
    sigma2: 0,
    ssq: 0,
    loglik: Number.POSITIVE_INFINITY,
    aic: Number.NEGATIVE_INFINITY,
    aicc: Number.NEGATIVE_INFINITY,
    bic: Number.NEGATIVE_INFINITY,
    nobs: 0,
    npar: constant ? 1 : 0,
    state: new Float64Array(1),
    method: "CSS-ML",
  };
}

/**
 * The model for series too short or flat to search: the mean of a constant series, else a
 * random walk (ARIMA(0,1,0)) with its sample innovation variance.
 */
function fallback(y: Float64Array): AutoArimaState {
  const n = y.length;
  if (n < 2 || isConstant(y)) {
    let mean = 0;
    for (const v of y) mean += v;
    mean /= n;
    const order = { p: 0, d: 0, q: 0, P: 0, D: 0, Q: 0, m: 1 };
    return toState(constantFit(order, mean, true), y, 0);
  }
  let ssq = 0;
  for (let t = 1; t < n; t++) ssq += (y[t] - y[t - 1]) ** 2;
  const fit = constantFit({ p: 0, d: 1, q: 0, P: 0, D: 0, Q: 0, m: 1 }, 0, false);
  return { ...toState(fit, y, 0), sigma2: compact([ssq / (n - 1)])[0] };
}

function toState(fit: ArimaFit, y: Float64Array, npar: number): AutoArimaState {
  const { p, d, q, P, D, Q, m } = fit.order;
  const lagged = d + D * m;
  const sigma2 = fit.nobs - npar > 0 ? fit.ssq / (fit.nobs - npar) : fit.sigma2;
  return {
    order: [p, d, q, P, D, Q, m],
    constant: fit.constant,
    ar: compact(fit.coef.ar),
    ma: compact(fit.coef.ma),
    sar: compact(fit.coef.sar),
    sma: compact(fit.coef.sma),
    mean: compact([fit.mean])[0],
    sigma2: compact([sigma2])[0],
    aicc: Number.isFinite(fit.aicc) ? compact([fit.aicc])[0] : 0,
    state: compact(fit.state),
    last: compact(y.subarray(y.length - lagged)),
  };
}
