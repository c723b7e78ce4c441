import { addSteps, seasonalPeriods } from "./frequency.ts";
import { isIntermittent } from "./intermittency.ts";
import type { RegularSeries } from "./series.ts";

/**
 * Flags at `|residual| > THRESHOLD · σ̂`. Under Gaussian noise a point passes 5σ with probability
 * 5.7e-7 (4σ: 6.3e-5), so 3,000 customers × 3,000 hourly points see about 5 false flags in all
 * rather than ~600, with room left for the error of σ̂ itself (a MAD from a few hundred
 * residuals is off by ~5–10%) and for meter data's heavier-than-Gaussian tails. It is close to
 * R's `forecast::tsoutliers`, whose `Q3 + 3·IQR` fence is 4.7σ under Gaussian noise. Outages,
 * spikes and meter resets are usually far beyond it (tens of σ).
 */
export const ANOMALY_THRESHOLD = 5;

/** σ̂ = 1.4826 · MAD is consistent for the standard deviation of Gaussian noise. */
const MAD_TO_SIGMA = 1.4826;
/** √(π/2): σ̂ from the mean absolute residual, when more than half the residuals are exactly 0. */
const MEAN_AD_TO_SIGMA = 1.2533;
/**
 * Fewer readings judge nothing: a MAD from fewer than ~30 residuals is itself off by 20% or
 * more, and a handful of points cannot tell an anomaly from the series' own shape.
 */
export const MIN_ANOMALY_READINGS = 30;
/**
 * A seasonal period shapes the profile only with this many whole cycles, so that each point is
 * judged against the median of at least 3 others at its phase. A shorter period with enough
 * cycles stands in (hour of day for 3 weeks of hours, hour of week from 4 weeks).
 */
const MIN_PROFILE_CYCLES = 4;
/** σ̂ is taken per phase of the longest period whose every phase has this many residuals. */
const MIN_PHASE_RESIDUALS = 30;
/**
 * A phase's σ̂ is at least this share of the series' σ̂: a quiet phase (night hours) keeps its
 * own, smaller noise, but a phase whose readings are mostly identical cannot make every small
 * move an anomaly.
 */
const PHASE_SCALE_FLOOR = 0.25;
/**
 * A candidate's local σ̂ is taken over the level's window, and at least this far each side: a
 * median of fewer residuals is too noisy to judge by.
 */
const MIN_LOCAL_HALF_WINDOW = 12;
/** Smallest half-window of the level: 7 steps, a Hampel filter's, when there is no usable season. */
const MIN_HALF_WINDOW = 3;
/** σ̂ never falls below this share of the series' typical magnitude (round-off is not an anomaly). */
const RELATIVE_SCALE_FLOOR = 1e-6;

/** A point outside the robust band: `score` is |value − expected| / σ̂ (above the threshold). */
export interface Anomaly {
  index: number;
  /** Epoch ms of the step. */
  timestamp: number;
  value: number;
  /**
   * The in-sample expected value, level + seasonal profile (of the fit it is least far from):
   * what `anomalies: "exclude"` trains on instead.
   */
  expected: number;
  score: number;
}

export interface AnomalyScan {
  /** Flagged points, in time order. */
  anomalies: Anomaly[];
  /** The expected value at every step, level + additive profile (NaN when not judged). */
  expected: Float64Array;
  /** Why nothing was judged, when nothing was. */
  skipped?: "too short" | "intermittent";
}

export interface AnomalyOptions {
  /** Flag at |residual| > threshold · σ̂. Default {@link ANOMALY_THRESHOLD}. */
  threshold?: number;
}

