import { MODEL_FORMAT, type ModelArtifact, type Selection } from "../artifact/model-artifact.ts";
import { defaultCandidates, modelFor } from "../models/catalog.ts";
import { type EnsembleState, ensemble } from "../models/ensemble.ts";
import type { CohortProfile, FitInput, ForecastModel, ModelMetrics } from "../models/model.ts";
import { seasonalPeriods } from "../series/frequency.ts";
import { isIntermittent } from "../series/intermittency.ts";
import type { CustomerDrivers } from "../drivers/customer-drivers.ts";
import { compact } from "../models/fit-window.ts";
import { type RegularSeries, seriesEnd } from "../series/series.ts";
import { backtestCandidates, type CandidateResult, chooseModel } from "./auto-predictor.ts";
import {
  backtestForecasts,
  planBacktest,
  type ScoreOptions,
  scoreForecasts,
  windowErrors,
} from "./backtest.ts";
import {
  calibrateErrors,
  effectiveErrors,
  type ErrorQuantiles,
  seasonalNaiveSigma,
  withPrior,
} from "./conformal.ts";
import { computeMetrics, naiveScale } from "./metrics.ts";
import type { TrainJob } from "./train-job.ts";
import { trainingHistory } from "./training-history.ts";

/** The model of a customer whose history is too short for its own (see pipeline/steps/cohorts.ts). */
export const COLD_START_MODEL = "ColdStart";

/**
 * Cold start: the cohort's calendar profile at the customer's own level, intervals from the
 * cohort's spread. Undefined when it cannot be fitted (the customer then gets its own models).
 */
function fitColdStart(input: FitInput, cohort: CohortProfile, h: number): Fitted | undefined {
  const model = modelFor(COLD_START_MODEL, input.seasonalPeriods);
  try {
    const state = model.fit({ ...input, cohort });
    if (!model.predict(state, h).every(Number.isFinite)) return undefined;
    return {
      algorithm: COLD_START_MODEL,
      state,
      errors: withPrior(calibrateErrors([]), modelSigma(model, state, input, h), 0),
      metrics: computeMetrics({ actual: [], mean: [], quantiles: new Map() }, 0, 0),
      reason: `cold start: ${input.y.length} steps of history, too few for its own model; the profile of ${cohort.peers} customers like it (cohort ${cohort.key}) at its own level`,
    };
  } catch {
    return undefined;
  }
}

/** The candidate added when a customer has drivers (temperature, holidays). */
export const DRIVER_MODEL = "DriverRegression";

/** The drivers' values over the horizon, for forecasting from the artifact without the store. */
export function storedDrivers(drivers: CustomerDrivers): NonNullable<ModelArtifact["drivers"]> {
  const fields: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(drivers.future.fields)) fields[name] = compact(values);
  return {
    fields,
    ...(drivers.future.holiday ? { holiday: Array.from(drivers.future.holiday) } : {}),
    coverage: drivers.coverage,
  };
}

/** The stand-in when every candidate fails: it cannot fail on a series with one reading. */
export const FALLBACK_ALGORITHM = "SeasonalNaive";

interface Fitted {
  algorithm: string;
  state: unknown;
  errors: ErrorQuantiles;
  metrics: ModelMetrics;
  reason: string;
  members?: string[];
  fallback?: boolean;
}

/**
 * Fits one customer's model, as Amazon Forecast's AutoPredictor does: backtests every candidate
 * over rolling origins and chooses by average wQL (auto-predictor.ts: where the data has a
 * default combination, a challenger must be significantly better), refits the choice on the
 * whole series and calibrates its quantiles from the backtest errors, blended with the model's
 * own error distribution where those errors are few (forecasting/conformal.ts). A history too
 * short for one window gets the default fitted on all of it; a customer given a cohort (cold
 * start) gets the cohort's profile. If every candidate fails, or the choice fails to refit,
 * SeasonalNaive stands in and the reason is recorded.
 *
 * @param job - horizon, quantiles and optionally a pinned `algorithm` (then the only candidate);
 *   `anomalies: "exclude"` fits and backtests on the history with its anomalies replaced by their
 *   expected values (see training-history.ts).
 * @param now - creation time written to the artifact. Default: the current time.
 * @param drivers - the customer's related fields and holiday flags over its history and the
 *   horizon (see drivers/customer-drivers.ts); the horizon's part is stored in the artifact.
 * @throws when the series has no reading at all.
 */
