import type { Frequency } from "../series/frequency.ts";
import { type BucketGrid, bucketGrid } from "./bucket-index.ts";
import { frequencyFromGaps, sampleGaps } from "./infer-frequency.ts";
import { type Buckets, PagedBuckets } from "./paged-buckets.ts";
import type { QuarantineWriter } from "./quarantine-writer.ts";
import type { QuarantineReason } from "./reasons.ts";
import type { RowSink } from "./row-sink.ts";

/** Readings before this are `timestamp_out_of_range`. */
export const MIN_TIME = Date.UTC(1900, 0, 1);
/** Slack past `now` before a reading is `future_timestamp`: covers any UTC offset. */
export const FUTURE_SLACK_MS = 86_400_000;
/** Readings held back to infer the frequency when neither config nor history gives it. */
export const SAMPLE_ROWS = 100_000;
/** Frequency when nothing can be inferred (no customer has two readings). */
export const FALLBACK_FREQUENCY: Frequency = "H";

export interface IngestSinkOptions {
  /** Known up front (config or history); inferred from the first rows otherwise. */
  frequency?: Frequency;
  aggregation: "sum" | "mean";
  now: Date;
  quarantine: QuarantineWriter;
}

/**
 * Accepts validated rows: checks time bounds and duplicates, and accumulates each customer's
 * readings into {@link PagedBuckets}. Memory is one small record per customer plus the buckets
 * holding data, whatever the file's size.
 *
 * Until the frequency is known, up to {@link SAMPLE_ROWS} readings wait in typed arrays; they
 * are the sample the frequency is inferred from, then they are bucketed like the rest.
 *
 * A reading with the same customer and time as an earlier one is rejected (the first wins) when
 * the earlier one is the customer's previous reading, a reading of the sample (a per-customer
 * map of the pending times, dropped once the frequency settles) or its bucket's first reading,
 * which {@link PagedBuckets} keeps: an overlapping export appended to a file is caught however
 * far from its twin. What remains: with readings finer than the frequency (15-minute data in
 * hourly buckets), a distant repeat of a reading that is not its bucket's first, read after the
 * sample, is aggregated like any other reading of its bucket. Catching it would take every
 * timestamp, memory that grows with the rows.
 */
export class IngestSink implements RowSink {
  readonly ids: string[] = [];
  accepted = 0;
  minTime = Number.POSITIVE_INFINITY;
  maxTime = Number.NEGATIVE_INFINITY;
  readonly #index = new Map<string, number>();
  readonly #lastTime: number[] = [];
  readonly #lastValue: number[] = [];
  readonly #buckets: PagedBuckets[] = [];
  readonly #maxAllowed: number;
  readonly #quarantine: QuarantineWriter;
  readonly #aggregation: "sum" | "mean";
  #grid: BucketGrid | undefined;
  #pending = 0;
  #pendingCustomer = new Int32Array(SAMPLE_ROWS);
  #pendingTime = new Float64Array(SAMPLE_ROWS);
  #pendingValue = new Float64Array(SAMPLE_ROWS);
  /** Per customer, time → value of its pending readings: repeats in the sample are found at once. */
  #pendingReadings: (Map<number, number> | undefined)[] = [];

  constructor(options: IngestSinkOptions) {
    this.#maxAllowed = options.now.getTime() + FUTURE_SLACK_MS;
    this.#quarantine = options.quarantine;
    this.#aggregation = options.aggregation;
    if (options.frequency !== undefined) this.#grid = bucketGrid(options.frequency);
  }

  customer(id: string): number {
    let index = this.#index.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.#index.set(id, index);
      this.ids.push(id);
      this.#lastTime.push(Number.NaN);
      this.#lastValue.push(Number.NaN);
      this.#buckets.push(new PagedBuckets(this.#aggregation));
    }
    return index;
  }

  add(customer: number, time: number, value: number): QuarantineReason | undefined {
    if (time < MIN_TIME) return "timestamp_out_of_range";
    if (time > this.#maxAllowed) return "future_timestamp";
    if (time === this.#lastTime[customer]) {
      return value === this.#lastValue[customer] ? "duplicate_row" : "conflicting_duplicate";
    }
    const grid = this.#grid;
    if (grid === undefined) {
      let readings = this.#pendingReadings[customer];
      if (readings === undefined) {
        readings = new Map();
        this.#pendingReadings[customer] = readings;
      }
      const first = readings.get(time);
      if (first !== undefined) return value === first ? "duplicate_row" : "conflicting_duplicate";
      readings.set(time, value);
      const n = this.#pending++;
      this.#pendingCustomer[n] = customer;
      this.#pendingTime[n] = time;
      this.#pendingValue[n] = value;
    } else {
      const reason = this.#buckets[customer].add(grid.index(time), time, value);
      if (reason !== undefined) return reason;
    }
    this.#lastTime[customer] = time;
    this.#lastValue[customer] = value;
    this.accepted++;
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
    if (this.#pending === SAMPLE_ROWS) this.#settleFrequency();
    return undefined;
  }

  reject(line: number, reason: QuarantineReason, raw: string): void {
    this.#quarantine.add(line, reason, raw);
  }

  flush(): Promise<void> | undefined {
    return this.#quarantine.flush();
  }

  /** The dataset frequency; settles it (from the sample) if the file ended before the sample filled. */
  frequency(): Frequency {
    return this.#settleFrequency().frequency;
  }

  /** The customer's buckets, releasing its pages (each customer is written once). */
  takeBuckets(customer: number): Buckets {
    const buckets = this.#buckets[customer].buckets();
    this.#buckets[customer] = new PagedBuckets(this.#aggregation);
    return buckets;
  }

  #settleFrequency(): BucketGrid {
    if (this.#grid !== undefined) return this.#grid;
    const gaps = sampleGaps(this.#pendingCustomer, this.#pendingTime, this.#pending);
    const grid = bucketGrid(frequencyFromGaps(gaps) ?? FALLBACK_FREQUENCY);
    this.#grid = grid;
    // The sample holds no repeats (the map above), so no bucket rejects these.
    for (let i = 0; i < this.#pending; i++) {
      const time = this.#pendingTime[i];
      this.#buckets[this.#pendingCustomer[i]].add(grid.index(time), time, this.#pendingValue[i]);
    }
    this.#pending = 0;
    this.#pendingCustomer = new Int32Array(0);
    this.#pendingTime = new Float64Array(0);
    this.#pendingValue = new Float64Array(0);
    this.#pendingReadings = [];
    return grid;
  }
}
