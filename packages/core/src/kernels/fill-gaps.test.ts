import { describe, expect, it } from "vitest";
import { fillGaps, recent } from "./fill-gaps.ts";

const N = Number.NaN;

describe("fillGaps", () => {
  it("returns the input itself when there is no gap", () => {
    const y = Float64Array.from([1, 2, 3]);
    expect(fillGaps(y)).toBe(y);
  });

  it("interpolates short gaps linearly and drops leading ones", () => {
    expect(Array.from(fillGaps(Float64Array.from([N, N, 1, N, 3, N, N, 6])))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("fills a long gap with the season before, bent to meet both edges", () => {
    const season = [0, 10, 20, 10];
    const y = Float64Array.from({ length: 16 }, (_, t) => season[t % 4] + (t >= 8 ? 1 : 0));
    const holed = Float64Array.from(y);
    holed.fill(N, 5, 8);
    const filled = fillGaps(holed, 4);
    // The season repeats; the level shift of 1 between the edges is spread over the gap.
    expect(filled[5]).toBeCloseTo(10 + 0.25, 12);
    expect(filled[6]).toBeCloseTo(20 + 0.5, 12);
    expect(filled[7]).toBeCloseTo(10 + 0.75, 12);
  });

  it("extends trailing gaps with the last season", () => {
    const filled = fillGaps(Float64Array.from([1, 2, 3, 1, 2, 3, 1, N, N]), 3);
    expect(Array.from(filled.subarray(7))).toEqual([2, 3]);
    expect(Array.from(fillGaps(Float64Array.from([4, N])))).toEqual([4, 4]);
  });

  it("throws on a series with no reading, and `recent` takes the tail without copying", () => {
    expect(() => fillGaps(Float64Array.from([N, N]))).toThrow(/no readings/);
    const y = Float64Array.from([1, 2, 3, 4]);
    expect(Array.from(recent(y, 2))).toEqual([3, 4]);
    expect(recent(y, 9)).toBe(y);
  });
});