/**
 * Points of a customer's history outside a robust in-sample band: outages (zeros), spikes,
 * meter resets. A robust decomposition, as robust forecasters clean a series before fitting
 * (R's `tsclean`, Twitter's S-H-ESD), in O(n · window) time, about a millisecond for 3,000
 * hourly points:
 *
 * 1. seasonal profile: per phase of the longest period with {@link MIN_PROFILE_CYCLES} cycles
 *    (hour of week for hours, else hour of day), the median of the series less a rough level
 *    (each cycle's median).
 * 2. level: a centred rolling median of the series less that profile, over a window of that
 *    period (one week of hours; at least 7 steps). An outlier or an excursion shorter than half
 *    the window does not move it; a level shift that lasts longer does (a median keeps edges)
 *    and is then not flagged: the drift monitor judges those. The window shrinks symmetrically
 *    at both ends, so a shift in the last steps is followed too.
 * 3. expected = level + the profile's median at the point's phase taken again around that
 *    level. Both medians leave the point itself out, so it cannot pull its own expected value
 *    and the residuals stay honest (in-sample medians zero many residuals and shrink the MAD).
 * 4. σ̂ = 1.4826 · MAD of the residuals, per phase of the longest period with
 *    {@link MIN_PHASE_RESIDUALS} residuals a phase (hour of day for hours: evening peaks are
 *    noisier than nights), else over the series; score = |residual| / σ̂.
 *
 * A point is flagged when its score exceeds the threshold and it is no more explained by:
 * - its neighbours: σ̂ of the residuals around it (where the fit is off for a while, the first
 *   days of a new pattern, its neighbours are as far off);
 * - the level just before it or just after it (the first steps of a shift sit with one side; a
 *   side counts only if its level is settled, so an excursion that ends within the window is
 *   still flagged: non-zero excursions of up to about a quarter of the window, 1.5 days of
 *   hours, are flagged whole, longer ones in part, beyond half the window not at all);
 * - in a never-negative series, the season scaled by the level (a household that doubles its
 *   use doubles its daily swing: a point must be an anomaly under both fits).
 *
 * In a never-negative series, a run of zeros at least one short cycle long (a day of hours)
 * with readings above 0 on both sides is an outage: it does not shape the level or profile, so
 * an outage of any length is judged against the level around it. Shorter runs are left to the
 * medians (a regime whose troughs touch 0); leading and trailing zeros are a meter not yet or
 * no longer used. Gaps (NaN) are never flagged and shape nothing. The last step is judged
 * against the steps before it only: one step after a shift is flagged as a spike would be. A
 * series with fewer than {@link MIN_ANOMALY_READINGS} readings, or intermittent (zeros are its
 * normal, see series/intermittency.ts), is not judged. A constant series has σ̂ = 0 and flags
 * nothing, with no division by 0; a step away from a constant is flagged.
 *
 * @param periods - the series' seasonal periods in steps; default {@link seasonalPeriods}.
 */
