import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import { calibrateErrors, type ErrorWindow, errorAt, errorQuantiles } from "./conformal.ts";

function normal(seed: number): () => number {
  const random = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function windows(
  count: number,
  steps: number,
  sigma: (start: number, s: number) => number,
  seed = 1,
): ErrorWindow[] {
  const draw = normal(seed);
  return Array.from({ length: count }, (_, w) => {
    const start = 1000 + w * steps;
    return { start, errors: Float64Array.from({ length: steps }, (_, s) => sigma(start, s) * draw()) };
  });
}

describe("conformal error quantiles", () => {
  it("calibrates P10–P90 to cover ~80% of fresh errors from the same distribution", () => {
    const errors = calibrateErrors(windows(4, 100, () => 2));
    expect(errorAt(errors, 1, 0.9)).toBeCloseTo(2 * 1.2816, 0);
    const draw = normal(99);
    let inside = 0;
    for (let i = 0; i < 20_000; i++) {
      const e = 2 * draw();
      const step = 1 + (i % 100);
      if (e >= errorAt(errors, step, 0.1) && e <= errorAt(errors, step, 0.9)) inside++;
    }
    expect(inside / 20_000).toBeGreaterThan(0.75);
    expect(inside / 20_000).toBeLessThan(0.85);
  });

  it("learns how errors grow with the horizon", () => {
    const errors = calibrateErrors(windows(6, 100, (_, s) => Math.sqrt(s + 1)));
    expect(errors.growth[1]).toBeGreaterThan(0);
    const ratio = errorAt(errors, 100, 0.9) / errorAt(errors, 1, 0.9);
    expect(ratio).toBeGreaterThan(5);
    expect(ratio).toBeLessThan(15);
  });

  it("learns a phase profile (errors larger at some hours) and aligns it with the forecast origin", () => {
    const sigma = (start: number, s: number) => ((start + s) % 24 < 12 ? 1 : 3);
    const errors = calibrateErrors(windows(6, 168, sigma), { period: 24, origin: 12 });
    // Step 1 is index 12: a "large" phase; step 13 is index 24: a "small" one. The true ratio
    // is 3; the profile is shrunk toward 1 a little.
    const ratio = errorAt(errors, 1, 0.9) / errorAt(errors, 13, 0.9);
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(4);
    expect(errors.profile).toHaveLength(24);
  });

  it("widens small calibration sets (split-conformal finite-sample level)", () => {
    // Nine errors 1..9: the 90% level reads the ⌈0.9·10⌉ = 9th score, not the interpolated 8.2.
    const errors = errorQuantiles([[1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(errorAt(errors, 1, 0.9) / errorAt(errors, 1, 0.5)).toBeCloseTo(9 / 5, 6);
  });

  it("collapses onto the point forecast without errors, and widens past the calibrated steps", () => {
    expect(errorAt(errorQuantiles([[], []]), 1, 0.9)).toBe(0);
    const errors = calibrateErrors(windows(4, 10, () => 1));
    expect(errorAt(errors, 40, 0.9) / errorAt(errors, 10, 0.9)).toBeCloseTo(2, 6);
  });

  it("reads explicit per-step tables (imported forecasts)", () => {
    const table = {
      grid: [0.1, 0.5, 0.9],
      byStep: [
        [-1, 0, 1],
        [-2, 0, 2],
      ],
    };
    expect(errorAt(table, 1, 0.7)).toBeCloseTo(0.5, 12);
    expect(errorAt(table, 2, 0.95)).toBe(2);
    expect(errorAt(table, 8, 0.9)).toBeCloseTo(4, 12);
  });

  it("gives quantiles that never decrease with the level, whatever the errors (property)", () => {
    const finiteOrGap = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(
        fc.array(fc.array(finiteOrGap, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.double({ min: 0.001, max: 0.999, noNaN: true }), { minLength: 2, maxLength: 8 }),
        (rows, period, levels) => {
          const errors = calibrateErrors(
            rows.map((e, w) => ({ start: w * 7, errors: e })),
            { period, origin: 5 },
          );
          const qs = [...levels].sort((a, b) => a - b);
          for (let step = 1; step <= 40; step++) {
            const values = qs.map((q) => errorAt(errors, step, q));
            for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
