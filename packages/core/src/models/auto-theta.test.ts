import { AIR_PASSENGERS } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import { type ThetaVariant, thetaVariantFit } from "../kernels/dynamic-theta.ts";
import { autoTheta } from "./auto-theta.ts";

const airPassengers = Float64Array.from(AIR_PASSENGERS);

describe("AutoTheta (mirror of statsforecast auto_theta)", () => {
  // Reference: statsforecast tests/test_theta.py::test_auto_theta_models,
  // `forecast_theta(auto_theta(AirPassengers, m, model), 5)["mean"]`. statsforecast asserts the
  // non-seasonal STM/DSTM to 2 decimals and the rest to 0 decimals (|Δ| < 1.5, its optimiser
  // stops early); ours agree with every row within 0.25.
  it.each<[ThetaVariant, number, number[], number]>([
    ["STM", 1, [432.9292, 434.2578, 435.5864, 436.915, 438.2435], 0.005],
    ["DSTM", 1, [432.9292, 434.252, 435.5693, 436.8809, 438.1871], 0.005],
    ["OTM", 1, [433.72150701, 435.83452245, 437.94753789, 440.06055334, 442.17356878], 0.3],
    ["DOTM", 1, [432.5131, 433.4257, 434.3344, 435.2391, 436.1399], 0.3],
    ["STM", 12, [440.7886, 429.0739, 490.4933, 476.4663, 480.4363], 0.3],
    ["OTM", 12, [442.8492, 432.1255, 495.1706, 482.1585, 487.328], 0.3],
    ["DSTM", 12, [440.7631, 429.0512, 490.4711, 476.4495, 480.4251], 0.01],
    ["DOTM", 12, [442.972, 432.3586, 495.5702, 482.6789, 487.9888], 0.1],
  ])("%s with m = %i matches statsforecast", (variant, m, reference, tolerance) => {
    const model = autoTheta({ variants: [variant] });
    const state = model.fit({ y: airPassengers, frequency: "M", seasonalPeriods: m > 1 ? [m] : [] });
    expect(state.variant).toBe(variant);
    expect(state.decomposition).toBe(m > 1 ? "multiplicative" : "none");
    const f = model.predict(state, 5);
    for (const [k, v] of reference.entries()) expect(Math.abs(f[k] - v)).toBeLessThan(tolerance);
  });

  it("keeps the variant with the least in-sample squared error", () => {
    const model = autoTheta();
    const y = Float64Array.from({ length: 150 }, (_, i) => 50 + 0.2 * i + 5 * Math.sin(i * 1.3) + (i % 7));
    const state = model.fit({ y, frequency: "D", seasonalPeriods: [] });
    const sse = (["STM", "OTM", "DSTM", "DOTM"] as const).map((v) => thetaVariantFit(y, v).sse);
    const best = (["STM", "OTM", "DSTM", "DOTM"] as const)[sse.indexOf(Math.min(...sse))];
    expect(state.variant).toBe(best);
  });

  it("goes without season on a series that is not seasonal at its period", () => {
    const y = Float64Array.from({ length: 120 }, (_, i) => 100 + 0.5 * i + 4 * Math.sin(i * i));
    const model = autoTheta();
    const state = model.fit({ y, frequency: "M", seasonalPeriods: [12] });
    expect(state.decomposition).toBe("none");
    expect(state.season).toEqual([]);
  });

  it("deseasonalises additively when the series has values ≤ 0", () => {
    const y = Float64Array.from({ length: 96 }, (_, i) => 10 * Math.sin((2 * Math.PI * i) / 12) + 0.1 * i);
    const model = autoTheta();
    const state = model.fit({ y, frequency: "M", seasonalPeriods: [12] });
    expect(state.decomposition).toBe("additive");
    const f = model.predict(state, 12);
    // The forecast carries the season: peak near phase 3, trough near phase 9 (96 ≡ 0 mod 12).
    expect(f[3]).toBeGreaterThan(f[9] + 15);
  });

  it("forecasts 0 for an all-zero series and a constant for a constant one", () => {
    const model = autoTheta();
    const zeros = model.fit({ y: new Float64Array(40), frequency: "D", seasonalPeriods: [7] });
    expect(Array.from(model.predict(zeros, 5))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(model.variance!(zeros, 2))).toEqual([0, 0]);
    const constant = model.fit({ y: new Float64Array(40).fill(7), frequency: "D", seasonalPeriods: [7] });
    for (const v of model.predict(constant, 5)) expect(v).toBeCloseTo(7, 5);
  });

  it("fits series of three values without throwing", () => {
    const model = autoTheta();
    const state = model.fit({ y: Float64Array.from([1, 2, 3]), frequency: "D", seasonalPeriods: [] });
    expect(model.predict(state, 2).every(Number.isFinite)).toBe(true);
  });

  it("gives an SES-style variance growing with the horizon, scaled by the season", () => {
    const model = autoTheta();
    const state = model.fit({ y: airPassengers, frequency: "M", seasonalPeriods: [12] });
    const v = model.variance!(state, 24);
    expect(v[0]).toBeCloseTo(state.sigma2 * state.season[0] ** 2, 8);
    // Same phase a year apart: strictly larger by σ²·α²·12·s².
    expect(v[12] - v[0]).toBeCloseTo(state.sigma2 * state.alpha ** 2 * 12 * state.season[0] ** 2, 6);
  });

  it("fits a 150-point series in a few milliseconds", () => {
    const model = autoTheta();
    const y = Float64Array.from(
      { length: 150 },
      (_, i) => 80 + 0.1 * i + 10 * Math.sin(i / 2) + Math.cos(i * i),
    );
    model.fit({ y, frequency: "D", seasonalPeriods: [7] });
    const start = performance.now();
    for (let k = 0; k < 10; k++) model.fit({ y, frequency: "D", seasonalPeriods: [7] });
    // A generous bound for a shared machine; typically ~2 ms per fit.
    expect((performance.now() - start) / 10).toBeLessThan(50);
  });
});
