import type { QuarantineReason } from "./reasons.ts";

const PAGE_SIZE = 256;

interface Page {
  /** NaN until the bucket's first reading. */
  sum: Float64Array;
  /** Readings per bucket; only kept for `mean`. */
  count: Uint32Array | undefined;
  /** The bucket's first reading, to recognise a repeat of it anywhere in the file. */
  firstTime: Float64Array;
  firstValue: Float64Array;
}

/** One customer's buckets with a reading, in time order. */
export interface Buckets {
  indices: number[];
  values: number[];
}

/**
 * One customer's readings aggregated per bucket, in pages of 256 buckets allocated on first use.
 *
 * Why pages: the range is unknown until the file ends, and memory must follow the buckets that
 * hold data, not the rows read nor the span between a stray early reading and the rest. Ten
 * times the rows over the same customers and range fill the same pages: 24 bytes a bucket for
 * `sum` (the sum, NaN marking "no reading" so a sum of zero stays data, and the first reading's
 * time and value), 28 for `mean`; a year of hours is 210 KB a customer.
 *
 * Keeping each bucket's first reading catches a repeat of it however far from its twin (an
 * overlapping export appended to a file) at a fixed cost per bucket. A repeat of a later reading
 * of the same bucket (data finer than the bucket) is not recognised: that would take every
 * timestamp, which grows with the rows.
 */
export class PagedBuckets {
  readonly #pages = new Map<number, Page>();
  readonly #mean: boolean;
  #lastKey = Number.NaN;
  #lastPage: Page | undefined;

  constructor(aggregation: "sum" | "mean") {
    this.#mean = aggregation === "mean";
  }

  /**
   * Aggregates a reading into bucket `index`, unless `time` is that of the bucket's first
   * reading: then it is not aggregated and the reason is returned (the first reading wins).
   */
  add(index: number, time: number, value: number): QuarantineReason | undefined {
    const key = Math.floor(index / PAGE_SIZE);
    let page = this.#lastPage;
    if (key !== this.#lastKey || page === undefined) {
      page = this.#pages.get(key);
      if (page === undefined) {
        page = {
          sum: new Float64Array(PAGE_SIZE).fill(Number.NaN),
          count: this.#mean ? new Uint32Array(PAGE_SIZE) : undefined,
          firstTime: new Float64Array(PAGE_SIZE),
          firstValue: new Float64Array(PAGE_SIZE),
        };
        this.#pages.set(key, page);
      }
      this.#lastKey = key;
      this.#lastPage = page;
    }
    const slot = index - key * PAGE_SIZE;
    const sum = page.sum[slot];
    if (Number.isNaN(sum)) {
      page.sum[slot] = value;
      page.firstTime[slot] = time;
      page.firstValue[slot] = value;
    } else if (time === page.firstTime[slot]) {
      return value === page.firstValue[slot] ? "duplicate_row" : "conflicting_duplicate";
    } else {
      page.sum[slot] = sum + value;
    }
    if (page.count !== undefined) page.count[slot]++;
    return undefined;
  }

  /** Buckets with at least one reading, aggregated as this accumulator's `sum` or `mean`. */
  buckets(): Buckets {
    const indices: number[] = [];
    const values: number[] = [];
    const keys = [...this.#pages.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      const { sum, count } = this.#pages.get(key) as Page;
      for (let slot = 0; slot < PAGE_SIZE; slot++) {
        const s = sum[slot];
        if (Number.isNaN(s)) continue;
        indices.push(key * PAGE_SIZE + slot);
        values.push(count === undefined ? s : s / count[slot]);
      }
    }
    return { indices, values };
  }
}
