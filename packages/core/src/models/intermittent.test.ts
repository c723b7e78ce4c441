import { describe, expect, it } from "vitest";
import { isIntermittent } from "../series/intermittency.ts";
import { sesSse } from "../kernels/theta.ts";
import {
  adida,
  adidaFit,
  croston,
  crostonClassic,
  crostonOptimized,
  crostonSba,
  demandsAndIntervals,
  type IntermittentState,
  imapa,
  imapaFit,
  optimalSesAlpha,
  tsb,
  tsbFit,
  tsbRun,
} from "./intermittent.ts";
import type { FitInput, ForecastModel } from "./model.ts";

/**
 * Monthly scripts of one PBS drug, July 1991 – June 2008 (204 months), as sktime ships it
 * (sktime/datasets/data/PBS_dataset/PBS_dataset.csv).
 */
const pbs = Float64Array.from([
  ...[1, 1, 1, 0, 0, 1],
  ...[3, 1, 1, 1, 1, 1, 2, 1, 1, 0, 0, 2],
  ...[0, 0, 1, 2, 0, 1, 0, 0, 1, 1, 1, 1],
  ...[0, 0, 2, 1, 0, 0, 0, 1, 0, 3, 3, 2],
  ...[4, 1, 1, 3, 3, 1, 0, 4, 1, 3, 0, 1],
  ...[2, 5, 14, 2, 0, 0, 3, 6, 2, 2, 2, 5],
  ...[1, 6, 3, 3, 2, 0, 1, 1, 0, 0, 0, 1],
  ...[4, 12, 4, 0, 7, 0, 2, 1, 4, 1, 3, 1],
  ...[0, 6, 9, 3, 1, 3, 1, 7, 1, 3, 3, 3],
  ...[5, 6, 10, 5, 1, 3, 1, 1, 1, 2, 1, 3],
  ...[7, 11, 10, 5, 5, 2, 2, 1, 0, 3, 6, 5],
  ...[8, 9, 1, 1, 0, 0, 0, 1, 2, 2, 0, 0],
  ...[0, 0, 1, 0, 0, 0, 2, 1, 1, 0, 1, 0],
  ...new Array(12).fill(0),
  ...[1, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0],
  ...new Array(30).fill(0),
]);

/** A deterministic intermittent series: sizes 1–5 on about 35% of the steps. */
const sparse = Float64Array.from({ length: 150 }, (_, i) => (Math.sin(i * i) > 0.4 ? 1 + (i % 5) : 0));

const input = (y: Float64Array, seasonalPeriods: number[] = []): FitInput => ({
  y,
  frequency: "D",
  seasonalPeriods,
});

const models: ForecastModel<IntermittentState>[] = [
  crostonClassic(),
  crostonSba(),
  crostonOptimized(),
  tsb(),
  adida(),
  imapa(),
];

describe("Croston's method", () => {
  it("matches R forecast::croston on the PBS series", () => {
    // Reference: sktime sktime/forecasting/tests/test_croston.py, R `croston(ts(PBS$Scripts), h)`
    // with alpha 0.1, 0.5 and 0.05: 0.8688921, 0.6754646, 1.405808.
    expect(pbs).toHaveLength(204);
    expect(croston(pbs, 0.1, 0.1).forecast).toBeCloseTo(0.8688921, 6);
    expect(croston(pbs, 0.5, 0.5).forecast).toBeCloseTo(0.6754646, 6);
    expect(croston(pbs, 0.05, 0.05).forecast).toBeCloseTo(1.405808, 5);
  });

  it("follows the recursions on a tiny series (derived by hand)", () => {
    // Demands 3, 2, 4 → SES(0.1) from 3: 2.9, then 3.01. Intervals 3, 2, 3 → 2.9, then 2.91.
    const y = Float64Array.from([0, 0, 3, 0, 2, 0, 0, 4]);
    expect(Array.from(demandsAndIntervals(y).intervals)).toEqual([3, 2, 3]);
    const state = croston(y, 0.1, 0.1);
    expect(state.demand).toBeCloseTo(3.01, 12);
    expect(state.interval).toBeCloseTo(2.91, 12);
    const model = crostonClassic();
    // States are stored to 7 significant digits.
    for (const v of model.predict(model.fit(input(y)), 3)) expect(v).toBeCloseTo(3.01 / 2.91, 6);
  });

  it("SBA is the classic forecast × (1 − α/2) = × 0.95", () => {
    for (const y of [pbs, sparse]) {
      const classic = crostonClassic().fit(input(y)).forecast;
      expect(crostonSba().fit(input(y)).forecast).toBeCloseTo(classic * 0.95, 5);
    }
  });

  it("optimised: each weight minimises its own SES error within 0.1–0.3", () => {
    const state = crostonOptimized().fit(input(pbs));
    const { demands, intervals } = demandsAndIntervals(pbs.subarray(4));
    for (const [alpha, x] of [
      [state.alphaDemand, demands],
      [state.alphaInterval, intervals],
    ] as const) {
      expect(alpha).toBeGreaterThanOrEqual(0.1);
      expect(alpha).toBeLessThanOrEqual(0.3);
      for (const other of [0.1, 0.15, 0.2, 0.25, 0.3]) {
        expect(sesSse(x, alpha)).toBeLessThanOrEqual(sesSse(x, other) + 1e-9);
      }
    }
    // Two values give an α-free SSE: statsforecast's golden section stops at the midpoint.
    expect(optimalSesAlpha(Float64Array.from([1, 5]))).toBe(0.2);
  });
});

