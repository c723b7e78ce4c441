import type { QuarantineReason } from "./reasons.ts";

const PAGE_BITS = 8;
const PAGE_SIZE = 1 << PAGE_BITS;

interface Page {
  /** NaN until the bucket's first reading. */
  sum: Float64Array;
  /** Readings per bucket; only kept for `mean`. */
  count: Uint32Array | undefined;
  /** The bucket's first reading, to recognise a repeat of it anywhere in the file. */
  firstTime: Float64Array;
  firstValue: Float64Array;
}

/**
 * Pages given back by the customers already written, for the next ones: fresh pages were a
 * third of what Preprocess allocated, each a trigger for garbage collection. Holds at most the
 * pages of the customers written so far that were not taken again.
 */
export class PagePool {
  readonly #mean: boolean;
  readonly #free: Page[] = [];

  constructor(aggregation: "sum" | "mean") {
    this.#mean = aggregation === "mean";
  }

  take(): Page {
    const page = this.#free.pop();
    if (page === undefined) {
      return {
        sum: new Float64Array(PAGE_SIZE).fill(Number.NaN),
        count: this.#mean ? new Uint32Array(PAGE_SIZE) : undefined,
        firstTime: new Float64Array(PAGE_SIZE),
        firstValue: new Float64Array(PAGE_SIZE),
      };
    }
    // firstTime and firstValue are written with a bucket's first reading: no need to clear.
    page.sum.fill(Number.NaN);
    page.count?.fill(0);
    return page;
  }

  give(pages: Iterable<Page>): void {
    for (const page of pages) this.#free.push(page);
  }
}

/** One customer's buckets with a reading, in time order. */
export interface Buckets {
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
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
  readonly #pool: PagePool;
  #lastKey = Number.NaN;
  #lastPage: Page | undefined;
  /** Buckets with a reading. */
  #filled = 0;

  /** `pool`, when given, must be of the same aggregation. */
  constructor(aggregation: "sum" | "mean", pool = new PagePool(aggregation)) {
    this.#pool = pool;
  }

  /**
   * Aggregates a reading into bucket `index`, unless `time` is that of the bucket's first
   * reading: then it is not aggregated and the reason is returned (the first reading wins).
   */
  add(index: number, time: number, value: number): QuarantineReason | undefined {
    // Integer shifts: bucket indices fit 32 bits (minutes from 1900 to 2100 are under 2^27).
    const key = index >> PAGE_BITS;
    let page = this.#lastPage;
    if (key !== this.#lastKey || page === undefined) {
      page = this.#pages.get(key);
      if (page === undefined) {
        page = this.#pool.take();
        this.#pages.set(key, page);
      }
      this.#lastKey = key;
      this.#lastPage = page;
    }
    const slot = index & (PAGE_SIZE - 1);
    const sum = page.sum[slot];
    if (Number.isNaN(sum)) {
      this.#filled++;
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

  /**
   * Buckets with at least one reading, aggregated as this accumulator's `sum` or `mean`, in
   * typed arrays of their exact size: arrays grown by `push` for a year of hours per customer
   * were most of Preprocess's garbage.
   */
  buckets(): { indices: Float64Array; values: Float64Array } {
    const keys = [...this.#pages.keys()].sort((a, b) => a - b);
    const indices = new Float64Array(this.#filled);
    const values = new Float64Array(this.#filled);
    let i = 0;
    for (const key of keys) {
      const { sum, count } = this.#pages.get(key) as Page;
      for (let slot = 0; slot < PAGE_SIZE; slot++) {
        const s = sum[slot];
        if (Number.isNaN(s)) continue;
        indices[i] = key * PAGE_SIZE + slot;
        values[i++] = count === undefined ? s : s / count[slot];
      }
    }
    return { indices, values };
  }

  /** Gives the pages back to the pool: this accumulator is empty afterwards. */
  release(): void {
    this.#pool.give(this.#pages.values());
    this.#pages.clear();
    this.#lastKey = Number.NaN;
    this.#lastPage = undefined;
    this.#filled = 0;
  }
}