export function trainCustomer(
  history: RegularSeries,
  job: TrainJob,
  now = new Date(),
  drivers?: CustomerDrivers,
): ModelArtifact {
  const { series, anomalies } = trainingHistory(history, job);
  const y = series.values;
  let readings = 0;
  let nonNegative = true;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    readings++;
    if (y[i] < 0) nonNegative = false;
  }
  if (readings === 0) throw new Error("series has no readings");
  const periods = seasonalPeriods(series.frequency, y.length);
  const input: FitInput = {
    y,
    frequency: series.frequency,
    seasonalPeriods: periods,
    horizon: job.horizon,
    start: series.start,
    ...(drivers ? { drivers: drivers.history } : {}),
  };
  const options: ScoreOptions = {
    quantiles: job.quantiles,
    scale: naiveScale(y, periods[0] ?? 1),
    period: Math.round(periods[0] ?? 0),
    floor: nonNegative ? 0 : Number.NEGATIVE_INFINITY,
  };
  const plan = planBacktest(y.length, job.horizon, periods, drivers?.history.holiday);
  const { candidates, baseline } = defaultCandidates({
    periods,
    frequency: series.frequency,
    intermittent: isIntermittent(y),
  });
  // Models that take drivers compete with those that do not: a driver is kept only where it
  // backtests better.
  if (drivers && !candidates.includes(DRIVER_MODEL)) candidates.push(DRIVER_MODEL);
  const aliases = job.algorithm ? [job.algorithm] : candidates;
  let results: CandidateResult[];
  let fitted: Fitted;
  const coldStart = job.cohort && !job.algorithm ? fitColdStart(input, job.cohort, job.horizon) : undefined;
  if (coldStart) {
    results = [{ alias: COLD_START_MODEL, score: null }];
    fitted = coldStart;
  } else if (plan.starts.length === 0) {
    results = aliases.map((alias) => ({
      alias,
      score: null,
      error: `too short to backtest (${y.length} steps)`,
    }));
    const unscored = job.algorithm ? [job.algorithm] : baseline;
    fitted =
      (unscored.length > 0 ? fitUnscored(unscored, input, job.horizon) : undefined) ??
      fallback(input, options, `series too short to backtest (${y.length} steps): ${FALLBACK_ALGORITHM}`);
  } else {
    const defaults = job.algorithm ? [] : baseline;
    results = backtestCandidates(aliases, input, plan, options, defaults);
    const chosen = chooseModel(results, input, plan, options, defaults);
    if (chosen?.ensemble) results.push(chosen.ensemble);
    if (!chosen) {
      fitted = fallback(input, options, `every candidate failed: ${FALLBACK_ALGORITHM} stands in`, plan);
    } else {
      const { choice } = chosen;
      const model =
        choice.alias === "Ensemble" && choice.members
          ? ensemble((alias) => modelFor(alias, periods), choice.members)
          : modelFor(choice.alias, periods);
      try {
        const state = model.fit(input);
        const errors = windowErrors(y, plan, choice.forecasts);
        const conformal = calibrateErrors(errors, { period: options.period, origin: y.length });
        fitted = {
          algorithm: choice.alias,
          state,
          errors: withPrior(conformal, modelSigma(model, state, input, job.horizon), effectiveErrors(errors)),
          metrics: choice.metrics,
          reason: choice.reason,
          members: choice.members,
        };
      } catch (e) {
        fitted = fallback(input, options, `${choice.alias} failed to refit (${(e as Error).message})`, plan);
      }
    }
  }
  const selection: Selection = {
    reason: fitted.reason,
    candidates: results.map(({ alias, score, error, pruned, metrics }) => ({
      alias,
      score,
      error,
      pruned,
      metrics,
    })),
    members: fitted.members,
    fallback: fitted.fallback,
    backtest: { windows: plan.starts.length, horizon: plan.horizon },
  };
  return {
    format: MODEL_FORMAT,
    dataset: job.dataset,
    customerId: job.customerId,
    version: job.version,
    algorithm: fitted.algorithm,
    params: { seasonalPeriods: periods, nonNegative },
    ...(drivers ? { drivers: storedDrivers(drivers) } : {}),
    ...(coldStart && job.cohort ? { coldStart: { cohort: job.cohort.key, peers: job.cohort.peers } } : {}),
    ...(anomalies ? { anomalies } : {}),
    state: fitted.state,
    frequency: series.frequency,
    trainStart: new Date(series.start).toISOString(),
    trainEnd: new Date(seriesEnd(series)).toISOString(),
    trainedPoints: readings,
    horizon: job.horizon,
    quantiles: job.quantiles,
    errors: fitted.errors,
    metrics: fitted.metrics,
    selection,
    createdAt: now.toISOString(),
  };
}

