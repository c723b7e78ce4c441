import { type EtsParams, type EtsSpec, etsForecast, etsSearch } from "../kernels/ets.ts";
import { mstl as decompose } from "../kernels/mstl.ts";
import { compact, fitWindow, scoredHorizons, usablePeriods } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";
import { seasonName } from "../series/frequency.ts";

function trendForecast(state: MstlState, h: number): Float64Array {
  const { spec, params, level, slope } = state.trend;
  return etsForecast({ level, trend: slope, season: [] }, spec, params, h);
}

export interface MstlState {
  /** Each seasonal component's last cycle: `seasons[i][j]` applies to forecast step j + 1 (mod length). */
  seasons: number[][];
  /** Each season's name for explanations (`daily`, `weekly`…); absent in older artifacts. */
  names?: string[];
  /** Damped Holt on the seasonally adjusted series (trend + remainder). */
  trend: { spec: EtsSpec; params: EtsParams; level: number; slope: number };
}

/**
 * MSTL (Bandara, Hyndman & Bergmeir 2021) as a forecaster, mirroring R forecast's
 * `forecast(mstl(x))` and statsforecast `MSTL`: each seasonal component repeats its last cycle
 * (seasonal naive) and the seasonally adjusted series is forecast by damped Holt, ETS(A,Ad,N)
 * (statsforecast's default trend forecaster is AutoETS without season). Periods are truncated
 * to integers; the fit uses the recent window (eight cycles of the longest period).
 */
export function mstlModel(options: { trend?: EtsSpec["trend"] } = {}): ForecastModel<MstlState> {
  const trend = options.trend ?? "damped";
  return {
    alias: "MSTL",
    fit(input: FitInput): MstlState {
      const candidates = input.seasonalPeriods.map((p) => Math.trunc(p));
      const longest = candidates.length > 0 ? candidates[candidates.length - 1] : 0;
      const y = fitWindow(input, longest);
      // R's mstl keeps periods shorter than n / 2.
      const periods = usablePeriods(candidates, y.length - 1);
      const parts = decompose(y, periods);
      const n = y.length;
      const seasons = parts.seasonals.map((s, i) => {
        const p = parts.periods[i];
        return compact(s.subarray(n - p));
      });
      const spec: EtsSpec = { trend, period: 0 };
      const { params, fit } = etsSearch(parts.deseasonalized, spec, scoredHorizons(input.horizon));
      return {
        seasons,
        names: parts.periods.map((p) => seasonName(p, input.frequency)),
        trend: { spec, params, level: compact([fit.state.level])[0], slope: compact([fit.state.trend])[0] },
      };
    },
    predict(state: MstlState, h: number): Float64Array {
      const out = trendForecast(state, h);
      for (const season of state.seasons) for (let k = 0; k < h; k++) out[k] += season[k % season.length];
      return out;
    },
    /** `trend` and one component per season, as the decomposition split them. */
    explain(state: MstlState, h: number): Record<string, Float64Array> {
      const out: Record<string, Float64Array> = { trend: trendForecast(state, h) };
      state.seasons.forEach((season, i) => {
        const name = state.names?.[i] ?? `season(${season.length})`;
        const values = (out[name] ??= new Float64Array(h));
        for (let k = 0; k < h; k++) values[k] += season[k % season.length];
      });
      return out;
    },
  };
}
