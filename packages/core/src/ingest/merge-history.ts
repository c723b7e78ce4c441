import type { RegularSeries } from "../series/series.ts";
import type { BucketGrid } from "./bucket-index.ts";
import type { Buckets } from "./paged-buckets.ts";
import { parseSimpleDecimal } from "./parse-value.ts";
import { parseTimestampBytes } from "./timestamp.ts";

export interface MergedSeries {
  series: RegularSeries;
  /** Buckets with a reading (the rest of the grid are gaps). */
  points: number;
  /** False when the history already held exactly this series: nothing to write. */
  changed: boolean;
  /** Steps the history held that the upload gave another value: the old value is replaced. */
  replaced: number;
  /** Steps the upload sent again with the value the history already held. */
  resent: number;
}

const LF = 10;
const COMMA = 44;
const decoder = new TextDecoder();

/**
 * A customer's new series: its history (`data.csv` bytes from an earlier run, or undefined)
 * with this upload's buckets on top.
 *
 * Merge rule: the later upload wins per bucket. Where the upload has any reading in a bucket,
 * the upload's aggregate replaces the history's value; history elsewhere is kept. Buckets the
 * history already held are counted: `replaced` when the value changes, `resent` when not. Replacing
 * rather than adding is what makes a re-upload of the same file change nothing (adding would
 * double it), at the price that an upload holding part of a bucket replaces the whole bucket.
 *
 * History on another grid (the dataset's frequency changed in `_dataset.json`) is re-bucketed
 * onto `grid` with the same aggregation, and then counts as changed.
 *
 * Gap policy: no fill. Buckets with no reading stay NaN (omitted from `data.csv`) and are left
 * to the models, which know how to treat missing steps; a filled value would be invented data
 * that later looks real.
 */
export function mergeHistory(
  history: Uint8Array | undefined,
  upload: Buckets,
  grid: BucketGrid,
  aggregation: "sum" | "mean",
): MergedSeries {
  const past = history === undefined ? undefined : parseHistory(history, grid, aggregation);
  const pastIndices = past?.indices ?? [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const list of [pastIndices, upload.indices]) {
    if (list.length === 0) continue;
    first = Math.min(first, list[0]);
    last = Math.max(last, list[list.length - 1]);
  }
  if (first > last) {
    return {
      series: { start: 0, frequency: grid.frequency, values: new Float64Array(0) },
      points: 0,
      changed: true,
      replaced: 0,
      resent: 0,
    };
  }
  const values = new Float64Array(last - first + 1).fill(Number.NaN);
  let points = 0;
  if (past !== undefined) {
    for (let i = 0; i < pastIndices.length; i++) values[pastIndices[i] - first] = past.values[i];
    points = pastIndices.length;
  }
  let changed = past === undefined || !past.canonical;
  let replaced = 0;
  let resent = 0;
  for (let i = 0; i < upload.indices.length; i++) {
    const slot = upload.indices[i] - first;
    const before = values[slot];
    const after = upload.values[i];
    if (before === after) {
      resent++;
    } else {
      changed = true;
      if (Number.isNaN(before)) points++;
      else replaced++;
      values[slot] = after;
    }
  }
  return {
    series: { start: grid.time(first), frequency: grid.frequency, values },
    points,
    changed,
    replaced,
    resent,
  };
}

interface History extends Buckets {
  /** Sorted, one line per bucket, on the grid, every line readable: as Preprocess writes it. */
  canonical: boolean;
}

/** History lines as sorted buckets of `grid`; unreadable lines are skipped. */
function parseHistory(bytes: Uint8Array, grid: BucketGrid, aggregation: "sum" | "mean"): History {
  let rawIndices: number[] = [];
  let rawValues: number[] = [];
  let canonical = true;
  let sorted = true;
  let start = bytes.indexOf(LF) + 1;
  while (start > 0 && start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    const comma = bytes.indexOf(COMMA, start);
    const t = comma > start && comma < end ? parseTimestampBytes(bytes, start, comma) : Number.NaN;
    let v = Number.NaN;
    if (!Number.isNaN(t)) {
      v = parseSimpleDecimal(bytes, comma + 1, end);
      if (Number.isNaN(v)) v = Number(decoder.decode(bytes.subarray(comma + 1, end)));
    }
    if (Number.isFinite(v)) {
      const index = grid.index(t);
      const previous = rawIndices.length > 0 ? rawIndices[rawIndices.length - 1] : Number.NEGATIVE_INFINITY;
      if (previous >= index) canonical = false;
      if (previous > index) sorted = false;
      if (grid.time(index) !== t) canonical = false;
      rawIndices.push(index);
      rawValues.push(v);
    } else if (end > start) {
      canonical = false;
    }
    start = end + 1;
  }
  if (!sorted) {
    // Not written by Preprocess (edited by hand?): sort, then aggregate as usual.
    const order = rawIndices.map((_, i) => i).sort((a, b) => rawIndices[a] - rawIndices[b] || a - b);
    rawIndices = order.map((i) => rawIndices[i]);
    rawValues = order.map((i) => rawValues[i]);
  }
  if (canonical) return { indices: rawIndices, values: rawValues, canonical };
  // Several lines in one bucket: the history is on a finer grid.
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < rawIndices.length; ) {
    let j = i;
    let sum = 0;
    while (j < rawIndices.length && rawIndices[j] === rawIndices[i]) sum += rawValues[j++];
    indices.push(rawIndices[i]);
    values.push(aggregation === "mean" ? sum / (j - i) : sum);
    i = j;
  }
  return { indices, values, canonical };
}
