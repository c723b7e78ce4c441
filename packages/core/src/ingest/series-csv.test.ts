import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketStart, FREQUENCIES } from "../series/frequency.ts";
import { seriesToCsv } from "../series/series.ts";
import { encodeSeriesCsv } from "./series-csv.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("encodeSeriesCsv", () => {
  it("writes exactly what seriesToCsv writes, for any frequency, values and gaps", () => {
    const value = fc.oneof(
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1000),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map((n) => n / 1000),
      fc.constantFrom(Number.NaN, 0, 1e-7, 123456789012345.6, 1e21, 5e-324),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...FREQUENCIES),
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.array(value, { maxLength: 60 }),
        (frequency, t, values) => {
          const series = { start: bucketStart(t, frequency), frequency, values: Float64Array.from(values) };
          expect(decode(encodeSeriesCsv(series))).toBe(seriesToCsv(series));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("falls back to toISOString's extended years", () => {
    const series = {
      start: Date.UTC(9999, 11, 31, 22),
      frequency: "H" as const,
      values: Float64Array.from([1, 2, 3]),
    };
    expect(decode(encodeSeriesCsv(series))).toBe(seriesToCsv(series));
    expect(decode(encodeSeriesCsv(series))).toContain("+010000-01-01T00:00:00.000Z,3");
  });

  it("has room for long series of the longest lines (extended years, long numbers)", () => {
    const values = Float64Array.from({ length: 50_000 }, (_, i) => i * 1.5);
    const series = { start: Date.UTC(2020, 0, 1), frequency: "1min" as const, values };
    expect(decode(encodeSeriesCsv(series))).toBe(seriesToCsv(series));
    const longest = {
      start: Date.UTC(10_000, 0, 1),
      frequency: "H" as const,
      values: Float64Array.from({ length: 5000 }, (_, i) => -(i + 1) / 3e299),
    };
    expect(decode(encodeSeriesCsv(longest))).toBe(seriesToCsv(longest));
  });
});
