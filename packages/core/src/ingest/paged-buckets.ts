const PAGE_SIZE = 256;

interface Page {
  /** NaN until the bucket's first reading. */
  sum: Float64Array;
  /** Readings per bucket; only kept for `mean`. */
  count: Uint32Array | undefined;
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
 * times the rows over the same customers and range fill the same pages: 8 bytes a bucket for
 * `sum` (NaN marks "no reading", so a sum of zero stays data), 12 for `mean`; a year of hours is
 * 70 KB a customer.
 */
export class PagedBuckets {
  readonly #pages = new Map<number, Page>();
  readonly #mean: boolean;
  #lastKey = Number.NaN;
  #lastPage: Page | undefined;

  constructor(aggregation: "sum" | "mean") {
    this.#mean = aggregation === "mean";
  }

  add(index: number, value: number): void {
    const key = Math.floor(index / PAGE_SIZE);
    let page = this.#lastPage;
    if (key !== this.#lastKey || page === undefined) {
      page = this.#pages.get(key);
      if (page === undefined) {
        page = {
          sum: new Float64Array(PAGE_SIZE).fill(Number.NaN),
          count: this.#mean ? new Uint32Array(PAGE_SIZE) : undefined,
        };
        this.#pages.set(key, page);
      }
      this.#lastKey = key;
      this.#lastPage = page;
    }
    const slot = index - key * PAGE_SIZE;
    const sum = page.sum[slot];
    page.sum[slot] = Number.isNaN(sum) ? value : sum + value;
    if (page.count !== undefined) page.count[slot]++;
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
