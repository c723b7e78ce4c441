import {
  type EtsFitResult,
  type EtsModelSpec,
  type EtsSmoothing,
  etsForecastVariance,
  etsRun,
  etsMethodName,
  etsPointForecast,
  fitEtsModel,
  MAX_SEASONAL_PERIOD,
} from "../kernels/ets-state-space.ts";
import { compact, fitWindow, usablePeriods } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

export interface AutoEtsState {
  spec: EtsModelSpec;
  /** R-style name of the chosen model, e.g. `ETS(M,Ad,M)`. */
  method: string;
  params: EtsSmoothing;
  level: number;
  trend: number;
  /** Final seasonal states in R's order: `season[0]` newest, `season[m − 1]` used by step 1. */
  season: number[];
  /** Residual variance (relative errors for multiplicative-error models), R's `sigma2`. */
  sigma2: number;
  /**
   * Information criteria of the chosen fit (R's scale), comparable only within the ETS family on
   * the same window; null for the unoptimised fallback.
   */
  aicc: number | null;
  aic: number | null;
  bic: number | null;
  /** Points the model was fitted on. */
  n: number;
}

/**
 * Every combination `ets(model = "ZZZ")` tries (R forecast; statsforecast `AutoETS`): error A/M,
 * trend N/A/Ad, season N/A/M, without multiplicative trends, without additive error and
 * multiplicative season (R's restrict = TRUE), and with multiplicative parts only for strictly
 * positive data.
 */
export function etsCandidates(m: number, positive: boolean): EtsModelSpec[] {
  const out: EtsModelSpec[] = [];
  for (const error of ["A", "M"] as const) {
    if (error === "M" && !positive) continue;
    for (const trend of ["N", "A", "Ad"] as const) {
      for (const season of ["N", "A", "M"] as const) {
        if (season !== "N" && m < 2) continue;
        if (season === "M" && (error === "A" || !positive)) continue;
        out.push({ error, trend, season, period: season === "N" ? 1 : m });
      }
    }
  }
  return out;
}

/**
 * The season R's `ets` would use: the shortest usable period (two cycles of data, more than m
 * points), rounded, if it is at most 24; otherwise none (R refuses m > 24 and non-integer
 * frequencies, so 52.18-step weeks and 365.25-step years fit non-seasonal models).
 */
export function autoEtsPeriod(input: FitInput): number {
  const periods = usablePeriods(input.seasonalPeriods, input.y.length, 2);
  if (periods.length === 0) return 0;
  const m = Math.round(periods[0]);
  return m >= 2 && m <= MAX_SEASONAL_PERIOD ? m : 0;
}

/**
 * Automatic exponential smoothing, as R forecast's `ets()` with its defaults and statsforecast's
 * `AutoETS`: fits every admissible ETS model by maximum likelihood (kernels/ets-state-space.ts)
 * and keeps the one with the lowest AICc. Fits the recent window (see fitWindow; gaps filled).
 * Too-short series fall back to simpler models (each model needs more than its parameter count
 * + 4 points), down to a level-only model; constant series give R's `ses(alpha = 0.99999)`.
 */
export function autoEts(): ForecastModel<AutoEtsState> {
  return {
    alias: "AutoETS",
    fit(input: FitInput): AutoEtsState {
      const m = autoEtsPeriod(input);
      const y = fitWindow(input, m);
      const n = y.length;
      if (n === 0) throw new Error("series has no readings");
      let positive = true;
      let constant = true;
      for (let i = 0; i < n; i++) {
        if (!(y[i] > 0)) positive = false;
        if (y[i] !== y[0]) constant = false;
      }
      if (constant || n < 7) return fallback(y, constant);
      let best: EtsFitResult | null = null;
      for (const spec of etsCandidates(n > m ? m : 0, positive)) {
        const fit = fitEtsModel(y, spec);
        if (fit && Number.isFinite(fit.aicc) && (!best || fit.aicc < best.aicc)) best = fit;
      }
      if (!best) return fallback(y, false);
      return {
        spec: best.spec,
        method: etsMethodName(best.spec),
        params: {
          alpha: round(best.params.alpha),
          beta: round(best.params.beta),
          gamma: round(best.params.gamma),
          phi: round(best.params.phi),
        },
        level: round(best.final.level),
        trend: round(best.final.trend),
        season: compact(best.final.season),
        sigma2: round(best.sigma2),
        aicc: round(best.aicc),
        aic: round(best.aic),
        bic: round(best.bic),
        n,
      };
    },
    predict(state: AutoEtsState, h: number): Float64Array {
      return etsPointForecast(state, state.spec, state.params, h);
    },
    variance(state: AutoEtsState, h: number): Float64Array {
      return etsForecastVariance(state, state.spec, state.params, state.sigma2, h);
    },
    update(state: AutoEtsState, y: Float64Array): AutoEtsState {
      // The recursions need every observation; a gap is left to a refit, which fills it.
      if (!y.every(Number.isFinite)) throw new Error("gaps in the new observations");
      const { final } = etsRun(y, state.spec, state.params, state);
      if (![final.level, final.trend, ...final.season].every(Number.isFinite))
        throw new Error("the states left the admissible region");
      return {
        ...state,
        level: round(final.level),
        trend: round(final.trend),
        season: compact(final.season),
        n: state.n + y.length,
      };
    },
  };
}

function round(v: number): number {
  return compact([v])[0];
}

/**
 * ETS(A,N,N) without optimisation, for series too short for any likelihood fit: R's `ses` with
 * α = 0.99999 (a random walk) from the last value, σ² from the one-step changes.
 */
function fallback(y: Float64Array, constant: boolean): AutoEtsState {
  const n = y.length;
  let sse = 0;
  for (let i = 1; i < n; i++) sse += (y[i] - y[i - 1]) ** 2;
  const sigma2 = constant || n < 2 ? 0 : sse / (n - 1);
  return {
    spec: { error: "A", trend: "N", season: "N", period: 1 },
    method: "ETS(A,N,N)",
    params: { alpha: 0.99999, beta: 0, gamma: 0, phi: 1 },
    level: round(y[n - 1]),
    trend: 0,
    season: [],
    sigma2: round(sigma2),
    aicc: null,
    aic: null,
    bic: null,
    n,
  };
}
