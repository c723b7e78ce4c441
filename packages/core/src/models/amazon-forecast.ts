import type { ForecastModel } from "./model.ts";

export interface AmazonForecastState {
  /** The exported mean (or P50), one value per step from the first forecast timestamp. */
  mean: number[];
}

/**
 * A forecast made by Amazon Forecast and imported from its export (the `forecast` backend).
 * It cannot be fitted here; predicting replays the exported values and holds the last one past
 * the exported horizon, the only honest extension without the predictor.
 */
export function amazonForecast(): ForecastModel<AmazonForecastState> {
  return {
    alias: "AmazonForecast",
    fit(): AmazonForecastState {
      throw new Error("AmazonForecast models are trained by Amazon Forecast, not fitted locally");
    },
    predict(state: AmazonForecastState, h: number): Float64Array {
      const out = new Float64Array(h);
      const last = state.mean.length > 0 ? state.mean[state.mean.length - 1] : Number.NaN;
      for (let i = 0; i < h; i++) out[i] = i < state.mean.length ? state.mean[i] : last;
      return out;
    },
  };
}
