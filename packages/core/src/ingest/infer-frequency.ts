import { type Frequency, inferFrequency } from "../series/frequency.ts";

/** Gaps within ±10% of the median count as "the same step" (months are 28–31 days). */
const SAME_STEP_TOLERANCE = 0.1;
/** At least this share of gaps at the median step means the readings are on a grid. */
const REGULAR_SHARE = 0.5;
/** Readings per customer that the sample keeps. */
export const SAMPLE_PER_CUSTOMER = 512;

/**
 * The frequency of a dataset from the positive gaps (ms) between consecutive distinct readings
 * of the same customers, or undefined without any gap.
 *
 * Regular data (most gaps equal to the median) use the median gap: missing readings and
 * duplicates do not move it. Irregular data (random reading times) use the mean of the lower 95%
 * of gaps instead: their median sits well below the mean interval (for random times about
 * ln 2 ≈ 0.69 of it, which would round hourly readings down to `30min`), while trimming the top
 * 5% keeps a long outage from inflating the mean. The result rounds to the nearest Amazon
 * Forecast frequency (`inferFrequency`).
 */
export function frequencyFromGaps(gaps: number[]): Frequency | undefined {
  if (gaps.length === 0) return undefined;
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  let same = 0;
  for (const g of sorted) if (Math.abs(g - median) <= SAME_STEP_TOLERANCE * median) same++;
  if (same >= REGULAR_SHARE * sorted.length) return inferFrequency(median);
  const kept = sorted.slice(0, Math.max(1, Math.ceil(sorted.length * 0.95)));
  return inferFrequency(kept.reduce((a, b) => a + b, 0) / kept.length);
}

/**
 * Gaps of a sample of readings: `customers[i]` read at `times[i]` for i < n. Each customer's
 * first {@link SAMPLE_PER_CUSTOMER} readings are sorted and deduplicated; the file's order does
 * not matter.
 */
export function sampleGaps(customers: Int32Array, times: Float64Array, n: number): number[] {
  const byCustomer = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    let list = byCustomer.get(customers[i]);
    if (list === undefined) byCustomer.set(customers[i], (list = []));
    if (list.length < SAMPLE_PER_CUSTOMER) list.push(times[i]);
  }
  const gaps: number[] = [];
  for (const list of byCustomer.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++) if (list[i] > list[i - 1]) gaps.push(list[i] - list[i - 1]);
  }
  return gaps;
}

/** Gaps between the first readings of a series file written by Preprocess (`timestamp,value`). */
export function historyGaps(csv: string, parse: (timestamp: string) => number, limit = 200): number[] {
  const gaps: number[] = [];
  let previous = Number.NaN;
  let start = csv.indexOf("\n") + 1;
  while (start > 0 && start < csv.length && gaps.length < limit) {
    const end = csv.indexOf("\n", start);
    const line = csv.slice(start, end < 0 ? csv.length : end);
    const t = parse(line.slice(0, line.indexOf(",")));
    if (t > previous) gaps.push(t - previous);
    if (!Number.isNaN(t)) previous = t;
    start = end < 0 ? csv.length : end + 1;
  }
  return gaps;
}
