import { compact } from "../models/fit-window.ts";
import type { CohortProfile } from "../models/model.ts";
import { bucketStart, type Frequency, nominalStepMs, stepsBetween } from "../series/frequency.ts";
import type { RegularSeries } from "../series/series.ts";

/** Cycles of each peer's most recent history averaged into a profile by default. */
export const PROFILE_CYCLES = 4;

const DAY = 86_400_000;

/** Monday 1 January 2024, 00:00 UTC: slot 0 of the weekly cycles (any Monday would do). */
const MONDAY = Date.UTC(2024, 0, 1);

/** 1 January 2000, 00:00 UTC: slot 0 of the month-, quarter- and year-of-year cycles. */
const NEW_YEAR = Date.UTC(2000, 0, 1);

/**
 * The calendar cycle a cohort profile follows, as `period` steps from a step starting at `origin`
 * (slot 0). Electricity use repeats by hour of week, so sub-daily data cycle over a week of steps
 * (168 hourly, 336 half-hourly, 672 quarter-hourly); finer steps keep that full resolution (2,016
 * slots at 5 minutes, 10,080 at 1 minute), so each slot then averages few readings per peer and
 * the profile is noisier, but no shape is smoothed away. Daily data cycle by day of week, weekly
 * by week of year, monthly by month of year, quarterly by quarter; yearly data have no cycle
 * (one slot). Week of year is approximate: 52 weeks are 364 days, so slot 0 drifts about a day
 * and a quarter through the calendar each year, which is negligible within the few years a
 * profile averages.
 */
export function cohortCycle(frequency: Frequency): { period: number; origin: number } {
  switch (frequency) {
    case "M":
      return { period: 12, origin: NEW_YEAR };
    case "Q":
      return { period: 4, origin: NEW_YEAR };
    case "Y":
      return { period: 1, origin: NEW_YEAR };
    case "W":
      return { period: 52, origin: MONDAY };
    case "D":
      return { period: 7, origin: MONDAY };
    default:
      // Sub-daily: every fixed step divides a week exactly.
      return { period: Math.round((7 * DAY) / nominalStepMs(frequency)), origin: MONDAY };
  }
}

/**
 * The slot, in `0..cycle.period − 1`, of the step of `frequency` that contains epoch ms `t`
 * (UTC): whole steps from `cycle.origin`, modulo the period, so consecutive steps take
 * consecutive slots and a slot never depends on where a series starts.
 */
export function slotOf(t: number, frequency: Frequency, cycle: { period: number; origin: number }): number {
  const steps = stepsBetween(cycle.origin, bucketStart(t, frequency), frequency);
  return ((steps % cycle.period) + cycle.period) % cycle.period;
}

/**
 * The calendar profile of a cohort: how consumption is shared across the slots of
 * {@link cohortCycle}, each peer divided by its own level so that large and small customers
 * weigh alike, and a new customer's forecast is its own level times the profile.
 *
 * Each peer contributes its last `maxCycles` cycles (trailing gaps trimmed, so a peer whose
 * readings stopped still counts), and is skipped with fewer readings than one cycle has steps or
 * with a level ≤ 0 (nothing to normalise by). A peer's level is the mean of its per-slot means,
 * which is its plain mean over whole gap-free cycles, but is not biased by gaps or by a
 * partial cycle that over-represents some slots. The profile at a slot averages all peers'
 * normalised readings there (gaps skipped); the spread is their sample standard deviation
 * around that average, which holds both how peers differ in shape and each peer's own noise.
 * A slot no peer has a reading for takes the cycle's mean (1) and the spread pooled over all
 * slots, as does the spread of a slot with a single reading. The profile is finally rescaled to
 * mean 1, the spread with it.
 *
 * @param key - which customers, e.g. `region=north,segment=home`, stored with the profile.
 * @param peers - the cohort's series, all of `frequency`.
 * @returns undefined when no peer qualifies.
 */
export function cohortProfile(
  key: string,
  peers: RegularSeries[],
  frequency: Frequency,
  options: { maxCycles?: number } = {},
): CohortProfile | undefined {
  const maxCycles = options.maxCycles ?? PROFILE_CYCLES;
  if (!Number.isInteger(maxCycles) || maxCycles < 1) {
    throw new Error(`cohortProfile: maxCycles must be a positive integer, got ${maxCycles}`);
  }
  const cycle = cohortCycle(frequency);
  const period = cycle.period;
  const sum = new Float64Array(period);
  const count = new Float64Array(period);
  // Per-peer scratch, reused.
  const peerSum = new Float64Array(period);
  const peerCount = new Float64Array(period);
  // The stretch and level of each peer used, for the second pass (spread).
  const used: { y: Float64Array; begin: number; end: number; slot0: number; level: number }[] = [];
  for (const peer of peers) {
    if (peer.frequency !== frequency) {
      throw new Error(`cohortProfile: peer series is ${peer.frequency}, the cohort is ${frequency}`);
    }
    const y = peer.values;
    let end = y.length;
    while (end > 0 && !Number.isFinite(y[end - 1])) end--;
    const begin = Math.max(0, end - maxCycles * period);
    const slot0 = slotOf(peer.start, frequency, cycle);
    peerSum.fill(0);
    peerCount.fill(0);
    let readings = 0;
    for (let i = begin; i < end; i++) {
      if (!Number.isFinite(y[i])) continue;
      const s = (slot0 + i) % period;
      peerSum[s] += y[i];
      peerCount[s]++;
      readings++;
    }
    if (readings < period) continue;
    let levelSum = 0;
    let slots = 0;
    for (let s = 0; s < period; s++) {
      if (peerCount[s] === 0) continue;
      levelSum += peerSum[s] / peerCount[s];
      slots++;
    }
    const level = levelSum / slots;
    if (!(level > 0)) continue;
    for (let i = begin; i < end; i++) {
      if (!Number.isFinite(y[i])) continue;
      const s = (slot0 + i) % period;
      sum[s] += y[i] / level;
      count[s]++;
    }
    used.push({ y, begin, end, slot0, level });
  }
  if (used.length === 0) return undefined;

  const profile = new Float64Array(period);
  for (let s = 0; s < period; s++) profile[s] = count[s] > 0 ? sum[s] / count[s] : 1;
  // Second pass: squared deviations from the slot means (more accurate than Σz² − n·mean²).
  const ss = new Float64Array(period);
  for (const { y, begin, end, slot0, level } of used) {
    for (let i = begin; i < end; i++) {
      if (!Number.isFinite(y[i])) continue;
      const s = (slot0 + i) % period;
      const d = y[i] / level - profile[s];
      ss[s] += d * d;
    }
  }
  const spread = new Float64Array(period).fill(Number.NaN);
  let pooledSs = 0;
  let pooledDf = 0;
  for (let s = 0; s < period; s++) {
    if (count[s] < 2) continue;
    spread[s] = Math.sqrt(ss[s] / (count[s] - 1));
    pooledSs += ss[s];
    pooledDf += count[s] - 1;
  }
  const pooled = pooledDf > 0 ? Math.sqrt(pooledSs / pooledDf) : 0;
  let total = 0;
  for (let s = 0; s < period; s++) total += profile[s];
  const scale = period / total;
  for (let s = 0; s < period; s++) {
    profile[s] *= scale;
    spread[s] = (Number.isNaN(spread[s]) ? pooled : spread[s]) * scale;
  }
  return {
    key,
    peers: used.length,
    period,
    origin: cycle.origin,
    profile: compact(profile),
    spread: compact(spread),
  };
}
