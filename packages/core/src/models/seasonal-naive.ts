import type { FitInput, ForecastModel } from "./model.ts";

export interface SeasonalNaiveState {
  period: number;
  /** The last `period` observed values (gaps filled from the season before). */
  lastSeason: number[];
}

/**
 * Seasonal naive: each future step repeats the value one season earlier. The benchmark every
 * other model must beat (Hyndman & Athanasopoulos, FPP3 §5.2; statsforecast `SeasonalNaive`).
 * With no seasonal period it is the naive forecast (period 1).
 */
export function seasonalNaive(options: { period?: number } = {}): ForecastModel<SeasonalNaiveState> {
  return {
    alias: options.period ? `SeasonalNaive(${options.period})` : "SeasonalNaive",
    fit(input: FitInput): SeasonalNaiveState {
      const period = Math.max(1, Math.round(options.period ?? input.seasonalPeriods[0] ?? 1));
      const y = input.y;
      const lastSeason: number[] = [];
      for (let k = 0; k < period; k++) {
        // Walk back whole seasons until a reading is found for this phase.
        let i = y.length - period + k;
        while (i >= 0 && Number.isNaN(y[i])) i -= period;
        lastSeason.push(i >= 0 ? y[i] : lastFinite(y));
      }
      return { period, lastSeason };
    },
    predict(state: SeasonalNaiveState, h: number): Float64Array {
      const out = new Float64Array(h);
      for (let i = 0; i < h; i++) out[i] = state.lastSeason[i % state.period];
      return out;
    },
  };
}

function lastFinite(y: Float64Array): number {
  for (let i = y.length - 1; i >= 0; i--) if (!Number.isNaN(y[i])) return y[i];
  return 0;
}