export function detectAnomalies(
  series: RegularSeries,
  periods: number[] = seasonalPeriods(series.frequency, series.values.length),
  options: AnomalyOptions = {},
): AnomalyScan {
  const threshold = options.threshold ?? ANOMALY_THRESHOLD;
  const y = series.values;
  const n = y.length;
  const expected = new Float64Array(n).fill(Number.NaN);
  let readings = 0;
  let nonNegative = true;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) continue;
    readings++;
    if (y[i] < 0) nonNegative = false;
  }
  if (readings < MIN_ANOMALY_READINGS) return { anomalies: [], expected, skipped: "too short" };
  if (isIntermittent(y)) return { anomalies: [], expected, skipped: "intermittent" };

  // What shapes the level and profile: the readings, less outages.
  const shaping = new Float64Array(n);
  for (let i = 0; i < n; i++) shaping[i] = Number.isFinite(y[i]) ? y[i] : Number.NaN;
  const whole = periods.map(Math.round).filter((p) => p >= 2);
  const profile = Math.max(0, ...whole.filter((p) => n >= MIN_PROFILE_CYCLES * p));
  const half = Math.max(Math.floor(profile / 2), MIN_HALF_WINDOW);
  // An outage: at least a whole short cycle (a day of hours) of zeros between readings above 0.
  const shortest = whole.length > 0 ? Math.min(...whole) : half + 1;
  if (nonNegative) maskOutages(shaping, shortest);

  // The level: the rolling median of the series less a first profile (around each cycle's median).
  const level = new Float64Array(n);
  const work = new Float64Array(n);
  let source = shaping;
  if (profile > 0) {
    blockMedians(shaping, profile, level);
    for (let i = 0; i < n; i++) work[i] = shaping[i] - level[i];
    const first = phaseProfile(work, profile).medians;
    source = new Float64Array(n);
    for (let i = 0; i < n; i++) source[i] = shaping[i] - first[i % profile];
  }
  rollingMedian(source, half, level);

  const clamp = (e: number) => (nonNegative && e < 0 ? 0 : e);
  const scratch = new Float64Array(n);
  // Additive: level + the median deviation from it at the point's phase.
  for (let i = 0; i < n; i++) work[i] = shaping[i] - level[i];
  const additive = profile > 0 ? phaseProfile(work, profile) : undefined;
  const around = (i: number, at: number) => clamp(at + (additive ? additive.without(i, work[i]) : 0));
  const fitted = model(shaping, around, level, whole, scratch);
  expected.set(fitted.expected);
  const models: (() => Model)[] = [() => fitted];
  if (additive && nonNegative) {
    // Or the season scaled by the level, as a household's is when it doubles: a shift that
    // scales the season is then no anomaly either. A point must be one under both; this fit is
    // made only once the first has a candidate.
    let scaledFit: Model | undefined;
    models.push(() => {
      if (scaledFit) return scaledFit;
      const ratio = new Float64Array(n);
      for (let i = 0; i < n; i++) ratio[i] = level[i] > 0 ? shaping[i] / level[i] : Number.NaN;
      const scaled = phaseProfile(ratio, profile, 1);
      const times = (i: number, at: number) =>
        level[i] > 0 ? clamp(at * scaled.without(i, ratio[i])) : around(i, at);
      scaledFit = model(shaping, times, level, whole, scratch);
      return scaledFit;
    });
  }

  const anomalies: Anomaly[] = [];
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) continue;
    let best: { expected: number; score: number } | undefined;
    let sides: number[] | undefined;
    for (const fit of models) {
      const m = fit();
      const e = m.expected[i];
      let scale = m.scales[i % m.scales.length];
      if (Math.abs(v - e) <= threshold * scale) {
        best = undefined;
        break;
      }
      // Where the fit is off for a while (the first days of a new pattern), the neighbours'
      // residuals are as large: not an anomaly.
      scale = Math.max(scale, localScale(m.residual, i, half, scratch));
      const score = Math.abs(v - e) / scale;
      // Near a level shift the window mixes both levels: a point that sits with the level of
      // the steps just before it, or just after it, is not an anomaly.
      sides ??= sideLevels(
        source,
        i,
        half,
        2 * shortest,
        threshold * fitted.scales[i % fitted.scales.length],
        scratch,
      );
      if (score <= threshold || sides.some((side) => Math.abs(v - m.at(i, side)) <= threshold * scale)) {
        best = undefined;
        break;
      }
      if (best === undefined || score < best.score) best = { expected: e, score };
    }
    if (best === undefined) continue;
    anomalies.push({
      index: i,
      timestamp: addSteps(series.start, i, series.frequency),
      value: v,
      expected: best.expected,
      score: best.score,
    });
  }
  return { anomalies, expected };
}

/** A fit of the series: its expected values, absolute residuals and σ̂ per phase. */
interface Model {
  /** The expected value at step i for a level `at` (the fitted level or another). */
  at(i: number, at: number): number;
  expected: Float64Array;
  /** |x − expected| where x shaped the fit, else NaN. */
  residual: Float64Array;
  /** σ̂ per phase of the scale period (one entry: over the series). */
  scales: Float64Array;
}