describe("TSB", () => {
  it("follows the recursions on a tiny series (derived by hand)", () => {
    // p: 0 → 0.5 → 0.25 → 0.125; z: 2 from the first demand; one-step forecasts 0, 1, 0.5.
    const { state, sse } = tsbRun(Float64Array.from([0, 2, 0, 0]), 0.5, 0.5);
    expect(state.probability).toBe(0.125);
    expect(state.demand).toBe(2);
    expect(state.forecast).toBe(0.25);
    expect(sse).toBe(4 + 1 + 0.25);
  });

  it("decays toward 0 while demand stays away", () => {
    const base = Float64Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 4 : 0));
    let previous = Number.POSITIVE_INFINITY;
    for (const silence of [0, 5, 15, 40]) {
      const y = Float64Array.from([...base, ...new Array(silence).fill(0)]);
      const state = tsbFit(y);
      const forecast = state.probability * state.demand;
      expect(forecast).toBeLessThan(previous);
      previous = forecast;
    }
    expect(previous).toBeLessThan(0.1);
  });

  it("fits α_d and α_p by least squares within their range", () => {
    const state = tsbFit(sparse);
    const best = tsbRun(sparse, state.alphaDemand, state.alphaProbability).sse;
    for (const [ad, ap] of [
      [0.1, 0.1],
      [0.3, 0.05],
      [0.05, 0.3],
      [0.5, 0.5],
    ]) {
      expect(best).toBeLessThanOrEqual(tsbRun(sparse, ad, ap).sse + 1e-9);
    }
    expect(state.alphaDemand).toBeLessThanOrEqual(0.5);
    expect(state.alphaProbability).toBeGreaterThanOrEqual(0.01);
  });
});

describe("ADIDA and IMAPA", () => {
  it("ADIDA forecasts mean demand / k for demand every k steps", () => {
    const y = Float64Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 6 : 0));
    const state = adidaFit(y);
    expect(state.aggregation).toBe(4);
    expect(state.forecast).toBeCloseTo(6 / 4, 12);
  });

  it("rounds the mean interval half to even, as statsforecast (Python round)", () => {
    // Intervals 2 and 3: mean 2.5 → 2.
    expect(adidaFit(Float64Array.from([0, 1, 0, 0, 1])).aggregation).toBe(2);
    // Intervals 3 and 4: mean 3.5 → 4.
    expect(adidaFit(Float64Array.from([0, 0, 1, 0, 0, 0, 1])).aggregation).toBe(4);
  });

  it("IMAPA averages the levels 1..k (derived by hand)", () => {
    // y = 0, 4, 0, 4: mean interval 2. Level 1: SES SSE 16 + 16α² + 16(1 − α + α²)² falls on
    // [0.1, 0.3], so α = 0.3 and the level goes 0 → 1.2 → 0.84 → 1.788. Level 2: sums 4, 4 → 4,
    // per step 2. IMAPA = (1.788 + 2) / 2; ADIDA = level 2 alone = 2.
    const y = Float64Array.from([0, 4, 0, 4]);
    expect(imapaFit(y).forecast).toBeCloseTo((1.788 + 2) / 2, 5);
    expect(adidaFit(y).forecast).toBe(2);
  });
});

describe("intermittent models", () => {
  it("forecast 0 for an all-zero series and never throw", () => {
    for (const model of models) {
      const state = model.fit(input(new Float64Array(50)));
      expect(Array.from(model.predict(state, 4))).toEqual([0, 0, 0, 0]);
    }
  });

  it("forecast flat and never negative, also with negative readings and gaps", () => {
    const y = Float64Array.from(sparse, (v, i) => (i % 17 === 0 ? -2 : i % 23 === 0 ? Number.NaN : v));
    for (const model of models) {
      const f = model.predict(model.fit(input(y, [7])), 6);
      expect(f.every((v) => v === f[0] && v >= 0 && Number.isFinite(v))).toBe(true);
      expect(f[0]).toBeGreaterThan(0);
    }
  });

  it("have compact, serialisable states", () => {
    for (const model of models) {
      const state = model.fit(input(sparse));
      const restored = JSON.parse(JSON.stringify(state));
      expect(Array.from(model.predict(restored, 2))).toEqual(Array.from(model.predict(state, 2)));
      expect(Object.keys(state).length).toBeLessThanOrEqual(5);
    }
  });

  it("carry the aliases the catalog will use", () => {
    expect(models.map((m) => m.alias)).toEqual([
      "CrostonClassic",
      "CrostonSBA",
      "CrostonOptimized",
      "TSB",
      "ADIDA",
      "IMAPA",
    ]);
  });
});

describe("isIntermittent (Syntetos–Boylan ADI > 1.32) on the Croston test series", () => {
  it("classifies by the average demand interval", () => {
    expect(isIntermittent(pbs)).toBe(true);
    expect(isIntermittent(sparse)).toBe(true);
    expect(isIntermittent(Float64Array.from({ length: 50 }, (_, i) => 1 + (i % 3)))).toBe(false);
    // ADI = 4/3 = 1.33 > 1.32; ADI = 5/4 = 1.25 ≤ 1.32.
    expect(isIntermittent(Float64Array.from([1, 0, 2, 3]))).toBe(true);
    expect(isIntermittent(Float64Array.from([1, 0, 2, 3, 4]))).toBe(false);
    // No demand at all is no pattern: seasonal naive forecasts its zeros as well as any.
    expect(isIntermittent(new Float64Array(10))).toBe(false);
    expect(isIntermittent(Float64Array.from([0, 0, -1, 0, 3]))).toBe(false);
    expect(isIntermittent(Float64Array.from([Number.NaN, 0, 0, Number.NaN, 2]))).toBe(true);
  });
});
