import { fillGaps, recent } from "../kernels/fill-gaps.ts";
import type { FitInput } from "./model.ts";

/** Most points any model fits on: eight years of daily data, eight weeks of hourly and more. */
export const MAX_FIT_POINTS = 3000;

/** Cycles of its longest period a model fits on by default: eight weeks of hourly data. */
export const FIT_CYCLES = 8;

/**
 * The recent, gap-free stretch of `input.y` a model fits on: eight cycles of its longest
 * period, fewer for long periods (see windowLength), gaps filled with that period's shape.
 * Older history adds cost, not accuracy, for these models.
 *
 * @param longest - longest seasonal period the model uses, in steps; 0 for none.
 * @returns the window, safe to read but not to modify (it may alias `input.y`).
 */
export function fitWindow(input: FitInput, longest: number, cycles = FIT_CYCLES): Float64Array {
  return fillGaps(recent(input.y, windowLength(longest, cycles)), longest);
}

/** Like {@link fitWindow} but keeps the gaps (NaN), for models that skip them; leading gaps trimmed. */
export function rawWindow(input: FitInput, longest: number, cycles = FIT_CYCLES): Float64Array {
  const y = recent(input.y, windowLength(longest, cycles));
  let first = 0;
  while (first < y.length && !Number.isFinite(y[first])) first++;
  if (first === y.length) throw new Error("series has no readings");
  return y.subarray(first);
}

/**
 * `cycles` cycles of the longest period, but no more than 1,500 points once four cycles fit in
 * them (four years are enough for a yearly season; eight weeks of hourly data are 1,344
 * points), never more than {@link MAX_FIT_POINTS}, never fewer than three cycles or 200 points.
 */
function windowLength(longest: number, cycles: number): number {
  const m = Math.ceil(longest);
  return Math.max(Math.min(cycles * m, Math.max(4 * m, 1500), MAX_FIT_POINTS), 3 * m, 200);
}

/** The periods of `periods` with at least `cycles` whole cycles in `length` points. */
export function usablePeriods(periods: number[], length: number, cycles = 2): number[] {
  return periods.filter((p) => p >= 2 && length >= cycles * Math.ceil(p));
}

/** Rounds to 7 significant digits, to keep `model.json` small; states are stored rounded. */
export function compact(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(7)));
}

/** The steps to score when choosing parameters for horizon `h`: 1, h/2 and h. */
export function scoredHorizons(h: number | undefined): number[] {
  if (!h || h <= 1) return [1];
  return [...new Set([1, Math.ceil(h / 2), h])];
}