function model(
  shaping: Float64Array,
  at: (i: number, level: number) => number,
  level: Float64Array,
  periods: number[],
  scratch: Float64Array,
): Model {
  const n = shaping.length;
  const expected = new Float64Array(n);
  const residual = new Float64Array(n);
  let magnitude = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    expected[i] = at(i, level[i]);
    residual[i] = Math.abs(shaping[i] - expected[i]);
    if (!Number.isNaN(shaping[i])) {
      magnitude += Math.abs(shaping[i]);
      m++;
    }
  }
  // σ̂ never falls below round-off, so a constant series divides by nothing.
  const floor = RELATIVE_SCALE_FLOOR * (magnitude / Math.max(m, 1)) || Number.MIN_VALUE;
  const overall = Math.max(robustScale(residual, 0, 1, scratch), floor);
  const phased = periods.filter((p) => n >= MIN_PHASE_RESIDUALS * p);
  const scales = new Float64Array(Math.max(1, ...phased)).fill(overall);
  if (scales.length > 1) {
    for (let phase = 0; phase < scales.length; phase++) {
      const own = robustScale(residual, phase, scales.length, scratch);
      scales[phase] = Math.max(own, PHASE_SCALE_FLOOR * overall, floor);
    }
  }
  return { at, expected, residual, scales };
}

/** A copy of the series with every flagged point replaced by its expected value. */
export function replaceAnomalies(series: RegularSeries, scan: AnomalyScan): RegularSeries {
  const values = Float64Array.from(series.values);
  for (const a of scan.anomalies) values[a.index] = a.expected;
  return { ...series, values };
}

/**
 * Sets to NaN the zeros of every run of at least `minRun` zeros (gaps inside it neither break
 * nor lengthen it) that has a reading above 0 on both sides. Shorter runs are left to the
 * median (a regime whose troughs touch 0 has short runs every day); leading and trailing ones
 * are a meter not yet or no longer used.
 */
function maskOutages(x: Float64Array, minRun: number): void {
  let previous = -1; // the last reading above 0
  let zeros = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) continue;
    if (x[i] === 0) {
      zeros++;
      continue;
    }
    if (previous >= 0 && zeros >= minRun) for (let j = previous + 1; j < i; j++) x[j] = Number.NaN;
    previous = i;
    zeros = 0;
  }
}

/**
 * Leave-one-out centred rolling median: at t, the median of the non-NaN values of `x` over
 * `[t − w, t + w]` other than `x[t]` itself, w = min(half, t, n − 1 − t). Leaving the point out
 * keeps its residual honest: median polish would otherwise zero many residuals and shrink the
 * MAD, most of all in short windows. The window is symmetric at the ends too, so a shift in the
 * first or last steps is followed; the end steps themselves take their neighbour's value.
 * Windows with no value get the level interpolated from their neighbours. Sorted-buffer
 * sliding: O(n · half) element moves, no allocation per step.
 */
function rollingMedian(x: Float64Array, half: number, out: Float64Array): void {
  const n = x.length;
  const buffer = new Float64Array(2 * half + 2);
  let count = 0;
  let lo = 0;
  let hi = -1;
  for (let t = 0; t < n; t++) {
    const w = Math.min(half, t, n - 1 - t);
    // In the middle one value leaves as one comes in: move it along the buffer in one pass.
    for (; lo < t - w && hi < t + w; lo++) count = slide(buffer, count, x[lo], x[++hi]);
    for (; lo < t - w; lo++) if (!Number.isNaN(x[lo])) count = remove(buffer, count, x[lo]);
    while (hi < t + w) if (!Number.isNaN(x[++hi])) count = insert(buffer, count, x[hi]);
    out[t] = medianWithout(buffer, 0, count, x[t]);
  }
  if (n > 1) {
    out[0] = x[1];
    out[n - 1] = x[n - 2];
  }
  fillByInterpolation(out);
}

/**
 * A rough level for the first profile: the median of each whole cycle of `period` steps (the
 * last one takes the remainder), straight lines between the cycles' centres.
 */
function blockMedians(x: Float64Array, period: number, out: Float64Array): void {
  const n = x.length;
  const blocks = Math.max(1, Math.floor(n / period));
  const scratch = new Float64Array(2 * period);
  out.fill(Number.NaN);
  for (let b = 0; b < blocks; b++) {
    const from = b * period;
    const to = b === blocks - 1 ? n : from + period;
    let m = 0;
    for (let i = from; i < to; i++) if (!Number.isNaN(x[i])) scratch[m++] = x[i];
    if (m > 0) out[Math.floor((from + to - 1) / 2)] = selectMedian(scratch, m);
  }
  fillByInterpolation(out);
}

