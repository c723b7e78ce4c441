import { isSeasonal, reseasonalise, seasonalFigure } from "../kernels/decompose.ts";
import {
  type DynamicThetaState,
  THETA_VARIANTS,
  type ThetaFit,
  type ThetaVariant,
  thetaVariantFit,
  thetaVariantForecast,
} from "../kernels/dynamic-theta.ts";
import { thetaPeriod } from "./theta.ts";
import { compact, fitWindow } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

export interface AutoThetaState extends DynamicThetaState {
  /** Variance of the one-step errors (deseasonalised scale), for {@link ForecastModel.variance}. */
  sigma2: number;
  /** Seasonal indices by forecast step (`season[j]` for step j + 1, mod length); empty if none. */
  season: number[];
  decomposition: "none" | "additive" | "multiplicative";
}

export interface AutoThetaOptions {
  /** Variants to choose from (statsforecast's `model`); all four by default. */
  variants?: readonly ThetaVariant[];
}

/**
 * Smallest multiplicative seasonal index statsforecast accepts; a season that nearly vanishes
 * would blow up the deseasonalised series, so the decomposition turns additive instead.
 */
const MIN_MULTIPLICATIVE_INDEX = 0.01;

/** Shortest period statsforecast's `auto_theta` tests for seasonality. */
const MIN_SEASONAL_PERIOD = 4;

/**
 * statsforecast's `AutoTheta` (Fiorucci et al. 2016): when the series is seasonal at its period
 * (thetaf's 90% autocorrelation test) it is deseasonalised by classical decomposition,
 * multiplicative unless it has values ≤ 0 or an index below 0.01; then the Standard, Optimised,
 * Dynamic Standard and Dynamic Optimised Theta models are fitted by least squares
 * (kernels/dynamic-theta.ts) and the one with the lowest AICc kept (see thetaAicc). Forecasts are
 * reseasonalised with the last cycle's indices.
 *
 * One period: the longest of `seasonalPeriods` up to 200 steps with three cycles in the data,
 * as the Theta model picks it; fitted on {@link fitWindow}.
 */
/** Variants that also fit θ (one parameter more than α and the initial level). */
const OPTIMISED = new Set<ThetaVariant>(["OTM", "DOTM"]);

/**
 * AICc of a least-squares fit: n·log(SSE/n) + 2k·n/(n − k − 1). statsforecast keeps the variant
 * with the lowest in-sample MSE, which always favours a free θ: on short quarterly series that
 * choice forecast worse than the standard method in our bench, so a free θ must pay for itself.
 */
function thetaAicc(sse: number, n: number, k: number): number {
  if (!(sse > 0) || n <= k + 1) return Number.POSITIVE_INFINITY;
  return n * Math.log(sse / n) + (2 * k * n) / (n - k - 1);
}

export function autoTheta(options: AutoThetaOptions = {}): ForecastModel<AutoThetaState> {
  const variants = options.variants ?? THETA_VARIANTS;
  return {
    alias: "AutoTheta",
    fit(input: FitInput): AutoThetaState {
      const m = thetaPeriod(input);
      const raw = fitWindow(input, m);
      const { y, season, decomposition } = deseasonalise(raw, m);
      let best: ThetaFit | undefined;
      let bestCriterion = Number.POSITIVE_INFINITY;
      let closest: ThetaFit | undefined;
      for (const variant of variants) {
        const fit = thetaVariantFit(y, variant);
        if (!Number.isFinite(fit.sse)) continue;
        if (closest === undefined || fit.sse < closest.sse) closest = fit;
        const criterion = thetaAicc(fit.sse, y.length - 3, OPTIMISED.has(variant) ? 3 : 2);
        if (criterion < bestCriterion) {
          best = fit;
          bestCriterion = criterion;
        }
      }
      // Too few points for any criterion (or a perfect fit): the closest fit stands.
      best ??= closest;
      if (best === undefined) throw new Error("no Theta model could be fitted");
      const s = best.state;
      const [alpha, theta, level, meanY, a, b, sigma2] = compact([
        s.alpha,
        s.theta,
        s.level,
        s.meanY,
        s.a,
        s.b,
        best.variance,
      ]);
      return {
        variant: s.variant,
        alpha,
        theta,
        level,
        meanY,
        a,
        b,
        n: s.n,
        sigma2,
        season: compact(season),
        decomposition,
      };
    },
    predict(state: AutoThetaState, h: number): Float64Array {
      return reseasonalise(thetaVariantForecast(state, h), state.season, state.decomposition);
    },
    /**
     * σ²·(1 + α²(k − 1)) at step k, times the squared seasonal index when multiplicative.
     * statsforecast simulates instead (each drawn value fed back into the state); for STM and
     * OTM, whose line is fixed, an error moves later steps only through the SES level, so this
     * SES variance is their exact one. The dynamic models also refit their line on each draw,
     * which adds terms of order k/n that this leaves out.
     */
    variance(state: AutoThetaState, h: number): Float64Array {
      const out = new Float64Array(h);
      const m = state.season.length;
      for (let k = 0; k < h; k++) {
        out[k] = state.sigma2 * (1 + state.alpha * state.alpha * k);
        if (m > 0 && state.decomposition === "multiplicative") out[k] *= state.season[k % m] ** 2;
      }
      return out;
    },
  };
}

/**
 * statsforecast's deseasonalisation for `auto_theta`: seasonal when m ≥ 4 and the 90% test says
 * so; multiplicative figure unless some value is ≤ 0 or some index is below 0.01 (then
 * additive). Returns the adjusted series and the indices for steps 1..m after its end.
 */
function deseasonalise(
  y: Float64Array,
  m: number,
): { y: Float64Array; season: Float64Array; decomposition: AutoThetaState["decomposition"] } {
  const n = y.length;
  const none = { y, season: new Float64Array(0), decomposition: "none" as const };
  if (m < MIN_SEASONAL_PERIOD || n < 2 * m || !isSeasonal(y, m)) return none;
  let decomposition: "additive" | "multiplicative" = y.every((v) => v > 0) ? "multiplicative" : "additive";
  let figure = seasonalFigure(y, m, decomposition);
  if (decomposition === "multiplicative" && figure.some((f) => f < MIN_MULTIPLICATIVE_INDEX)) {
    decomposition = "additive";
    figure = seasonalFigure(y, m, decomposition);
  }
  const adjusted = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    adjusted[t] = decomposition === "additive" ? y[t] - figure[t % m] : y[t] / figure[t % m];
  }
  const season = new Float64Array(m);
  for (let j = 0; j < m; j++) season[j] = figure[(n + j) % m];
  return { y: adjusted, season, decomposition };
}
