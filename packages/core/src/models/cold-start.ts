import { cohortCycle, slotOf } from "../forecasting/cohort-profile.ts";
import { compact } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

export interface ColdStartState {
  /** The customer's own level: its consumption where the profile is 1. */
  level: number;
  /** Standard error of `level` (how far a few readings may have misjudged it). */
  levelStdError: number;
  /** The cohort's normalised calendar profile (mean 1), one value per slot. */
  profile: number[];
  /** Standard deviation of peers' normalised consumption around the profile, per slot. */
  spread: number[];
  /** Slots in the cycle (168 for hourly data). */
  period: number;
  /** Slot of the first forecast step (the step after the history). */
  firstSlot: number;
  /** Key of the cohort whose profile this is. */
  cohort: string;
  /** Peers averaged into the profile. */
  peers: number;
  /** Readings the level was estimated from. */
  n: number;
}

/**
 * Cold start: a customer with too little history for its own model is forecast as its own level
 * times the calendar profile of customers like it (`input.cohort`, see cohortProfile), as
 * utilities forecast new connections from their rate class's load shape.
 *
 * The level is the ratio Σy / Σprofile over the readings, i.e. the mean of the ratios
 * y[t] / profile[slot(t)] weighted by the profile. Unweighted, a reading at a slot where the
 * profile is near 0 (night, weekend) would divide its noise by that small value and dominate;
 * weighted, each reading counts in proportion to the consumption it is expected to hold, and
 * with a flat profile it is the plain mean. Readings at slots whose profile is ≤ 0 say nothing
 * of the level and are skipped.
 *
 * Variance at a step = (level × spread)² for how customers of the cohort scatter around its
 * profile, plus (profile × standard error of the level)²; the level's squared standard error is
 * the ratio estimator's Σ(y − level·profile)² / (Σprofile)² · n / (n − 1), which is the sample
 * variance of the readings / n when the profile is flat.
 */
export function coldStartModel(): ForecastModel<ColdStartState> {
  return {
    alias: "ColdStart",
    fit(input: FitInput): ColdStartState {
      const cohort = input.cohort;
      if (!cohort) {
        throw new Error("ColdStart needs input.cohort: the calendar profile of customers like this one");
      }
      if (input.start === undefined) {
        throw new Error("ColdStart needs input.start: the epoch ms of y[0], to place it in the calendar");
      }
      const expected = cohortCycle(input.frequency).period;
      if (
        cohort.period !== expected ||
        cohort.profile.length !== expected ||
        cohort.spread.length !== expected
      ) {
        throw new Error(
          `ColdStart: cohort ${cohort.key} has a ${cohort.period}-slot profile, ${input.frequency} data need ${expected}`,
        );
      }
      const { period, profile } = cohort;
      const y = input.y;
      const slot0 = slotOf(input.start, input.frequency, cohort);
      let sumY = 0;
      let sumP = 0;
      let n = 0;
      for (let t = 0; t < y.length; t++) {
        const p = profile[(slot0 + t) % period];
        if (!Number.isFinite(y[t]) || !(p > 0)) continue;
        sumY += y[t];
        sumP += p;
        n++;
      }
      if (n === 0) throw new Error("ColdStart: the series has no readings to set the customer's level");
      const level = sumY / sumP;
      let ss = 0;
      for (let t = 0; t < y.length; t++) {
        const p = profile[(slot0 + t) % period];
        if (!Number.isFinite(y[t]) || !(p > 0)) continue;
        const e = y[t] - level * p;
        ss += e * e;
      }
      const levelStdError = n > 1 ? Math.sqrt((ss / (sumP * sumP)) * (n / (n - 1))) : 0;
      const [storedLevel, storedError] = compact([level, levelStdError]);
      return {
        level: storedLevel,
        levelStdError: storedError,
        profile: compact(profile),
        spread: compact(cohort.spread),
        period,
        firstSlot: (slot0 + y.length) % period,
        cohort: cohort.key,
        peers: cohort.peers,
        n,
      };
    },
    predict(state: ColdStartState, h: number): Float64Array {
      const out = new Float64Array(h);
      for (let i = 0; i < h; i++) out[i] = state.level * state.profile[(state.firstSlot + i) % state.period];
      return out;
    },
    explain(state: ColdStartState, h: number): Record<string, Float64Array> {
      const level = new Float64Array(h).fill(state.level);
      const cohortProfile = new Float64Array(h);
      for (let i = 0; i < h; i++) {
        cohortProfile[i] = state.level * (state.profile[(state.firstSlot + i) % state.period] - 1);
      }
      return { level, cohortProfile };
    },
    variance(state: ColdStartState, h: number): Float64Array {
      const out = new Float64Array(h);
      for (let i = 0; i < h; i++) {
        const s = (state.firstSlot + i) % state.period;
        const scatter = state.level * state.spread[s];
        const levelError = state.profile[s] * state.levelStdError;
        out[i] = scatter * scatter + levelError * levelError;
      }
      return out;
    },
  };
}
