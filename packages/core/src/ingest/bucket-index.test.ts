import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketStart, FREQUENCIES } from "../series/frequency.ts";
import { bucketGrid } from "./bucket-index.ts";

describe("bucketGrid", () => {
  it.each(FREQUENCIES)("numbers the buckets of bucketStart consecutively (%s)", (frequency) => {
    const grid = bucketGrid(frequency);
    const instants = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) });
    fc.assert(
      fc.property(instants, (t) => {
        const index = grid.index(t);
        expect(grid.time(index)).toBe(bucketStart(t, frequency));
        expect(grid.index(grid.time(index + 1))).toBe(index + 1);
        expect(grid.time(index + 1)).toBeGreaterThan(t);
      }),
      { numRuns: 300 },
    );
  });

  it("starts weeks on Monday and quarters in January, April, July, October", () => {
    const monday = Date.UTC(2025, 0, 6);
    const week = bucketGrid("W");
    expect(week.time(week.index(Date.UTC(2025, 0, 12, 23)))).toBe(monday);
    expect(week.index(Date.UTC(2025, 0, 13))).toBe(week.index(monday) + 1);
    const quarter = bucketGrid("Q");
    expect(new Date(quarter.time(quarter.index(Date.UTC(2025, 5, 30)))).toISOString()).toBe(
      "2025-04-01T00:00:00.000Z",
    );
  });
});
