import { badRequest } from "../errors/myriad-error.ts";
import type { Frequency } from "../series/frequency.ts";
import { frequencyFromGaps, sampleGaps } from "./infer-frequency.ts";
import type { QuarantineWriter } from "./quarantine-writer.ts";
import { CHECK, type ReadingSpill, SAMPLE, SUSPECT } from "./reading-spill.ts";
import type { QuarantineReason } from "./reasons.ts";
import type { AddOutcome, RowSink } from "./row-sink.ts";

/** Readings before this are `timestamp_out_of_range`. */
export const MIN_TIME = Date.UTC(1900, 0, 1);
/** Slack past `now` before a reading is `future_timestamp`: covers any UTC offset. */
export const FUTURE_SLACK_MS = 86_400_000;
/** Readings held back to infer the frequency when neither config nor history gives it. */
export const SAMPLE_ROWS = 100_000;
/** Customers one file may hold: the spill packs customer × 4 + kind into an int32. */
export const MAX_CUSTOMERS = 2 ** 29;
/** Frequency when nothing can be inferred (no customer has two readings). */
export const FALLBACK_FREQUENCY: Frequency = "H";

export interface IngestSinkOptions {
  /** Known up front (config or history); inferred from the first rows otherwise. */
  frequency?: Frequency;
  now: Date;
  quarantine: QuarantineWriter;
  spill: ReadingSpill;
}

/**
 * The first pass over the file: checks each parsed reading's time bounds and routes it, by
 * customer, into the {@link ReadingSpill}. Memory is one small record per customer, whatever
 * the file's size or the customers' buckets; aggregation and the duplicate checks that need a
 * customer's buckets happen on replay, one partition at a time ({@link PartitionReplay}).
 *
 * Until the frequency is known, up to {@link SAMPLE_ROWS} readings are the sample it is inferred
 * from. Every repeat among them (same customer and time) is rejected here, the first reading
 * winning: a per-customer map of the sample's times, dropped once the frequency settles. They
 * are spilled as {@link SAMPLE} readings, which the replay accepts as they are.
 *
 * After the sample, a reading whose time is not past every earlier one of its customer is a
 * {@link SUSPECT}: only such a reading can repeat another, so only its line and text are kept
 * for the quarantine. The replay rejects a reading with the time of its customer's previous
 * reading or of its bucket's first reading (see PagedBuckets): an overlapping export appended to
 * a file is caught however far from its twin. What remains: with readings finer than the
 * frequency (15-minute data in hourly buckets), a distant repeat of a reading that is not its
 * bucket's first, read after the sample, is aggregated like any other reading of its bucket.
 * Catching it would take every timestamp, memory that grows with the rows.
 */
export class IngestSink implements RowSink {
  readonly ids: string[] = [];
  /** Readings accepted by this pass (the replay may still reject suspects). */
  accepted = 0;
  readonly #index = new Map<string, number>();
  /** Per customer, its latest accepted time: a reading not past it is a suspect. */
  readonly #maxTime: number[] = [];
  readonly #maxAllowed: number;
  readonly #quarantine: QuarantineWriter;
  readonly #spill: ReadingSpill;
  #frequency: Frequency | undefined;
  #pending = 0;
  #pendingCustomer = new Int32Array(SAMPLE_ROWS);
  #pendingTime = new Float64Array(SAMPLE_ROWS);
  /** Per customer, time → value of its sampled readings: repeats in the sample are found at once. */
  #pendingReadings: (Map<number, number> | undefined)[] = [];

  constructor(options: IngestSinkOptions) {
    this.#maxAllowed = options.now.getTime() + FUTURE_SLACK_MS;
    this.#quarantine = options.quarantine;
    this.#spill = options.spill;
    this.#frequency = options.frequency;
  }

  customer(id: string): number {
    let index = this.#index.get(id);
    if (index === undefined) {
      index = this.ids.length;
      if (index === MAX_CUSTOMERS)
        throw badRequest("too_many_customers", `more than ${MAX_CUSTOMERS} customers in one file`);
      this.#index.set(id, index);
      this.ids.push(id);
      this.#maxTime.push(Number.NEGATIVE_INFINITY);
    }
    return index;
  }

  add(customer: number, time: number, value: number): AddOutcome {
    if (time < MIN_TIME) return "timestamp_out_of_range";
    if (time > this.#maxAllowed) return "future_timestamp";
    this.accepted++;
    if (this.#frequency !== undefined) {
      const maxTime = this.#maxTime[customer];
      if (time > maxTime) {
        this.#maxTime[customer] = time;
        this.#spill.add(customer, CHECK, time, value);
        return undefined;
      }
      this.#spill.add(customer, SUSPECT, time, value);
      return "suspect";
    }
    const reason = this.#addToSample(customer, time, value);
    if (reason !== undefined) this.accepted--;
    return reason;
  }

  suspect(customer: number, line: number, raw: string): void {
    this.#spill.addText(customer, line, raw);
  }

  reject(line: number, reason: QuarantineReason, raw: string): void {
    this.#quarantine.add(line, reason, raw);
  }

  flush(): Promise<void> | undefined {
    const quarantine = this.#quarantine.flush();
    const spill = this.#spill.flush();
    if (quarantine === undefined) return spill;
    if (spill === undefined) return quarantine;
    return Promise.all([quarantine, spill]).then(() => undefined);
  }

  /** The dataset frequency; settles it (from the sample) if the file ended before the sample filled. */
  frequency(): Frequency {
    return this.#settleFrequency();
  }

  #addToSample(customer: number, time: number, value: number): QuarantineReason | undefined {
    let readings = this.#pendingReadings[customer];
    if (readings === undefined) {
      readings = new Map();
      this.#pendingReadings[customer] = readings;
    }
    const first = readings.get(time);
    if (first !== undefined) return value === first ? "duplicate_row" : "conflicting_duplicate";
    readings.set(time, value);
    if (time > this.#maxTime[customer]) this.#maxTime[customer] = time;
    this.#spill.add(customer, SAMPLE, time, value);
    const n = this.#pending++;
    this.#pendingCustomer[n] = customer;
    this.#pendingTime[n] = time;
    if (this.#pending === SAMPLE_ROWS) this.#settleFrequency();
    return undefined;
  }

  #settleFrequency(): Frequency {
    if (this.#frequency !== undefined) return this.#frequency;
    const gaps = sampleGaps(this.#pendingCustomer, this.#pendingTime, this.#pending);
    this.#frequency = frequencyFromGaps(gaps) ?? FALLBACK_FREQUENCY;
    this.#pending = 0;
    this.#pendingCustomer = new Int32Array(0);
    this.#pendingTime = new Float64Array(0);
    this.#pendingReadings = [];
    return this.#frequency;
  }
}