/**
 * σ̂ of the residuals in the window of the level at t (t itself left out, at least
 * {@link MIN_LOCAL_HALF_WINDOW} steps each side where the series has them); 0 when there are
 * none.
 */
function localScale(absolute: Float64Array, t: number, half: number, scratch: Float64Array): number {
  const w = Math.max(Math.min(half, t, absolute.length - 1 - t), MIN_LOCAL_HALF_WINDOW);
  let m = 0;
  for (let j = Math.max(0, t - w); j <= Math.min(absolute.length - 1, t + w); j++) {
    if (j !== t && !Number.isNaN(absolute[j])) scratch[m++] = absolute[j];
  }
  return m === 0 ? 0 : MAD_TO_SIGMA * selectMedian(scratch, m);
}

/**
 * The levels of the steps before t and of those after it, within the level's window at t (at
 * least one step each side where the series has one): each side's median, if the side is
 * settled, its nearer and farther halves' medians within `tolerance`. An excursion that ends
 * within the window is not a settled level, a shift is. A side shorter than `settle` (two short
 * cycles, so that each half sees every phase of the day; near the ends) counts as settled.
 */
function sideLevels(
  x: Float64Array,
  t: number,
  half: number,
  settle: number,
  tolerance: number,
  scratch: Float64Array,
): number[] {
  const w = Math.max(Math.min(half, t, x.length - 1 - t), 1);
  const levels: number[] = [];
  for (const [from, to] of [
    [Math.max(0, t - w), t],
    [t + 1, Math.min(x.length, t + 1 + w)],
  ]) {
    const middle = (from + to) >> 1;
    const medians = [from, middle, to].map((end, k) => {
      let m = 0;
      for (let j = k === 2 ? from : end; j < (k === 0 ? middle : to); j++) {
        if (!Number.isNaN(x[j])) scratch[m++] = x[j];
      }
      return m > 0 ? selectMedian(scratch, m) : Number.NaN;
    });
    const [early, late, all] = medians;
    if (Number.isNaN(all)) continue;
    const short = to - from < settle || Number.isNaN(early) || Number.isNaN(late);
    if (short || Math.abs(early - late) <= tolerance) levels.push(all);
  }
  return levels;
}

/**
 * The median of `sorted[from..to)` less one occurrence of `v` (none when `v` is NaN or absent);
 * NaN when nothing is left.
 */
function medianWithout(sorted: Float64Array, from: number, to: number, v: number): number {
  let skip = Number.isNaN(v) ? to : lowerBound(sorted, from, to, v);
  if (skip < to && sorted[skip] !== v) skip = to;
  const m = skip < to ? to - from - 1 : to - from;
  if (m === 0) return Number.NaN;
  const k = from + (m >> 1);
  const upper = sorted[k < skip ? k : k + 1];
  if (m & 1) return upper;
  return (sorted[k - 1 < skip ? k - 1 : k] + upper) / 2;
}

function lowerBound(sorted: Float64Array, from: number, to: number, v: number): number {
  let a = from;
  let b = to;
  while (a < b) {
    const m = (a + b) >> 1;
    if (sorted[m] < v) a = m + 1;
    else b = m;
  }
  return a;
}

function insert(buffer: Float64Array, count: number, v: number): number {
  const at = lowerBound(buffer, 0, count, v);
  buffer.copyWithin(at + 1, at, count);
  buffer[at] = v;
  return count + 1;
}

function remove(buffer: Float64Array, count: number, v: number): number {
  const at = lowerBound(buffer, 0, count, v);
  buffer.copyWithin(at, at + 1, count);
  return count - 1;
}

