import { describe, expect, it } from "vitest";
import { frequencyFromGaps, historyGaps, sampleGaps } from "./infer-frequency.ts";
import { mulberry32 } from "./generate.ts";
import { parseTimestamp } from "./timestamp.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("frequencyFromGaps", () => {
  it("uses the median step of regular readings, despite missing ones and an outage", () => {
    const gaps = [...Array(90).fill(HOUR), ...Array(9).fill(2 * HOUR), 30 * DAY];
    expect(frequencyFromGaps(gaps)).toBe("H");
    expect(frequencyFromGaps(Array(50).fill(15 * MIN))).toBe("15min");
    expect(frequencyFromGaps(Array(50).fill(DAY))).toBe("D");
    expect(frequencyFromGaps(Array(50).fill(7 * DAY))).toBe("W");
  });

  it("reads calendar months of 28 to 31 days as M", () => {
    const gaps = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31].map((d) => d * DAY);
    expect(frequencyFromGaps(gaps)).toBe("M");
  });

  it("uses the trimmed mean for random reading times, whose median is ln 2 of the interval", () => {
    const random = mulberry32(3);
    // Poisson arrivals, one an hour on average: exponential gaps.
    const gaps = Array.from({ length: 5000 }, () => -Math.log(1 - random()) * HOUR);
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[2500] / HOUR).toBeLessThan(0.75); // the median alone would say 30min
    expect(frequencyFromGaps(gaps)).toBe("H");
  });

  it("has no answer without a gap", () => {
    expect(frequencyFromGaps([])).toBeUndefined();
  });
});

describe("sampleGaps", () => {
  it("sorts and deduplicates each customer's readings before taking gaps", () => {
    const customers = Int32Array.from([0, 1, 0, 0, 1, 0]);
    const times = Float64Array.from([3 * HOUR, 0, HOUR, 2 * HOUR, 5 * HOUR, 2 * HOUR]);
    expect(sampleGaps(customers, times, 6).sort()).toEqual([HOUR, HOUR, 5 * HOUR].sort());
  });
});

describe("historyGaps", () => {
  it("takes the gaps of a series file's first rows", () => {
    const csv =
      "timestamp,value\n2025-01-01T00:00:00.000Z,1\n2025-01-01T01:00:00.000Z,2\n2025-01-01T03:00:00.000Z,3\n";
    expect(historyGaps(csv, parseTimestamp)).toEqual([HOUR, 2 * HOUR]);
    expect(historyGaps("timestamp,value\n", parseTimestamp)).toEqual([]);
  });
});
