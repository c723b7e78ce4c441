import { Keys } from "../dataset/keys.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { addSteps, bucketStart, type Frequency, nominalStepMs, stepsBetween } from "../series/frequency.ts";
import type { RelatedAggregation } from "./dataset-drivers-config.ts";

/** One key's related series: regular steps of the stored frequency from `start`; NaN = unknown. */
export interface KeySeries {
  start: number;
  length: number;
  fields: Record<string, Float64Array>;
}

/** A related time series as Myriad keeps it (`drivers/<dataset>/related/<name>.json`). */
export interface RelatedSeries {
  name: string;
  /** `customer_id`, or the metadata attribute whose value selects the series (`region`). */
  keyColumn: string;
  frequency: Frequency;
  /** Per field, how finer readings were (and are, when re-gridded) combined. */
  aggregation: Record<string, RelatedAggregation>;
  updatedAt: string;
  /** Key value (`north`, or a customer id) → series. */
  series: Map<string, KeySeries>;
}

/** The JSON form: ISO start and arrays with null for unknown steps. */
interface StoredJson {
  version: 1;
  name: string;
  keyColumn: string;
  frequency: Frequency;
  aggregation: Record<string, RelatedAggregation>;
  updatedAt: string;
  series: Record<string, { start: string; fields: Record<string, (number | null)[]> }>;
}

const decoder = new TextDecoder();

export function encodeRelated(related: RelatedSeries): string {
  const series: StoredJson["series"] = {};
  for (const key of [...related.series.keys()].sort()) {
    const s = related.series.get(key) as KeySeries;
    const fields: Record<string, (number | null)[]> = {};
    for (const [field, values] of Object.entries(s.fields)) {
      fields[field] = Array.from(values, (v) => (Number.isNaN(v) ? null : v));
    }
    series[key] = { start: new Date(s.start).toISOString(), fields };
  }
  const json: StoredJson = {
    version: 1,
    name: related.name,
    keyColumn: related.keyColumn,
    frequency: related.frequency,
    aggregation: related.aggregation,
    updatedAt: related.updatedAt,
    series,
  };
  return `${JSON.stringify(json)}\n`;
}

export function decodeRelated(text: string): RelatedSeries {
  const json = JSON.parse(text) as StoredJson;
  const series = new Map<string, KeySeries>();
  for (const [key, s] of Object.entries(json.series)) {
    const fields: Record<string, Float64Array> = {};
    let length = 0;
    for (const [field, values] of Object.entries(s.fields)) {
      fields[field] = Float64Array.from(values, (v) => (v === null ? Number.NaN : v));
      length = values.length;
    }
    series.set(key, { start: Date.parse(s.start), length, fields });
  }
  return { ...json, series };
}

export async function loadRelated(
  store: ObjectStore,
  dataset: string,
  name: string,
): Promise<RelatedSeries | undefined> {
  const bytes = await store.get(Keys.driversRelated(dataset, name));
  return bytes === undefined ? undefined : decodeRelated(decoder.decode(bytes));
}

/** Every related series stored for a dataset, by name. */
export async function loadAllRelated(store: ObjectStore, dataset: string): Promise<RelatedSeries[]> {
  const out: RelatedSeries[] = [];
  for await (const object of store.list(Keys.driversRelatedPrefix(dataset))) {
    if (!object.key.endsWith(".json")) continue;
    const bytes = await store.get(object.key);
    if (bytes !== undefined) out.push(decodeRelated(decoder.decode(bytes)));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * One field of a stored series laid on another grid (`length` steps of `frequency` from
 * `gridStart`), NaN where unknown. Same frequency: a copy at the offset. A finer stored
 * frequency (15-minute or hourly data on a daily grid): the stored steps starting within each
 * grid step, combined by `aggregation` (NaN ignored). A coarser one (daily data on an hourly
 * grid): the value of the stored step containing the grid step, held (a `sum` is split by the
 * ratio of step lengths).
 */
export function alignField(
  values: Float64Array,
  start: number,
  stored: Frequency,
  gridStart: number,
  frequency: Frequency,
  length: number,
  aggregation: RelatedAggregation,
): Float64Array {
  const out = new Float64Array(length).fill(Number.NaN);
  if (stored === frequency) {
    const offset = stepsBetween(start, gridStart, frequency);
    for (let i = 0; i < length; i++) {
      const j = i + offset;
      if (j >= 0 && j < values.length) out[i] = values[j];
    }
    return out;
  }
  const finer = nominalStepMs(stored) < nominalStepMs(frequency);
  const ratio = nominalStepMs(frequency) / nominalStepMs(stored);
  let t0 = gridStart;
  for (let i = 0; i < length; i++) {
    const t1 = addSteps(gridStart, i + 1, frequency);
    if (finer) {
      let j = stepsBetween(start, bucketStart(t0, stored), stored);
      if (addSteps(start, j, stored) < t0) j++;
      const acc = new Accumulator();
      for (; j < values.length && addSteps(start, j, stored) < t1; j++) if (j >= 0) acc.add(values[j]);
      out[i] = acc.value(aggregation);
    } else {
      const j = stepsBetween(start, bucketStart(t0, stored), stored);
      if (j >= 0 && j < values.length) out[i] = aggregation === "sum" ? values[j] / ratio : values[j];
    }
    t0 = t1;
  }
  return out;
}

/** Running mean/sum/min/max of the values added, NaN ignored. */
export class Accumulator {
  sum = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(v: number): void {
    if (Number.isNaN(v)) return;
    this.sum += v;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  value(aggregation: RelatedAggregation): number {
    if (this.count === 0) return Number.NaN;
    switch (aggregation) {
      case "mean":
        return this.sum / this.count;
      case "sum":
        return this.sum;
      case "min":
        return this.min;
      case "max":
        return this.max;
    }
  }
}

/**
 * `newer` merged into `older` (same key column): per key, field and step, a known newer value
 * wins; older keys, fields and steps it does not give are kept. The result has `newer`'s
 * frequency (the older series is re-gridded when it differs).
 */
export function mergeRelated(older: RelatedSeries, newer: RelatedSeries): RelatedSeries {
  const f = newer.frequency;
  const aggregation = { ...older.aggregation, ...newer.aggregation };
  const series = new Map<string, KeySeries>();
  for (const key of new Set([...older.series.keys(), ...newer.series.keys()])) {
    const parts: { s: KeySeries; from: Frequency }[] = [];
    const o = older.series.get(key);
    const n = newer.series.get(key);
    if (o !== undefined) parts.push({ s: o, from: older.frequency });
    if (n !== undefined) parts.push({ s: n, from: f });
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (const { s, from } of parts) {
      start = Math.min(start, bucketStart(s.start, f));
      end = Math.max(end, bucketStart(addSteps(s.start, s.length, from) - 1, f));
    }
    const length = stepsBetween(start, end, f) + 1;
    const fields: Record<string, Float64Array> = {};
    for (const { s, from } of parts) {
      for (const [field, values] of Object.entries(s.fields)) {
        const aligned = alignField(values, s.start, from, start, f, length, aggregation[field] ?? "mean");
        const target = fields[field];
        if (target === undefined) fields[field] = aligned;
        else for (let i = 0; i < length; i++) if (!Number.isNaN(aligned[i])) target[i] = aligned[i];
      }
    }
    series.set(key, { start, length, fields });
  }
  return { ...newer, aggregation, series };
}
