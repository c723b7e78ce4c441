import type { BucketGrid } from "./bucket-index.ts";
import { type Buckets, PagedBuckets, PagePool } from "./paged-buckets.ts";
import { type SpilledPartition, SAMPLE, SUSPECT } from "./reading-spill.ts";
import type { QuarantineReason } from "./reasons.ts";

interface CustomerState {
  buckets: PagedBuckets;
  lastTime: number;
  lastValue: number;
}

/**
 * The second pass, over one partition of the {@link ReadingSpill}: aggregates each customer's
 * readings into its buckets, in file order, and rejects a reading with the time of its
 * customer's previous reading or of its bucket's first reading (the first reading wins), as one
 * pass over the file would. Only suspects can be rejected here (see IngestSink), and their line
 * and text come from the partition. Memory is this partition's buckets.
 */
export class PartitionReplay {
  /** Readings rejected by the replay. */
  rejected = 0;
  readonly #grid: BucketGrid;
  readonly #aggregation: "sum" | "mean";
  readonly #partition: SpilledPartition;
  readonly #reject: (line: number, reason: QuarantineReason, raw: string) => void;
  readonly #customers = new Map<number, CustomerState>();
  readonly #pool: PagePool;

  /** `pool` is shared by the replays of one run (one aggregation), so pages are reused. */
  constructor(
    partition: SpilledPartition,
    grid: BucketGrid,
    aggregation: "sum" | "mean",
    reject: (line: number, reason: QuarantineReason, raw: string) => void,
    pool = new PagePool(aggregation),
  ) {
    this.#pool = pool;
    this.#partition = partition;
    this.#grid = grid;
    this.#aggregation = aggregation;
    this.#reject = reject;
  }

  /** Replays a chunk of spilled readings (customer × 4 + kind, time, value). */
  add(records: Float64Array): void {
    const grid = this.#grid;
    const step = grid.fixed?.step ?? 0;
    const origin = grid.fixed?.origin ?? 0;
    let lastCustomer = -1;
    let state: CustomerState | undefined;
    for (let i = 0; i < records.length; i += 3) {
      // Int32 operations: a double's `%` is a call to fmod (customers are under 2^29, see IngestSink).
      const tag = records[i] | 0;
      const time = records[i + 1];
      const value = records[i + 2];
      const kind = tag & 3;
      const customer = tag >> 2;
      if (customer !== lastCustomer || state === undefined) {
        state = this.#customers.get(customer);
        if (state === undefined) {
          state = {
            buckets: new PagedBuckets(this.#aggregation, this.#pool),
            lastTime: Number.NaN,
            lastValue: Number.NaN,
          };
          this.#customers.set(customer, state);
        }
        lastCustomer = customer;
      }
      const index = step > 0 ? Math.floor((time - origin) / step) : grid.index(time);
      let reason: QuarantineReason | undefined;
      if (kind === SAMPLE) {
        // The sample holds no repeats (IngestSink rejected them), so no bucket rejects these.
        state.buckets.add(index, time, value);
      } else if (time === state.lastTime) {
        reason = value === state.lastValue ? "duplicate_row" : "conflicting_duplicate";
      } else {
        reason = state.buckets.add(index, time, value);
      }
      if (reason === undefined) {
        state.lastTime = time;
        state.lastValue = value;
        if (kind === SUSPECT) this.#partition.skipText();
      } else {
        if (kind !== SUSPECT) throw new Error("replay rejected a reading that was not a suspect");
        const { line, text } = this.#partition.nextText();
        this.#reject(line, reason, text);
        this.rejected++;
      }
    }
  }

  /** The customers of this partition that have readings. */
  customers(): number[] {
    return [...this.#customers.keys()];
  }

  /** A customer's buckets, releasing them (each customer is written once). */
  take(customer: number): Buckets {
    const state = this.#customers.get(customer);
    if (state === undefined) return { indices: [], values: [] };
    this.#customers.delete(customer);
    const buckets = state.buckets.buckets();
    state.buckets.release();
    return buckets;
  }
}
