import { describe, expect, it } from "vitest";
import { PagedBuckets } from "./paged-buckets.ts";

describe("PagedBuckets", () => {
  it("sums or averages the readings of each bucket, in index order, across pages and below zero", () => {
    const sum = new PagedBuckets("sum");
    const mean = new PagedBuckets("mean");
    for (const [index, value] of [
      [5000, 1],
      [-3, 2],
      [7, 3],
      [5000, 5],
      [-3, 4],
      [255, 1],
      [256, 2],
    ]) {
      sum.add(index, value);
      mean.add(index, value);
    }
    expect(sum.buckets()).toEqual({ indices: [-3, 7, 255, 256, 5000], values: [6, 3, 1, 2, 6] });
    expect(mean.buckets()).toEqual({ indices: [-3, 7, 255, 256, 5000], values: [3, 3, 1, 2, 3] });
  });

  it("keeps a bucket whose readings sum to zero (a reading of 0 is data, not a gap)", () => {
    const buckets = new PagedBuckets("sum");
    buckets.add(1, 0);
    buckets.add(2, 0);
    buckets.add(2, 0);
    expect(buckets.buckets()).toEqual({ indices: [1, 2], values: [0, 0] });
  });
});
