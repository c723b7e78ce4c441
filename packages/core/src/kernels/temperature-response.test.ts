import { describe, expect, it } from "vitest";
import {
  balancePointCandidates,
  coolingDegrees,
  fahrenheitToCelsius,
  fitTemperatureResponse,
  heatingDegrees,
  segmentKnots,
  temperatureLoad,
  temperatureSegments,
} from "./temperature-response.ts";

/** Temperatures −5…40 °C in steps of 0.5, shuffled deterministically (order must not matter). */
const temps = Float64Array.from({ length: 91 }, (_, i) => -5 + 0.5 * ((i * 37) % 91));

describe("temperature response kernel", () => {
  it("computes heating and cooling degrees", () => {
    expect(Array.from(heatingDegrees([10, 18, 20], 18))).toEqual([8, 0, 0]);
    expect(Array.from(coolingDegrees([10, 24, 30], 24))).toEqual([0, 0, 6]);
  });

  it("places candidates on whole steps inside the 10th–90th percentile range", () => {
    const t = Float64Array.from({ length: 101 }, (_, i) => i / 10); // 0 … 10
    expect(balancePointCandidates(t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(balancePointCandidates(t, 2, [0.25, 0.75])).toEqual([4, 6]);
  });

  it("recovers 3·max(0, 18 − T) + 2·max(0, T − 24) + 100 exactly", () => {
    const y = temps.map((t) => 3 * Math.max(0, 18 - t) + 2 * Math.max(0, t - 24) + 100);
    const r = fitTemperatureResponse(y, temps);
    expect(r.heatingBalance).toBe(18);
    expect(r.coolingBalance).toBe(24);
    expect(r.heatingSlope).toBeCloseTo(3, 9);
    expect(r.coolingSlope).toBeCloseTo(2, 9);
    expect(r.intercept).toBeCloseTo(100, 9);
    expect(r.sse).toBeLessThan(1e-12 * 1e6);
    expect(temperatureLoad(r, [10, 20, 30])[0]).toBeCloseTo(24, 9);
    expect(temperatureLoad(r, [10, 20, 30])[2]).toBeCloseTo(12, 9);
  });

  it("keeps only the heating term for a heating-only customer", () => {
    const y = temps.map((t) => 5 * Math.max(0, 15 - t) + 40);
    const r = fitTemperatureResponse(y, temps);
    expect(r.heatingBalance).toBe(15);
    expect(r.coolingBalance).toBeNull();
    expect(r.heatingSlope).toBeCloseTo(5, 9);
    expect(r.coolingSlope).toBe(0);
    expect(r.intercept).toBeCloseTo(40, 9);
  });

  it("drops a term whose slope would be negative: load falling with heat is no cooling", () => {
    // Load falls linearly all the way up: admissible only as heating (positive slope on HDD).
    const y = temps.map((t) => 200 - 2 * t);
    const r = fitTemperatureResponse(y, temps);
    expect(r.coolingBalance).toBeNull();
    expect(r.coolingSlope).toBe(0);
    expect(r.heatingSlope).toBeGreaterThan(0);
  });

  it("finds no response in a flat load, nor in alternating noise", () => {
    const flat = fitTemperatureResponse(new Float64Array(temps.length).fill(7), temps);
    expect(flat.heatingBalance).toBeNull();
    expect(flat.coolingBalance).toBeNull();
    expect(flat.intercept).toBeCloseTo(7, 12);
    const noise = temps.map((_, i) => 50 + (i % 2 === 0 ? 1 : -1));
    const r = fitTemperatureResponse(noise, temps);
    expect(r.heatingBalance).toBeNull();
    expect(r.coolingBalance).toBeNull();
  });

  it("profiles the balance points out of a larger regression through the residualizer", () => {
    // y = 4·HDD(16) + 30·x + 10 with an unrelated regressor x; residualize on [1, x].
    const x = temps.map((_, i) => Math.sin(i));
    const y = temps.map((t, i) => 4 * Math.max(0, 16 - t) + 30 * x[i] + 10);
    const n = temps.length;
    const mx = x.reduce((a, b) => a + b, 0) / n;
    const xc = x.map((v) => v - mx);
    const xx = xc.reduce((a, v) => a + v * v, 0);
    const residualize = (c: Float64Array) => {
      const m = c.reduce((a, b) => a + b, 0) / n;
      const b = c.reduce((a, v, i) => a + (v - m) * xc[i], 0) / xx;
      return c.map((v, i) => v - m - b * xc[i]);
    };
    const r = fitTemperatureResponse(y, temps, { residualize });
    expect(r.heatingBalance).toBe(16);
    expect(r.heatingSlope).toBeCloseTo(4, 9);
    expect(r.coolingBalance).toBeNull();
  });

  it("builds continuous TOWT segments that sum back to the temperature", () => {
    const knots = [10, 20];
    const t = [5, 15, 25];
    const seg = temperatureSegments(t, knots);
    // Columns: min(t, 10) | degrees in (10, 20] | degrees above 20.
    expect(Array.from(seg)).toEqual([5, 10, 10, 0, 5, 10, 0, 0, 5]);
    for (let i = 0; i < 3; i++) expect(seg[i] + seg[3 + i] + seg[6 + i]).toBe(t[i]);
  });

  it("merges a segment with too few temperatures into its neighbour", () => {
    const t = Float64Array.from({ length: 100 }, (_, i) => i / 10); // 0 … 9.9
    expect(segmentKnots(t, [2, 5, 9.5], 20)).toEqual([2, 5]);
    expect(fahrenheitToCelsius(50)).toBeCloseTo(10, 12);
  });
});
