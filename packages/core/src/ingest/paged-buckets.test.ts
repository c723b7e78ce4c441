import { describe, expect, it } from "vitest";
import { type Buckets, PagedBuckets, PagePool } from "./paged-buckets.ts";

const plain = (b: Buckets) => ({ indices: Array.from(b.indices), values: Array.from(b.values) });

describe("PagedBuckets", () => {
  it("sums or averages the readings of each bucket, in index order, across pages and below zero", () => {
    const sum = new PagedBuckets("sum");
    const mean = new PagedBuckets("mean");
    // Time is the reading's position: every reading is distinct.
    for (const [time, [index, value]] of [
      [5000, 1],
      [-3, 2],
      [7, 3],
      [5000, 5],
      [-3, 4],
      [255, 1],
      [256, 2],
    ].entries()) {
      expect(sum.add(index, time, value)).toBeUndefined();
      expect(mean.add(index, time, value)).toBeUndefined();
    }
    expect(plain(sum.buckets())).toEqual({ indices: [-3, 7, 255, 256, 5000], values: [6, 3, 1, 2, 6] });
    expect(plain(mean.buckets())).toEqual({ indices: [-3, 7, 255, 256, 5000], values: [3, 3, 1, 2, 3] });
  });

  it("keeps a bucket whose readings sum to zero (a reading of 0 is data, not a gap)", () => {
    const buckets = new PagedBuckets("sum");
    buckets.add(1, 10, 0);
    buckets.add(2, 20, 0);
    buckets.add(2, 21, 0);
    expect(plain(buckets.buckets())).toEqual({ indices: [1, 2], values: [0, 0] });
  });

  it("rejects a repeat of a bucket's first reading, however many readings came between, and keeps the first", () => {
    for (const aggregation of ["sum", "mean"] as const) {
      const buckets = new PagedBuckets(aggregation);
      for (let i = 0; i < 600; i++) buckets.add(i, i * 10, i);
      expect(buckets.add(0, 0, 0)).toBe("duplicate_row");
      expect(buckets.add(1, 10, 7)).toBe("conflicting_duplicate");
      expect(buckets.add(599, 5990, 599)).toBe("duplicate_row");
      expect(buckets.add(300, 3000, 0)).toBe("conflicting_duplicate");
      const { indices, values } = buckets.buckets();
      expect(indices).toHaveLength(600);
      expect(Array.from(values.slice(0, 2))).toEqual([0, 1]);
      expect(values[300]).toBe(300);
      expect(values[599]).toBe(599);
    }
  });

  it("still aggregates readings finer than the bucket, and a repeat of any but the first is not caught", () => {
    const sum = new PagedBuckets("sum");
    const mean = new PagedBuckets("mean");
    // Four quarter-hour readings of bucket 0 (times 0, 15, 30, 45), then a distant repeat of each.
    for (const b of [sum, mean]) {
      for (const [time, value] of [
        [0, 1],
        [15, 2],
        [30, 3],
        [45, 4],
      ]) {
        expect(b.add(0, time, value)).toBeUndefined();
      }
      expect(b.add(0, 0, 1)).toBe("duplicate_row");
      expect(b.add(0, 0, 9)).toBe("conflicting_duplicate");
      // The known limit: 15 is not the bucket's first reading, so its repeat is aggregated.
      expect(b.add(0, 15, 2)).toBeUndefined();
    }
    expect(plain(sum.buckets())).toEqual({ indices: [0], values: [12] });
    expect(plain(mean.buckets())).toEqual({ indices: [0], values: [12 / 5] });
  });

  it("starts a reused page empty: no sum, count or first reading of the customer that released it", () => {
    for (const aggregation of ["sum", "mean"] as const) {
      const pool = new PagePool(aggregation);
      const first = new PagedBuckets(aggregation, pool);
      first.add(5, 50, 4);
      first.add(5, 51, 6);
      expect(plain(first.buckets())).toEqual({ indices: [5], values: [aggregation === "sum" ? 10 : 5] });
      first.release();
      const next = new PagedBuckets(aggregation, pool);
      // The same bucket and time is this customer's first reading, not a repeat.
      expect(next.add(5, 50, 1)).toBeUndefined();
      expect(next.add(7, 70, 2)).toBeUndefined();
      expect(plain(next.buckets())).toEqual({ indices: [5, 7], values: [1, 2] });
    }
  });
});
