import { type Frequency, nominalStepMs } from "../series/frequency.ts";

const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday: weekly buckets start on Monday, four days later. */
const MONDAY_ORIGIN = 4 * DAY_MS;
const CALENDAR_MONTHS: Partial<Record<Frequency, number>> = { M: 1, Q: 3, Y: 12 };

/**
 * Integer bucket numbers: the same buckets as `bucketStart` in series/frequency.ts, as a dense
 * index so per-customer accumulators can be arrays. `bucketTime(bucketIndex(t, f), f)` equals
 * `bucketStart(t, f)`; consecutive buckets differ by one.
 */
export interface BucketGrid {
  readonly frequency: Frequency;
  /**
   * For fixed-duration frequencies, `index(t)` is `Math.floor((t - origin) / step)`: hot loops
   * compute it inline rather than call `index` (a double passed to a call is boxed).
   */
  readonly fixed: { step: number; origin: number } | undefined;
  index(t: number): number;
  time(index: number): number;
}

export function bucketGrid(frequency: Frequency): BucketGrid {
  const months = CALENDAR_MONTHS[frequency];
  if (months !== undefined) {
    return {
      frequency,
      fixed: undefined,
      index: (t) => {
        const d = new Date(t);
        return Math.floor(((d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth()) / months);
      },
      time: (index) => Date.UTC(1970, index * months, 1),
    };
  }
  const step = nominalStepMs(frequency);
  const origin = frequency === "W" ? MONDAY_ORIGIN : 0;
  return {
    frequency,
    fixed: { step, origin },
    index: (t) => Math.floor((t - origin) / step),
    time: (index) => index * step + origin,
  };
}
