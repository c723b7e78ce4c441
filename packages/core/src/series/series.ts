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
