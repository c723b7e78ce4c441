import { amazonForecast } from "./amazon-forecast.ts";
import { ensemble } from "./ensemble.ts";
import { holtWinters } from "./exponential-smoothing.ts";
import { fourierRegression } from "./fourier-regression.ts";
import type { ForecastModel } from "./model.ts";
import { mstlModel } from "./mstl.ts";
import { prophetModel } from "./prophet.ts";
import { seasonalNaive } from "./seasonal-naive.ts";
import { thetaModel } from "./theta.ts";

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

/** The candidates the AutoPredictor backtests for a series with these seasonal periods. */
export function defaultCandidates(periods: number[]): string[] {
  const candidates = ["SeasonalNaive"];
  if (periods.length >= 2) candidates.push("SeasonalNaive(weekly)");
  candidates.push("HoltWinters");
  if (periods.length >= 1) candidates.push("MSTL");
  candidates.push("FourierRegression", "Theta");
  return candidates;
}