/** Replaces `old` (in the buffer unless NaN) by `v` (skipped when NaN), keeping it sorted. */
function slide(buffer: Float64Array, count: number, old: number, v: number): number {
  if (Number.isNaN(old)) return Number.isNaN(v) ? count : insert(buffer, count, v);
  if (Number.isNaN(v)) return remove(buffer, count, old);
  const from = lowerBound(buffer, 0, count, old);
  const to = lowerBound(buffer, 0, count, v);
  if (to > from) {
    buffer.copyWithin(from, from + 1, to);
    buffer[to - 1] = v;
  } else {
    buffer.copyWithin(to + 1, to, from);
    buffer[to] = v;
  }
  return count;
}

/** NaN runs become the straight line between their neighbours (flat beyond the ends). */
function fillByInterpolation(x: Float64Array): void {
  let previous = -1;
  for (let i = 0; i <= x.length; i++) {
    if (i < x.length && Number.isNaN(x[i])) continue;
    if (i - previous > 1) {
      const a = previous >= 0 ? x[previous] : i < x.length ? x[i] : 0;
      const b = i < x.length ? x[i] : a;
      for (let j = previous + 1; j < i; j++) x[j] = a + ((b - a) * (j - previous)) / (i - previous);
    }
    previous = i;
  }
}

/** The non-NaN values sorted per phase of `period`, and each phase's median (`empty` if none). */
function phaseProfile(x: Float64Array, period: number, empty = 0) {
  const offsets = new Int32Array(period + 1);
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) offsets[(i % period) + 1]++;
  for (let p = 0; p < period; p++) offsets[p + 1] += offsets[p];
  const values = new Float64Array(offsets[period]);
  const fill = offsets.slice(0, period);
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) values[fill[i % period]++] = x[i];
  const medians = new Float64Array(period);
  for (let p = 0; p < period; p++) {
    sortRange(values, offsets[p], offsets[p + 1]);
    medians[p] =
      offsets[p + 1] > offsets[p] ? medianWithout(values, offsets[p], offsets[p + 1], Number.NaN) : empty;
  }
  return {
    medians,
    /** The median of phase `i % period` less one value `v` of it (`empty` if nothing is left). */
    without(i: number, v: number): number {
      const p = i % period;
      const m = medianWithout(values, offsets[p], offsets[p + 1], v);
      return Number.isNaN(m) ? empty : m;
    },
  };
}

/** Sorts `a[from..to)` in place: insertion sort for the short runs of a phase, else the built-in. */
function sortRange(a: Float64Array, from: number, to: number): void {
  if (to - from > 48) {
    a.subarray(from, to).sort();
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const v = a[i];
    let j = i - 1;
    for (; j >= from && a[j] > v; j--) a[j + 1] = a[j];
    a[j + 1] = v;
  }
}

/**
 * σ̂ of the absolute residuals at `phase, phase + step, …` (NaN skipped): 1.4826 · their median
 * (the MAD, residuals being centred on 0 by the profile), or, when more than half are exactly 0
 * (quantised readings), 1.2533 · their mean. 0 only when every residual is 0.
 */
function robustScale(absolute: Float64Array, phase: number, step: number, scratch: Float64Array): number {
  let m = 0;
  let sum = 0;
  for (let i = phase; i < absolute.length; i += step) {
    if (Number.isNaN(absolute[i])) continue;
    scratch[m++] = absolute[i];
    sum += absolute[i];
  }
  if (m === 0) return 0;
  const mad = selectMedian(scratch, m);
  return mad > 0 ? MAD_TO_SIGMA * mad : (MEAN_AD_TO_SIGMA * sum) / m;
}

/** The median of `a[0..m)`, m > 0, by quickselect (Hoare): O(m), reorders `a`. */
function selectMedian(a: Float64Array, m: number): number {
  const k = m >> 1;
  let lo = 0;
  let hi = m - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const swap = a[i];
        a[i++] = a[j];
        a[j--] = swap;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  if (m & 1) return a[k];
  // Everything before k is ≤ a[k]: the lower middle is their largest.
  let lower = a[0];
  for (let i = 1; i < k; i++) if (a[i] > lower) lower = a[i];
  return (lower + a[k]) / 2;
}