/**
 * A history too short for one backtest window: the pinned algorithm, or the default
 * combination whose members choose their own form by information criterion, with intervals
 * from the model's own error distribution. Undefined when it cannot be fitted.
 */
function fitUnscored(aliases: string[], input: FitInput, h: number): Fitted | undefined {
  const periods = input.seasonalPeriods;
  const model =
    aliases.length > 1
      ? ensemble((alias) => modelFor(alias, periods), aliases)
      : modelFor(aliases[0], periods);
  try {
    const state = model.fit(input);
    if (!model.predict(state, h).every(Number.isFinite)) return undefined;
    const label = aliases.length > 1 ? `the mean of ${aliases.join(", ")}` : aliases[0];
    return {
      algorithm: aliases.length > 1 ? "Ensemble" : aliases[0],
      members: aliases.length > 1 ? (state as EnsembleState).members.map((m) => m.alias) : undefined,
      state,
      errors: withPrior(calibrateErrors([]), modelSigma(model, state, input, h), 0),
      metrics: computeMetrics({ actual: [], mean: [], quantiles: new Map() }, 0, 0),
      reason: `series too short to backtest (${input.y.length} steps): ${label}, intervals from the model's own error distribution`,
    };
  } catch {
    return undefined;
  }
}

/**
 * The forecast error standard deviation at steps 1..h: the model's own where it has one (a
 * likelihood-fitted model), else the seasonal random walk's of the series (see
 * seasonalNaiveSigma).
 */
export function modelSigma(model: ForecastModel, state: unknown, input: FitInput, h: number): Float64Array {
  try {
    const own = model.variance?.(state, h);
    if (own && own.length === h && own.every((v) => Number.isFinite(v) && v >= 0)) return own.map(Math.sqrt);
  } catch {
    // A model whose variance fails still forecasts: fall back to the series' own spread.
  }
  return seasonalNaiveSigma(input.y, input.seasonalPeriods[0] ?? 1, h);
}

/**
 * SeasonalNaive in place of the choice, implemented once for every model: calibrated on its own
 * backtest when there is one, else on its own error distribution (R's `snaive`).
 */
function fallback(
  input: FitInput,
  options: ScoreOptions,
  reason: string,
  plan?: ReturnType<typeof planBacktest>,
): Fitted {
  const h = input.horizon ?? 1;
  const model = modelFor(FALLBACK_ALGORITHM, input.seasonalPeriods);
  const state = model.fit(input);
  if (plan && plan.starts.length > 0) {
    const forecasts = backtestForecasts(model, input, plan);
    return {
      algorithm: FALLBACK_ALGORITHM,
      state,
      errors: calibrateErrors(windowErrors(input.y, plan, forecasts), {
        period: options.period,
        origin: input.y.length,
      }),
      metrics: scoreForecasts(input.y, plan, forecasts, options),
      reason,
      fallback: true,
    };
  }
  return {
    algorithm: FALLBACK_ALGORITHM,
    state,
    errors: withPrior(calibrateErrors([]), seasonalNaiveSigma(input.y, input.seasonalPeriods[0] ?? 1, h), 0),
    metrics: computeMetrics({ actual: [], mean: [], quantiles: new Map() }, options.scale, 0),
    reason,
    fallback: true,
  };
}
