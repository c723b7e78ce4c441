import { addSteps, bucketStart, type Frequency, stepsBetween } from "./frequency.ts";

/** A customer's series on a regular grid: `values[i]` is the bucket at `addSteps(start, i)`. */
export interface RegularSeries {
  start: number;
  frequency: Frequency;
  /** NaN marks a step with no reading (a gap). */
  values: Float64Array;
}

/** Header of `customers/<dataset>/<id>/data.csv`. */
export const SERIES_CSV_HEADER = "timestamp,value";

/**
 * Serializes a series as `customers/<dataset>/<id>/data.csv`: one row per bucket with a
 * reading, ISO 8601 UTC timestamps, gaps omitted.
 */
export function seriesToCsv(series: RegularSeries): string {
  const lines = [SERIES_CSV_HEADER];
  for (let i = 0; i < series.values.length; i++) {
    const v = series.values[i];
    if (Number.isNaN(v)) continue;
    lines.push(`${new Date(addSteps(series.start, i, series.frequency)).toISOString()},${v}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Parses `data.csv` back onto the grid of `frequency`; missing buckets become NaN. */
export function seriesFromCsv(text: string, frequency: Frequency): RegularSeries {
  const rows = text.split("\n");
  const times: number[] = [];
  const vals: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i];
    if (row.length === 0) continue;
    const comma = row.indexOf(",");
    times.push(bucketStart(Date.parse(row.slice(0, comma)), frequency));
    vals.push(Number(row.slice(comma + 1)));
  }
  return seriesFromPoints(times, vals, frequency);
}

/**
 * {@link seriesFromCsv} on the file's bytes, without making a string per row: the same series,
 * several times faster. Train, the cohort profiles and the aggregates read every customer's
 * series, and that parse was a tenth of training outside the models and most of the
 * aggregates' time. Rows as data.csv writes them (`YYYY-MM-DDTHH:MM:SS.sssZ,` and a plain
 * decimal) are read from their digits; any other row goes through `Date.parse` and `Number`.
 */
export function seriesFromCsvBytes(bytes: Uint8Array, frequency: Frequency): RegularSeries {
  const times: number[] = [];
  const vals: number[] = [];
  const day = { bytes: new Uint8Array(10), ms: Number.NaN };
  let p = bytes.indexOf(10) + 1;
  if (p === 0) p = bytes.length;
  while (p < bytes.length) {
    let end = bytes.indexOf(10, p);
    if (end < 0) end = bytes.length;
    if (end > p) {
      const comma = bytes.indexOf(44, p);
      const at = comma < 0 || comma > end ? end : comma;
      let time = at - p === 24 ? isoMillis(bytes, p, day) : Number.NaN;
      if (Number.isNaN(time)) time = Date.parse(latin1(bytes, p, at));
      let value = decimal(bytes, at + 1, end);
      if (Number.isNaN(value)) value = Number(latin1(bytes, at + 1, end));
      times.push(bucketStart(time, frequency));
      vals.push(value);
    }
    p = end + 1;
  }
  return seriesFromPoints(times, vals, frequency);
}

const latin1 = (bytes: Uint8Array, from: number, to: number) =>
  String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);

/** Epoch ms of `YYYY-MM-DDTHH:MM:SS.sssZ` at `p`, the date parsed once per day; NaN otherwise. */
function isoMillis(b: Uint8Array, p: number, day: { bytes: Uint8Array; ms: number }): number {
  if (b[p + 10] !== 84 || b[p + 13] !== 58 || b[p + 16] !== 58 || b[p + 19] !== 46 || b[p + 23] !== 90)
    return Number.NaN;
  let same = !Number.isNaN(day.ms);
  for (let k = 0; same && k < 10; k++) same = b[p + k] === day.bytes[k];
  if (!same) {
    day.ms = Date.parse(`${latin1(b, p, p + 10)}T00:00:00.000Z`);
    day.bytes.set(b.subarray(p, p + 10));
    if (Number.isNaN(day.ms)) return Number.NaN;
  }
  const hours = digits(b, p + 11, 2);
  const minutes = digits(b, p + 14, 2);
  const seconds = digits(b, p + 17, 2);
  const millis = digits(b, p + 20, 3);
  if (!(hours <= 23 && minutes <= 59 && seconds <= 59 && millis >= 0)) return Number.NaN;
  return day.ms + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + millis;
}

function digits(b: Uint8Array, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `[-]digits[.digits]` with at most 15 digits, as the correctly rounded double `Number` gives:
 * the digits as an integer are exact below 2^53 and so is 10^k, and one IEEE division of two
 * exact values is correctly rounded (Clinger's fast path). NaN for anything else.
 */
function decimal(b: Uint8Array, from: number, to: number): number {
  let i = from;
  const negative = b[i] === 45;
  if (negative) i++;
  let n = 0;
  let count = 0;
  let scale = 1;
  let point = false;
  for (; i < to; i++) {
    const c = b[i];
    if (c === 46 && !point) {
      point = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || ++count > 15) return Number.NaN;
    n = n * 10 + d;
    if (point) scale *= 10;
  }
  if (count === 0) return Number.NaN;
  const value = n / scale;
  return negative ? -value : value;
}

/** Builds the grid from sorted bucket starts; a later duplicate overwrites an earlier one. */
export function seriesFromPoints(times: number[], vals: number[], frequency: Frequency): RegularSeries {
  if (times.length === 0) return { start: 0, frequency, values: new Float64Array(0) };
  const start = times[0];
  const length = stepsBetween(start, times[times.length - 1], frequency) + 1;
  const values = new Float64Array(length).fill(Number.NaN);
  for (let i = 0; i < times.length; i++) values[stepsBetween(start, times[i], frequency)] = vals[i];
  return { start, frequency, values };
}

/** Timestamp (epoch ms) of the last step of the series. */
export function seriesEnd(series: RegularSeries): number {
  return addSteps(series.start, series.values.length - 1, series.frequency);
}
