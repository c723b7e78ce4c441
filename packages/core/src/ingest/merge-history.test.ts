import { describe, expect, it } from "vitest";
import { seriesToCsv } from "../series/series.ts";
import { bucketGrid } from "./bucket-index.ts";
import { mergeHistory } from "./merge-history.ts";

const HOURLY = bucketGrid("H");
const H0 = HOURLY.index(Date.UTC(2025, 0, 1));
const bytes = (text: string) => new TextEncoder().encode(text);
const csv = (rows: string[]) => bytes(`timestamp,value\n${rows.map((r) => `${r}\n`).join("")}`);

describe("mergeHistory", () => {
  it("keeps the history, adds new buckets and lets the upload win where both have one", () => {
    const history = csv(["2025-01-01T00:00:00.000Z,1", "2025-01-01T01:00:00.000Z,2"]);
    const merged = mergeHistory(history, { indices: [H0 + 1, H0 + 3], values: [20, 4] }, HOURLY, "sum");
    expect(merged.changed).toBe(true);
    expect(merged.points).toBe(3);
    // Hour 1 held 2 and now holds 20: one replaced reading.
    expect(merged).toMatchObject({ replaced: 1, resent: 0 });
    expect(seriesToCsv(merged.series)).toBe(
      "timestamp,value\n2025-01-01T00:00:00.000Z,1\n2025-01-01T01:00:00.000Z,20\n2025-01-01T03:00:00.000Z,4\n",
    );
    expect(Array.from(merged.series.values)).toEqual([1, 20, Number.NaN, 4]);
  });

  it("reports no change when the upload repeats what the history holds", () => {
    const history = csv(["2025-01-01T00:00:00.000Z,1.5", "2025-01-01T02:00:00.000Z,0.1"]);
    const merged = mergeHistory(history, { indices: [H0, H0 + 2], values: [1.5, 0.1] }, HOURLY, "sum");
    expect(merged).toMatchObject({ changed: false, points: 2, replaced: 0, resent: 2 });
  });

  it("starts a series from the upload alone", () => {
    const merged = mergeHistory(undefined, { indices: [H0 + 2, H0 + 5], values: [1, 2] }, HOURLY, "mean");
    expect(merged).toMatchObject({ changed: true, points: 2 });
    expect(merged.series.start).toBe(Date.UTC(2025, 0, 1, 2));
    expect(merged.series.values).toHaveLength(4);
  });

  it("re-buckets finer history when the dataset frequency became coarser", () => {
    const history = csv([
      "2025-01-01T00:00:00.000Z,1",
      "2025-01-01T05:00:00.000Z,3",
      "2025-01-02T00:00:00.000Z,5",
    ]);
    const daily = bucketGrid("D");
    const d0 = daily.index(Date.UTC(2025, 0, 1));
    expect(
      Array.from(mergeHistory(history, { indices: [], values: [] }, daily, "sum").series.values),
    ).toEqual([4, 5]);
    const mean = mergeHistory(history, { indices: [d0 + 2], values: [7] }, daily, "mean");
    expect(Array.from(mean.series.values)).toEqual([2, 5, 7]);
    expect(mean.changed).toBe(true);
  });

  it("reads unsorted or hand-edited history and rewrites it in order", () => {
    const history = csv(["2025-01-01T02:00:00.000Z,3", "garbage", "2025-01-01T00:00:00.000Z,1"]);
    const merged = mergeHistory(history, { indices: [H0 + 2], values: [3] }, HOURLY, "sum");
    expect(merged.changed).toBe(true);
    expect(Array.from(merged.series.values)).toEqual([1, Number.NaN, 3]);
  });
});
