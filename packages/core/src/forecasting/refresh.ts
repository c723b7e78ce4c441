import type { ModelArtifact } from "../artifact/model-artifact.ts";
import type { CustomerDrivers } from "../drivers/customer-drivers.ts";
import { modelFor } from "../models/catalog.ts";
import { ensemble } from "../models/ensemble.ts";
import type { FitInput, ForecastModel } from "../models/model.ts";
import { stepsBetween } from "../series/frequency.ts";
import { type RegularSeries, seriesEnd } from "../series/series.ts";
import type { ErrorQuantiles } from "./conformal.ts";
import type { Monitoring, TrainJob } from "./train-job.ts";
import { COLD_START_MODEL, modelSigma, storedDrivers } from "./train-customer.ts";
import { trainingHistory } from "./training-history.ts";

/**
 * Whether `retrain` lets a customer keep its algorithm instead of a full training: `never`
 * always does, `drift` unless its forecast drifted. A cold-start model is always trained again,
 * so the customer can graduate to its own.
 */
export function keepsAlgorithm(
  retrain: TrainJob["retrain"],
  previous: ModelArtifact,
  monitoring: Monitoring | undefined,
): boolean {
  if (retrain === undefined || previous.algorithm === COLD_START_MODEL) return false;
  return retrain === "never" || !monitoring?.drift.flagged;
}

/**
 * Brings a customer's active model up to the new observations without reselecting. A model that
 * can (AutoETS, AutoARIMA) runs its fitted state forward over the new steps with its parameters kept, an
 * exponential-smoothing filter pass; the others (the same ensemble members) are fitted again on
 * the whole series, so their states run on to the last observation. Either way the calibrated
 * error model and the backtest metrics it was chosen with are kept. No candidate is backtested, which is
 * where a full training spends its time. The error profile is turned to the new forecast origin.
 *
 * @throws when the algorithm cannot fit the new series (the caller then trains in full).
 */
export function refreshCustomer(
  previous: ModelArtifact,
  history: RegularSeries,
  job: TrainJob,
  drivers: CustomerDrivers | undefined,
  cause: string,
  now = new Date(),
): ModelArtifact {
  // `anomalies: "exclude"` holds for a kept algorithm too (see training-history.ts).
  const { series, anomalies } = trainingHistory(history, job);
  const periods = (previous.params.seasonalPeriods as number[] | undefined) ?? [];
  const members = previous.selection.members;
  const model =
    previous.algorithm === "Ensemble" && members
      ? ensemble((alias) => modelFor(alias, periods), members)
      : modelFor(previous.algorithm, periods);
  const usesDrivers = previous.drivers !== undefined && drivers !== undefined;
  const input: FitInput = {
    y: series.values,
    frequency: series.frequency,
    seasonalPeriods: periods,
    horizon: job.horizon,
    start: series.start,
    ...(usesDrivers ? { drivers: drivers.history } : {}),
  };
  const end = seriesEnd(series);
  const moved = stepsBetween(Date.parse(previous.trainEnd), end, series.frequency);
  // A model that can run its state forward does so over the new steps; the others fit again.
  const forward = moved > 0 && model.update ? runForward(model, previous.state, series, moved) : undefined;
  const state = forward ?? model.fit(input);
  const future = usesDrivers ? drivers.future : undefined;
  if (!model.predict(state, job.horizon, future).every(Number.isFinite))
    throw new Error("forecast is not finite");
  const how = forward
    ? `state run forward over ${moved} new step(s), parameters kept`
    : `refitted on ${moved} new step(s)`;
  let readings = 0;
  for (const v of series.values) if (Number.isFinite(v)) readings++;
  // A refreshed model's reason names the version that chose it, however many refreshes ago.
  const chosen = /chosen at version ([^:]+): (.*)$/s.exec(previous.selection.reason);
  return {
    ...previous,
    customerId: job.customerId,
    version: job.version,
    state,
    errors: turned(previous.errors, moved, modelSigma(model, state, input, job.horizon)),
    trainStart: new Date(series.start).toISOString(),
    trainEnd: new Date(end).toISOString(),
    trainedPoints: readings,
    horizon: job.horizon,
    quantiles: job.quantiles,
    ...(usesDrivers ? { drivers: storedDrivers(drivers) } : {}),
    // This fit's count, not the previous version's.
    anomalies,
    selection: {
      ...previous.selection,
      reason: `${previous.algorithm} ${how} without reselection (${cause}); chosen at version ${chosen?.[1] ?? previous.version}: ${chosen?.[2] ?? previous.selection.reason}`,
    },
    createdAt: now.toISOString(),
  };
}

/** The state after the last `moved` steps of `series`; undefined when the model cannot (a gap). */
function runForward(model: ForecastModel, state: unknown, series: RegularSeries, moved: number): unknown {
  try {
    return model.update?.(state, series.values.subarray(series.values.length - moved));
  } catch {
    return undefined;
  }
}

/**
 * The error model at a forecast origin `moved` steps later: the phase profile turned by as many
 * steps, and the model's own spread (the prior) taken from the refitted state.
 */
function turned(errors: ErrorQuantiles, moved: number, sigma: Float64Array): ErrorQuantiles {
  if ("byStep" in errors) return errors;
  const n = errors.profile.length;
  const shift = ((moved % n) + n) % n;
  const profile = errors.profile.map((_, j) => errors.profile[(j + shift) % n]);
  const prior = errors.prior && {
    ...errors.prior,
    sigma: Array.from(sigma, (v) => Number(v.toPrecision(5))),
  };
  return { ...errors, profile, ...(prior ? { prior } : {}) };
}
