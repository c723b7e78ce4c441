import { amazonForecast } from "./amazon-forecast.ts";
import { autoArima } from "./auto-arima.ts";
import { MAX_SEASONAL_PERIOD } from "../kernels/ets-state-space.ts";
import { autoEts } from "./auto-ets.ts";
import { autoTheta } from "./auto-theta.ts";
import { ensemble } from "./ensemble.ts";
import { holtWinters } from "./exponential-smoothing.ts";
import { coldStartModel } from "./cold-start.ts";
import { driverRegression } from "./driver-regression.ts";
import { fourierRegression } from "./fourier-regression.ts";
import { adida, crostonClassic, crostonOptimized, crostonSba, imapa, tsb } from "./intermittent.ts";
import type { Frequency } from "../series/frequency.ts";
import type { ForecastModel } from "./model.ts";
import { mstlModel } from "./mstl.ts";
import { prophetModel } from "./prophet.ts";
import { seasonalNaive } from "./seasonal-naive.ts";
import { thetaModel } from "./theta.ts";
import { timeOfWeekTemperature } from "./towt.ts";

type Factory = (periods: number[]) => ForecastModel;

/** Members of the catalog's default "Ensemble" (the AutoPredictor picks its own members). */
export const DEFAULT_ENSEMBLE = ["MSTL", "FourierRegression", "HoltWinters"];

/**
 * Every algorithm an artifact may name, by alias, so a loaded model forecasts with the code that
 * fitted it. Aliases are stored in the registry: never rename one. "SeasonalNaive" repeats the
 * shortest season (daily for hourly data), "SeasonalNaive(weekly)" the second (weekly for hourly,
 * yearly for daily data).
 */
const CATALOG: Record<string, Factory> = {
  SeasonalNaive: (periods) => seasonalNaive({ period: periods[0] }) as ForecastModel,
  "SeasonalNaive(weekly)": (periods) => seasonalNaive({ period: periods[1] ?? periods[0] }) as ForecastModel,
  HoltWinters: () => holtWinters() as ForecastModel,
  MSTL: () => mstlModel() as ForecastModel,
  FourierRegression: () => fourierRegression() as ForecastModel,
  Theta: () => thetaModel() as ForecastModel,
  AutoETS: () => autoEts() as ForecastModel,
  AutoARIMA: () => autoArima() as ForecastModel,
  AutoTheta: () => autoTheta() as ForecastModel,
  // No holdout refit to scale its own variance: the AutoPredictor calibrates intervals on its
  // backtests, and the refit doubled the cost (drivers bench: same accuracy, 89 vs 154 ms).
  DriverRegression: () => driverRegression({ holdout: 0 }) as ForecastModel,
  TOWT: () => timeOfWeekTemperature() as ForecastModel,
  // Never a candidate: a customer too new for its own model gets it from its cohort (Train).
  ColdStart: () => coldStartModel() as ForecastModel,
  CrostonClassic: () => crostonClassic() as ForecastModel,
  CrostonSBA: () => crostonSba() as ForecastModel,
  CrostonOptimized: () => crostonOptimized() as ForecastModel,
  TSB: () => tsb() as ForecastModel,
  ADIDA: () => adida() as ForecastModel,
  IMAPA: () => imapa() as ForecastModel,
  Ensemble: (periods) => ensemble((alias) => modelFor(alias, periods), DEFAULT_ENSEMBLE) as ForecastModel,
  // Selectable per dataset (`"algorithm": "Prophet"`), never a default candidate: a fit loads
  // WASM and costs 0.2–1 s, and its artifact stores a forecast (see prophet.ts).
  Prophet: () => prophetModel() as ForecastModel,
  // Imported from Amazon Forecast's export (the `forecast` backend); never a candidate here.
  AmazonForecast: () => amazonForecast() as ForecastModel,
};

export const ALGORITHMS = Object.keys(CATALOG);

/** Algorithms whose models come from elsewhere and cannot be fitted here. */
export const IMPORTED_ALGORITHMS = ["AmazonForecast"];

/** The model for an alias, configured for the series' seasonal periods. */
export function modelFor(alias: string, periods: number[]): ForecastModel {
  const make = CATALOG[alias];
  if (!make) throw new Error(`unknown algorithm ${JSON.stringify(alias)} (known: ${ALGORITHMS.join(", ")})`);
  const model = make(periods);
  return { ...model, alias };
}

