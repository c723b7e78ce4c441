import { isSafeIdentifier } from "../dataset/identifiers.ts";
import { frequencyFromGaps } from "../ingest/infer-frequency.ts";
import type { QuarantineReason } from "../ingest/reasons.ts";
import { parseTimestamp } from "../ingest/timestamp.ts";
import { bucketStart, type Frequency, stepsBetween } from "../series/frequency.ts";
import type { RelatedAggregation } from "./dataset-drivers-config.ts";
import { parseDriverValue } from "./driver-csv.ts";
import { Accumulator, type KeySeries } from "./related-store.ts";

const MIN_YEAR_MS = Date.UTC(1900, 0, 1);

/** The accepted rows of a related file, column-wise: key index, time, one value per field. */
export class RowTable {
  readonly keys: string[] = [];
  count = 0;
  #keyIndex = new Map<string, number>();
  #seen: Map<number, string>[] = [];
  #key: number[] = [];
  #time: number[] = [];
  #values: number[] = [];
  readonly #width: number;

  constructor(width: number) {
    this.#width = width;
  }

  /** Validates and keeps one record; returns why it is rejected instead. */
  addRecord(
    fields: string[],
    keyCol: number,
    tsCol: number,
    fieldCols: { col: number }[],
    customerKey: boolean,
    decimalComma: boolean,
  ): QuarantineReason | undefined {
    const key = fields[keyCol]?.trim() ?? "";
    const ts = fields[tsCol]?.trim() ?? "";
    if (key === "" || ts === "") return "missing_field";
    if (customerKey && !isSafeIdentifier(key)) return "invalid_customer_id";
    const time = parseTimestamp(ts);
    if (Number.isNaN(time)) return "unparsable_timestamp";
    if (time < MIN_YEAR_MS) return "timestamp_out_of_range";
    const values: number[] = [];
    let known = 0;
    for (const { col } of fieldCols) {
      const text = fields[col]?.trim() ?? "";
      if (text === "") {
        values.push(Number.NaN);
        continue;
      }
      const parsed = parseDriverValue(text, decimalComma);
      if (!parsed.ok) return parsed.reason;
      values.push(parsed.value);
      known++;
    }
    if (known === 0) return "missing_field";
    let k = this.#keyIndex.get(key);
    if (k === undefined) {
      k = this.keys.length;
      this.keys.push(key);
      this.#keyIndex.set(key, k);
      this.#seen.push(new Map());
    }
    const signature = values.join(",");
    const earlier = this.#seen[k].get(time);
    if (earlier !== undefined) return earlier === signature ? "duplicate_row" : "conflicting_duplicate";
    this.#seen[k].set(time, signature);
    this.#key.push(k);
    this.#time.push(time);
    this.#values.push(...values);
    this.count++;
    return undefined;
  }

  /** The frequency of the readings' gaps (per key, sorted), as data files infer theirs; `H` without any. */
  inferFrequency(): Frequency {
    const gaps: number[] = [];
    for (const seen of this.#seen) {
      const times = [...seen.keys()].sort((a, b) => a - b).slice(0, 512);
      for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
    }
    return frequencyFromGaps(gaps) ?? "H";
  }

  /** Each key's readings combined per step of `frequency` by each field's aggregation. */
  resample(
    fields: string[],
    frequency: Frequency,
    aggregation: Record<string, RelatedAggregation>,
  ): Map<string, KeySeries> {
    const buckets = this.keys.map(() => new Map<number, Accumulator[]>());
    for (let r = 0; r < this.count; r++) {
      const byTime = buckets[this.#key[r]];
      const t = bucketStart(this.#time[r], frequency);
      let acc = byTime.get(t);
      if (acc === undefined) byTime.set(t, (acc = fields.map(() => new Accumulator())));
      for (let f = 0; f < this.#width; f++) acc[f].add(this.#values[r * this.#width + f]);
    }
    const out = new Map<string, KeySeries>();
    this.keys.forEach((key, k) => {
      const times = [...buckets[k].keys()].sort((a, b) => a - b);
      const start = times[0];
      const length = stepsBetween(start, times[times.length - 1], frequency) + 1;
      const series: Record<string, Float64Array> = {};
      fields.forEach((field, f) => {
        const values = new Float64Array(length).fill(Number.NaN);
        for (const t of times) {
          values[stepsBetween(start, t, frequency)] = (buckets[k].get(t) as Accumulator[])[f].value(
            aggregation[field],
          );
        }
        series[field] = values;
      });
      out.set(key, { start, length, fields: series });
    });
    return out;
  }
}
