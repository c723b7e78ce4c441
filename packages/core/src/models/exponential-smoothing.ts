import { type EtsParams, type EtsSpec, etsForecast, etsSearch } from "../kernels/ets.ts";
import { compact, fitWindow, scoredHorizons, usablePeriods } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

/** Longest season exponential smoothing takes (R's `ets` stops at 24; weekly hourly is 168). */
export const MAX_ETS_PERIOD = 200;

export interface ExponentialSmoothingOptions {
  trend: EtsSpec["trend"];
  /** Use the longest seasonal period up to {@link MAX_ETS_PERIOD} with three cycles of data. */
  seasonal: boolean;
}

export interface ExponentialSmoothingState {
  spec: EtsSpec;
  params: EtsParams;
  level: number;
  trend: number;
  /** `season[j]` applies to forecast step j + 1 (mod its length). */
  season: number[];
}

/**
 * Exponential smoothing with additive errors, ETS(A, trend, season) (Hyndman et al. 2008;
 * statsforecast `AutoETS` with a fixed model string). Parameters come from a small coordinate
 * search (kernels/ets.ts) scored at steps 1, h/2 and h, like R's `ets(opt.crit = "amse")`.
 * Fits the recent window (eight seasons, see fitWindow); gaps are filled first.
 */
export function exponentialSmoothing(
  options: ExponentialSmoothingOptions,
): ForecastModel<ExponentialSmoothingState> {
  return {
    alias: `ETS(A,${{ none: "N", additive: "A", damped: "Ad" }[options.trend]},${options.seasonal ? "A" : "N"})`,
    fit(input: FitInput): ExponentialSmoothingState {
      const period = options.seasonal ? etsPeriod(input) : 0;
      const y = fitWindow(input, period);
      const spec: EtsSpec = { trend: options.trend, period: y.length >= 3 * period ? period : 0 };
      const { params, fit } = etsSearch(y, spec, scoredHorizons(input.horizon));
      return {
        spec,
        params,
        level: compact([fit.state.level])[0],
        trend: compact([fit.state.trend])[0],
        season: compact(fit.state.season),
      };
    },
    predict(state: ExponentialSmoothingState, h: number): Float64Array {
      return etsForecast(state, state.spec, state.params, h);
    },
  };
}

/** The longest usable period no longer than {@link MAX_ETS_PERIOD}, rounded; 0 for none. */
function etsPeriod(input: FitInput): number {
  const periods = usablePeriods(input.seasonalPeriods, input.y.length, 3).filter((p) => p <= MAX_ETS_PERIOD);
  return periods.length > 0 ? Math.round(periods[periods.length - 1]) : 0;
}

/** Holt-Winters with a damped trend, ETS(A,Ad,A): one season, the longest that fits. */
export const holtWinters = () => exponentialSmoothing({ trend: "damped", seasonal: true });

/** Damped Holt, ETS(A,Ad,N): the trend forecaster of the decomposition models. */
export const dampedHolt = () => exponentialSmoothing({ trend: "damped", seasonal: false });