/**
 * Adds an algorithm to the catalog at run time (an experimental model, a test double). An alias
 * already taken is replaced.
 */
export function registerAlgorithm(alias: string, factory: Factory): void {
  CATALOG[alias] = factory;
  if (!ALGORITHMS.includes(alias)) ALGORITHMS.push(alias);
}

/**
 * Families that choose their own form by AICc, with an analytic error distribution: their
 * combination is the AutoPredictor's default where they are candidates, replaced only by a
 * candidate that backtests significantly better (auto-predictor.ts). Combining ETS and ARIMA
 * is the classic robust default (the M3/M4 combinations). AutoTheta competes as a challenger
 * but is not in the default: its SES-based variance covered about half of held-out outcomes
 * at P10–P90 in the train bench, and adding it to the mean cost 4% MASE on monthly series.
 */
export const STATISTICAL_FAMILIES = ["AutoETS", "AutoARIMA"];

/** Challengers that choose their own form too, from daily data on. */
const SELF_SELECTING = ["AutoTheta"];

/** Models for demand that is mostly zeros, and the default combination among them. */
export const INTERMITTENT_FAMILIES = ["CrostonSBA", "TSB", "ADIDA", "IMAPA"];
export const INTERMITTENT_BASELINE = ["CrostonSBA", "TSB", "ADIDA"];

/** Frequencies finer than a day: long seasons (24, 168, 336 steps) and long series. */
const SUB_DAILY = new Set(["1min", "5min", "10min", "15min", "30min", "H"]);

export interface CandidateContext {
  /** Seasonal periods that fit the series, shortest first. */
  periods: number[];
  frequency?: Frequency;
  /** Mostly zeros (see isIntermittent). */
  intermittent?: boolean;
}

/**
 * The candidates the AutoPredictor backtests, and the default combination among them.
 *
 * - Intermittent demand: seasonal naive and the Croston family (no model that smears a
 *   forecast below zero or around the idle days).
 * - Finer than daily: seasonal naive (daily and weekly), damped Holt-Winters, MSTL, the Fourier
 *   regression, Theta and, with a weekly season, LBNL's time-of-week model, chosen on the
 *   backtest alone. AutoETS and AutoARIMA are not offered
 *   there: their seasons stop at 24 and 52 steps (R's limits too), so they miss the weekly cycle,
 *   and a likelihood search over thousands of hourly points costs more than the whole
 *   AutoPredictor (measured in the train bench).
 * - Daily and coarser: the same plus AutoTheta and the statistical families, whose combination
 *   is the default where it sees every season of the series (not a yearly cycle of daily data).
 */
export function defaultCandidates(context: CandidateContext): { candidates: string[]; baseline: string[] } {
  const { periods } = context;
  const registered = (aliases: string[]) => aliases.filter((a) => a in CATALOG);
  if (context.intermittent) {
    return {
      candidates: ["SeasonalNaive", ...registered(INTERMITTENT_FAMILIES), ...registered(SELF_SELECTING)],
      baseline: registered(INTERMITTENT_BASELINE),
    };
  }
  const candidates = ["SeasonalNaive"];
  if (periods.length >= 2) candidates.push("SeasonalNaive(weekly)");
  candidates.push("HoltWinters");
  if (periods.length >= 1) candidates.push("MSTL");
  candidates.push("FourierRegression", "Theta");
  if (context.frequency && SUB_DAILY.has(context.frequency)) {
    // The building-energy standard: an hour-of-week profile (with temperature when given).
    if (periods.length >= 2) candidates.push("TOWT");
    return { candidates, baseline: [] };
  }
  const families = registered(STATISTICAL_FAMILIES);
  // A default must see every season of the series: ETS's seasons stop at 24 steps, so a yearly
  // cycle of daily data (or weekly data's 52) is left to the candidates that model it.
  const covered = periods.every((p) => p <= MAX_SEASONAL_PERIOD);
  return {
    candidates: [...candidates, ...registered(SELF_SELECTING), ...families],
    baseline: covered ? families : [],
  };
}
