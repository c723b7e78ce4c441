import { isSeasonal, reseasonalise, seasonalFigure } from "../kernels/decompose.ts";
import { type ThetaState, thetaFit, thetaForecast } from "../kernels/theta.ts";
import { MAX_ETS_PERIOD } from "./exponential-smoothing.ts";
import { compact, fitWindow, usablePeriods } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

export interface ThetaModelState extends ThetaState {
  /** Seasonal indices by forecast step (`season[j]` for step j + 1, mod length); empty if none. */
  season: number[];
  decomposition: "none" | "additive" | "multiplicative";
}

/**
 * The standard Theta method as R forecast's `thetaf` runs it: test seasonality at the lag of
 * the period (90%), deseasonalise by classical decomposition (multiplicative; additive when the
 * series has values ≤ 0), forecast by SES with drift (kernels/theta.ts), reseasonalise with the
 * last cycle's indices. One period: the longest up to 200 steps with three cycles in the window.
 */
/** The longest usable period up to 200 steps with three cycles of data, rounded; 0 for none. */
export function thetaPeriod(input: FitInput): number {
  const usable = usablePeriods(input.seasonalPeriods, input.y.length, 3).filter((p) => p <= MAX_ETS_PERIOD);
  return usable.length > 0 ? Math.round(usable[usable.length - 1]) : 0;
}

export function thetaModel(): ForecastModel<ThetaModelState> {
  return {
    alias: "Theta",
    fit(input: FitInput): ThetaModelState {
      const m = thetaPeriod(input);
      let y = fitWindow(input, m);
      const n = y.length;
      let season: Float64Array = new Float64Array(0);
      let decomposition: ThetaModelState["decomposition"] = "none";
      if (m >= 2 && n > 2 * m && isSeasonal(y, m)) {
        decomposition = y.every((v) => v > 0) ? "multiplicative" : "additive";
        const figure = seasonalFigure(y, m, decomposition);
        if (decomposition === "additive" || figure.every((f) => Math.abs(f) >= 1e-4)) {
          const adjusted = new Float64Array(n);
          for (let t = 0; t < n; t++) {
            adjusted[t] = decomposition === "additive" ? y[t] - figure[t % m] : y[t] / figure[t % m];
          }
          y = adjusted;
          season = new Float64Array(m);
          for (let j = 0; j < m; j++) season[j] = figure[(n + j) % m];
        } else decomposition = "none";
      }
      const fit = thetaFit(y);
      return {
        level: compact([fit.level])[0],
        alpha: compact([fit.alpha])[0],
        drift: compact([fit.drift])[0],
        n: fit.n,
        season: compact(season),
        decomposition,
      };
    },
    predict(state: ThetaModelState, h: number): Float64Array {
      return reseasonalise(thetaForecast(state, h), state.season, state.decomposition);
    },
  };
}
