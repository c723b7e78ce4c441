import { goldenSection } from "../kernels/golden-section.ts";
import { nelderMead } from "../kernels/nelder-mead.ts";
import { sesLevel, sesSse } from "../kernels/theta.ts";
import { compact, rawWindow } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

/**
 * Intermittent-demand models as statsforecast defines them (models.py, src/ses.cpp): series with
 * many zero steps (EV chargers, vacation homes, standby plant), where smoothing the raw series
 * chases every spike and decays toward zero in between. Each forecasts one flat, non-negative
 * rate per step. SES here is statsforecast's (and R `ses(initial = "simple")`): level started at
 * the first value, the forecast is the level after the last.
 */

/** Every intermittent model's state: the flat forecast per step. */
export interface IntermittentState {
  forecast: number;
}

export interface CrostonState extends IntermittentState {
  /** Smoothed size of a non-zero demand. */
  demand: number;
  /** Smoothed number of steps between non-zero demands. */
  interval: number;
  alphaDemand: number;
  alphaInterval: number;
}

export interface TsbState extends IntermittentState {
  demand: number;
  /** Smoothed probability that a step has demand. */
  probability: number;
  alphaDemand: number;
  alphaProbability: number;
}

export interface AggregationState extends IntermittentState {
  /** ADIDA: the aggregation level in steps; IMAPA: the largest level averaged. */
  aggregation: number;
}

/** Croston's fixed smoothing weight, R `forecast::croston`'s and statsforecast's default. */
export const CROSTON_ALPHA = 0.1;

/**
 * Range in which statsforecast's optimised SES searches α for intermittent series (CrostonOptimized,
 * ADIDA, IMAPA): the 0.1–0.3 that the intermittent-demand literature recommends, as least
 * squares alone would otherwise follow each isolated spike.
 */
export const INTERMITTENT_ALPHA_RANGE: readonly [number, number] = [0.1, 0.3];

/**
 * Range of TSB's α_d and α_p. statsforecast takes them as given; here both are fitted by least
 * squares, and the cap at 0.5 keeps that fit from chasing the last few demands (Kourentzes 2014
 * shows MSE-optimal weights on intermittent data run high).
 */
export const TSB_ALPHA_RANGE: readonly [number, number] = [0.01, 0.5];

/** The non-zero demands of `y` and the steps between them (the first counted from before y[0]). */
export function demandsAndIntervals(y: Float64Array): { demands: Float64Array; intervals: Float64Array } {
  let count = 0;
  for (let t = 0; t < y.length; t++) if (y[t] > 0) count++;
  const demands = new Float64Array(count);
  const intervals = new Float64Array(count);
  let last = -1;
  let k = 0;
  for (let t = 0; t < y.length; t++) {
    if (y[t] > 0) {
      demands[k] = y[t];
      intervals[k++] = t - last;
      last = t;
    }
  }
  return { demands, intervals };
}

/** α in `range` minimising the SES sum of squared errors of `x` (statsforecast's golden section). */
export function optimalSesAlpha(
  x: Float64Array,
  range: readonly [number, number] = INTERMITTENT_ALPHA_RANGE,
) {
  // Under three values the SSE does not depend on α; statsforecast then stops at the midpoint.
  if (x.length < 3) return (range[0] + range[1]) / 2;
  return goldenSection((a) => sesSse(x, a), range[0], range[1], 1e-6);
}

/**
 * Croston's method: SES of the demand sizes over SES of the intervals, each with its own weight.
 * No demand at all forecasts 0.
 */
export function croston(y: Float64Array, alphaDemand: number, alphaInterval: number): CrostonState {
  const { demands, intervals } = demandsAndIntervals(y);
  if (demands.length === 0) {
    return { forecast: 0, demand: 0, interval: 0, alphaDemand, alphaInterval };
  }
  const demand = sesLevel(demands, alphaDemand);
  const interval = sesLevel(intervals, alphaInterval);
  return { forecast: demand / interval, demand, interval, alphaDemand, alphaInterval };
}

/**
 * Teunter, Syntetos & Babai (2011): SES of the demand sizes (updated at demand steps only) times
 * SES of the demand indicator (updated every step), so the forecast decays while no demand comes.
 * Returns the state and the sum of squared one-step errors over steps 1..n−1 (statsforecast's
 * fitted values: 0 before the first demand).
 */
export function tsbRun(
  y: Float64Array,
  alphaDemand: number,
  alphaProbability: number,
): { state: TsbState; sse: number } {
  const n = y.length;
  let probability = y[0] > 0 ? 1 : 0;
  let demand = Math.max(y[0], 0);
  let seen = y[0] > 0;
  let sse = 0;
  for (let t = 1; t < n; t++) {
    const e = y[t] - probability * demand;
    sse += e * e;
    const hit = y[t] > 0;
    probability += alphaProbability * ((hit ? 1 : 0) - probability);
    if (hit) {
      demand = seen ? demand + alphaDemand * (y[t] - demand) : y[t];
      seen = true;
    }
  }
  return {
    state: { forecast: probability * demand, demand, probability, alphaDemand, alphaProbability },
    sse,
  };
}

/** TSB with α_d and α_p fitted by least squares of the one-step errors within {@link TSB_ALPHA_RANGE}. */
export function tsbFit(y: Float64Array): TsbState {
  const [lo, hi] = TSB_ALPHA_RANGE;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  if (!y.some((v) => v > 0)) return tsbRun(y, 0.1, 0.1).state;
  const best = nelderMead((x) => tsbRun(y, clamp(x[0]), clamp(x[1])).sse, [0.1, 0.1], {
    step: 0.05,
    tolerance: 1e-10,
  });
  return tsbRun(y, clamp(best.x[0]), clamp(best.x[1])).state;
}

