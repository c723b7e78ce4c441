import {
  type FourierFit,
  fourierContributions,
  fourierFit,
  fourierPredict,
  fourierTerms,
} from "../kernels/fourier.ts";
import { seasonName } from "../series/frequency.ts";
import { compact, rawWindow, usablePeriods } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

export interface FourierRegressionOptions {
  /** Trend changepoints, spread evenly over the first 80% of the window (Prophet's default range). Default 4. */
  changepoints?: number;
  /** Ridge penalty on each slope change (standardised units). Default 0.5. */
  changepointRidge?: number;
}

export interface FourierRegressionState extends FourierFit {
  /** What each seasonal period is, for explanations (`daily`, `weekly`…), by period. */
  names?: Record<string, string>;
}

/**
 * Harmonics per period, after Prophet's defaults (yearly 10, weekly 3, daily 4): yearly 10
 * (365.25 days or 52.18 weeks), weekly-in-days 3, monthly 5, 6 for a cycle of up to 100 steps
 * (the daily cycle of hourly data: load shapes are peaky) and 4 for a longer one (weekly of
 * hourly data); at most (p − 1) / 2.
 */
export function fourierOrder(period: number): number {
  const yearly = Math.abs(period - 365.25) < 1 || Math.abs(period - 52.18) < 0.5;
  const order = yearly ? 10 : period < 10 ? 3 : period < 20 ? 5 : period <= 100 ? 6 : 4;
  return Math.max(1, Math.min(order, Math.floor((period - 1) / 2)));
}

/**
 * Trend + Fourier regression, the additive core of Prophet (Taylor & Letham 2018): a
 * piecewise-linear trend with ridge-penalised slope changes and sine/cosine terms for every
 * seasonal period with two cycles in the window (daily, weekly, yearly…), fitted by normal
 * equations on the recent window (eight cycles of the longest period). Gaps are skipped, not
 * filled. The forecast extends the last slope.
 */
export function fourierRegression(
  options: FourierRegressionOptions = {},
): ForecastModel<FourierRegressionState> {
  const changepoints = options.changepoints ?? 4;
  const ridge = options.changepointRidge ?? 0.5;
  return {
    alias: "FourierRegression",
    fit(input: FitInput): FourierRegressionState {
      const all = input.seasonalPeriods;
      const longest = all.length > 0 ? all[all.length - 1] : 0;
      const y = rawWindow(input, longest);
      const periods = usablePeriods(all, y.length);
      const n = y.length;
      const cps: number[] = [];
      for (let j = 1; j <= changepoints; j++)
        cps.push(Math.round((0.8 * n * j) / (changepoints + 1)) - (n - 1));
      const fit = fourierFit(
        y,
        { terms: fourierTerms(periods, periods.map(fourierOrder)), changepoints: cps, scale: n },
        ridge,
      );
      const names = Object.fromEntries(periods.map((p) => [String(p), seasonName(p, input.frequency)]));
      return { ...fit, coef: compact(fit.coef), names };
    },
    predict(state: FourierRegressionState, h: number): Float64Array {
      return fourierPredict(state, horizonSteps(h));
    },
    /** `trend` and one component per season (`daily`, `weekly`, `yearly`…), summing to predict. */
    explain(state: FourierRegressionState, h: number): Record<string, Float64Array> {
      const out: Record<string, Float64Array> = {};
      for (const [group, values] of fourierContributions(state, horizonSteps(h))) {
        const name = group === "trend" ? "trend" : (state.names?.[String(group)] ?? `season(${group})`);
        out[name] = values;
      }
      return out;
    },
  };
}

const horizonSteps = (h: number) => Float64Array.from({ length: h }, (_, k) => k + 1);
