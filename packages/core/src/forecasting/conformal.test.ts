import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import {
  calibrateErrors,
  effectiveErrors,
  type ErrorWindow,
  errorAt,
  errorQuantiles,
  PRIOR_ERRORS,
  seasonalNaiveSigma,
  withPrior,
} from "./conformal.ts";

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

describe("calibration with few backtest errors", () => {
  it("counts independent errors in full and a window that moves together as few", () => {
    const independent = windows(3, 100, () => 1);
    expect(effectiveErrors(independent)).toBeGreaterThan(200);
    // Each window one level shift plus a little noise: three windows are ~three observations.
    const draw = normal(5);
    const shifted: ErrorWindow[] = [4, -3, 5].map((shift, w) => ({
      start: w * 18,
      errors: Float64Array.from({ length: 18 }, () => shift + 0.05 * draw()),
    }));
    expect(effectiveErrors(shifted)).toBeLessThan(3);
  });

  it("leans on the model's own distribution when the backtest is too short to say", () => {
    // Two short windows of tiny errors: conformal alone would promise a band near zero width.
    const narrow = calibrateErrors(windows(2, 4, () => 0.01));
    const sigma = [1, 1.5, 2, 2.5];
    const blended = withPrior(narrow, sigma, effectiveErrors(windows(2, 4, () => 0.01)));
    expect(blended.prior!.weight).toBeGreaterThan(0.6);
    expect(errorAt(blended, 4, 0.9)).toBeGreaterThan(0.6 * 1.2816 * 2.5);
    expect(errorAt(blended, 4, 0.9)).toBeLessThanOrEqual(1.2816 * 2.5 + 0.05);
    // Beyond the known steps the model's spread keeps growing as √step.
    expect(errorAt(blended, 16, 0.9)).toBeGreaterThan(errorAt(blended, 4, 0.9));
    // Quantiles stay monotone in the level.
    let last = Number.NEGATIVE_INFINITY;
    for (let q = 0.01; q < 1; q += 0.01) {
      const e = errorAt(blended, 3, q);
      expect(e).toBeGreaterThanOrEqual(last);
      last = e;
    }
  });

  it("keeps conformal quantiles when the errors are plenty", () => {
    const many = windows(8, 100, () => 2);
    const plain = calibrateErrors(many);
    // A model distribution twice as wide moves the 90% error by a few percent only.
    const blended = withPrior(plain, new Float64Array(100).fill(4), effectiveErrors(many));
    expect(blended.prior!.weight).toBeLessThan(PRIOR_ERRORS / 500);
    expect(errorAt(blended, 10, 0.9)).toBeGreaterThan(errorAt(plain, 10, 0.9));
    expect(errorAt(blended, 10, 0.9)).toBeLessThan(1.05 * errorAt(plain, 10, 0.9));
  });

  it("ignores a model distribution that is not finite", () => {
    const plain = calibrateErrors(windows(1, 5, () => 1));
    expect(withPrior(plain, [1, Number.NaN], 1)).toBe(plain);
  });

  it("gives the seasonal random walk's spread, growing once per season (R snaive)", () => {
    // y repeats a season of 4 plus steps of ±1: y[t] − y[t − 4] is ±1, so σ̂ = 1.
    const y = Float64Array.from({ length: 40 }, (_, t) => (t % 4) * 10 + (Math.floor(t / 4) % 2 ? 1 : 0));
    const sigma = seasonalNaiveSigma(y, 4, 9);
    for (let s = 0; s < 4; s++) expect(sigma[s]).toBeCloseTo(1, 12);
    for (let s = 4; s < 8; s++) expect(sigma[s]).toBeCloseTo(Math.SQRT2, 12);
    expect(sigma[8]).toBeCloseTo(Math.sqrt(3), 12);
    // Without a season it is the random walk's: σ̂ √s.
    const walk = seasonalNaiveSigma(
      Float64Array.from({ length: 10 }, (_, t) => 2 * t),
      1,
      3,
    );
    expect(Array.from(walk)).toEqual([2, 2 * Math.SQRT2, 2 * Math.sqrt(3)]);
  });
});