/** Python's `round`: halves go to the even neighbour (statsforecast rounds the mean interval so). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Mean steps between demands, rounded as statsforecast does; 0 without demand. */
function meanIntervalLevel(y: Float64Array): number {
  const { intervals } = demandsAndIntervals(y);
  if (intervals.length === 0) return 0;
  let sum = 0;
  for (const v of intervals) sum += v;
  return Math.max(1, roundHalfEven(sum / intervals.length));
}

/**
 * Sums of consecutive blocks of `k` steps, the oldest `n mod k` steps dropped so the last block
 * ends with the series.
 */
export function blockSums(y: Float64Array, k: number): Float64Array {
  const lost = y.length % k;
  const sums = new Float64Array((y.length - lost) / k);
  for (let i = 0; i < sums.length; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += y[lost + i * k + j];
    sums[i] = s;
  }
  return sums;
}

/** Optimised-SES forecast of the block sums, statsforecast's `chunk_forecast`. */
function blockForecast(y: Float64Array, k: number): number {
  const sums = blockSums(y, k);
  if (sums.length === 0) return y[y.length - 1];
  if (sums.length === 1) return sums[0];
  return sesLevel(sums, optimalSesAlpha(sums));
}

/**
 * ADIDA (Nikolopoulos et al. 2011): aggregate into blocks as long as the mean demand interval,
 * where demand is no longer intermittent, forecast the block sums by optimised SES and spread the
 * forecast evenly over the block's steps.
 */
export function adidaFit(y: Float64Array): AggregationState {
  const k = meanIntervalLevel(y);
  if (k === 0) return { forecast: 0, aggregation: 0 };
  return { forecast: blockForecast(y, k) / k, aggregation: k };
}

/**
 * IMAPA (Petropoulos & Kourentzes 2015): the mean of the per-step ADIDA-style forecasts at every
 * aggregation level from 1 to the mean demand interval, so no single level has to be right.
 */
export function imapaFit(y: Float64Array): AggregationState {
  const levels = meanIntervalLevel(y);
  if (levels === 0) return { forecast: 0, aggregation: 0 };
  let sum = 0;
  for (let k = 1; k <= levels; k++) {
    const sums = blockSums(y, k);
    sum += sesLevel(sums, optimalSesAlpha(sums)) / k;
  }
  return { forecast: sum / levels, aggregation: levels };
}

/**
 * The series an intermittent model fits on: the recent window of {@link rawWindow} (long enough
 * for the longest season, so rare demands are not cut off), gaps skipped rather than filled
 * (interpolating between zeros and a demand would invent small demands), readings below zero
 * taken as no demand.
 */
export function intermittentWindow(input: FitInput): Float64Array {
  const longest = input.seasonalPeriods.length > 0 ? Math.max(...input.seasonalPeriods) : 0;
  const raw = rawWindow(input, longest);
  const out = new Float64Array(raw.length);
  let k = 0;
  for (const v of raw) if (Number.isFinite(v)) out[k++] = Math.max(0, v);
  return out.subarray(0, k);
}

function flat(state: IntermittentState, h: number): Float64Array {
  return new Float64Array(h).fill(Math.max(0, state.forecast));
}

function rounded<S extends IntermittentState>(state: S): S {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    out[key] = typeof value === "number" ? compact([value])[0] : value;
  }
  return out as S;
}

function intermittentModel<S extends IntermittentState>(
  alias: string,
  fitSeries: (y: Float64Array) => S,
): ForecastModel<S> {
  return {
    alias,
    fit: (input: FitInput) => rounded(fitSeries(intermittentWindow(input))),
    predict: flat,
  };
}

/** Croston's method with α = 0.1 for sizes and intervals (R `forecast::croston`, statsforecast `CrostonClassic`). */
export function crostonClassic(): ForecastModel<CrostonState> {
  return intermittentModel("CrostonClassic", (y) => croston(y, CROSTON_ALPHA, CROSTON_ALPHA));
}

/**
 * Syntetos & Boylan's (2005) approximation: Croston × (1 − α/2) = × 0.95, removing the bias of
 * the ratio of smoothed sizes to smoothed intervals (statsforecast `CrostonSBA`).
 */
export function crostonSba(): ForecastModel<CrostonState> {
  return intermittentModel("CrostonSBA", (y) => {
    const state = croston(y, CROSTON_ALPHA, CROSTON_ALPHA);
    return { ...state, forecast: state.forecast * (1 - CROSTON_ALPHA / 2) };
  });
}

/**
 * Croston with each weight chosen in 0.1–0.3 by least squares of its own SES, sizes and
 * intervals separately (statsforecast `CrostonOptimized`).
 */
export function crostonOptimized(): ForecastModel<CrostonState> {
  return intermittentModel("CrostonOptimized", (y) => {
    const { demands, intervals } = demandsAndIntervals(y);
    return croston(y, optimalSesAlpha(demands), optimalSesAlpha(intervals));
  });
}

/** Teunter–Syntetos–Babai with α_d and α_p fitted by least squares (see {@link tsbFit}). */
export function tsb(): ForecastModel<TsbState> {
  return intermittentModel("TSB", tsbFit);
}

/** Aggregate–disaggregate intermittent demand approach (statsforecast `ADIDA`). */
export function adida(): ForecastModel<AggregationState> {
  return intermittentModel("ADIDA", adidaFit);
}

/** Intermittent multiple aggregation prediction algorithm (statsforecast `IMAPA`). */
export function imapa(): ForecastModel<AggregationState> {
  return intermittentModel("IMAPA", imapaFit);
}
