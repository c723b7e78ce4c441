import { AIR_PASSENGERS } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import {
  type EtsModelSpec,
  etsAdmissible,
  etsForecastVariance,
  etsInitialStates,
  etsPointForecast,
  etsRun,
  fitEtsModel,
} from "./ets-state-space.ts";

const AIR = Float64Array.from(AIR_PASSENGERS);

// R forecast 8.x, `ets(AirPassengers)` as printed (public R tutorials reproduce the same print):
//   ETS(M,Ad,M); alpha = 0.7096, beta = 0.0204, gamma = 1e-04, phi = 0.98
//   l = 120.9939, b = 1.7705, s = 0.8944 0.7993 0.9217 1.0592 1.2203 1.2318 1.1105 0.9786 0.9804 1.011 0.8869 0.9059
//   sigma: 0.0392; AIC 1395.166, AICc 1400.638, BIC 1448.623 (18 parameters with σ, so lik = 1359.166)
// and `forecast(ets(AirPassengers), h = 6)`: mean 441.8 434.1 496.6 483.2 484.0 551.0,
//   95% lower 407.9 392.9 441.6 422.6 416.7 467.4, upper 475.7 475.3 551.7 543.8 551.2 634.7.
const MADM: EtsModelSpec = { error: "M", trend: "Ad", season: "M", period: 12 };
const R_PARAMS = { alpha: 0.7096, beta: 0.0204, gamma: 1e-4, phi: 0.98 };
const R_INIT = {
  level: 120.9939,
  trend: 1.7705,
  season: [0.8944, 0.7993, 0.9217, 1.0592, 1.2203, 1.2318, 1.1105, 0.9786, 0.9804, 1.011, 0.8869, 0.9059],
};
const R_MEAN = [441.8, 434.1, 496.6, 483.2, 484.0, 551.0];
const R_LOWER95 = [407.9, 392.9, 441.6, 422.6, 416.7, 467.4];
const R_UPPER95 = [475.7, 475.3, 551.7, 543.8, 551.2, 634.7];

describe("ETS state-space kernel", () => {
  it("reproduces R's likelihood and criteria for ets(AirPassengers) at its printed parameters", () => {
    const run = etsRun(AIR, MADM, R_PARAMS, R_INIT);
    // Printed parameters are rounded to 4 decimals; the likelihood is flat at the optimum.
    expect(run.lik).toBeCloseTo(1359.166, 1);
    const df = 18;
    expect(run.lik + 2 * df).toBeCloseTo(1395.166, 1);
    expect(run.lik + 2 * df + (2 * df * (df + 1)) / (144 - df - 1)).toBeCloseTo(1400.638, 1);
    expect(Math.sqrt(run.sse / (144 - 17))).toBeCloseTo(0.0392, 3);
  });

  it("forecasts AirPassengers as R does, with R's class-3 interval widths", () => {
    const run = etsRun(AIR, MADM, R_PARAMS, R_INIT);
    const mean = etsPointForecast(run.final, MADM, R_PARAMS, 6);
    for (const [k, v] of R_MEAN.entries()) expect(Math.abs(mean[k] - v)).toBeLessThan(0.35);
    const variance = etsForecastVariance(run.final, MADM, R_PARAMS, run.sse / (144 - 17), 6);
    for (let k = 0; k < 6; k++) {
      // R: mean ± 1.959964·sd, values printed to 0.1.
      const sd = (R_UPPER95[k] - R_LOWER95[k]) / (2 * 1.959964);
      expect(Math.abs(Math.sqrt(variance[k]) - sd)).toBeLessThan(0.1);
    }
  });

  it("maximises the likelihood at least as well as R's optimiser", () => {
    // With R's evaluation budget (optim maxit = 2000) we beat R's 1359.166; with the default,
    // cheaper budget (400 here) we stay within one unit of −2 log L of it.
    const full = fitEtsModel(AIR, MADM, { maxEvaluations: 2000 });
    expect(full!.lik).toBeLessThan(1359.166);
    const fit = fitEtsModel(AIR, MADM);
    expect(fit).not.toBeNull();
    expect(fit!.lik).toBeLessThan(1359.166 + 1);
    expect(fit!.df).toBe(18);
    expect(fit!.params.phi).toBeGreaterThanOrEqual(0.8);
    expect(fit!.params.phi).toBeLessThanOrEqual(0.98);
    expect(fit!.params.beta).toBeLessThanOrEqual(fit!.params.alpha);
    expect(fit!.params.gamma).toBeLessThanOrEqual(1 - fit!.params.alpha);
    const sum = fit!.initial.season.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(12, 8);
  });

  it("computes additive-error likelihood as n·log(SSE), R's lik", () => {
    const y = Float64Array.from({ length: 30 }, (_, i) => 10 + Math.sin(i) + 0.1 * i);
    const spec: EtsModelSpec = { error: "A", trend: "N", season: "N", period: 1 };
    const p = { alpha: 0.3, beta: 0, gamma: 0, phi: 1 };
    const run = etsRun(y, spec, p, { level: 10, trend: 0, season: [] });
    let level = 10;
    let sse = 0;
    for (const v of y) {
      const e = v - level;
      sse += e * e;
      level += 0.3 * e;
    }
    expect(run.sse).toBeCloseTo(sse, 10);
    expect(run.lik).toBeCloseTo(30 * Math.log(sse), 10);
    expect(run.final.level).toBeCloseTo(level, 10);
  });

  it("gives ETS(A,N,N) variance σ²(1 + (h − 1)α²)", () => {
    const spec: EtsModelSpec = { error: "A", trend: "N", season: "N", period: 1 };
    const p = { alpha: 0.37, beta: 0, gamma: 0, phi: 1 };
    const v = etsForecastVariance({ level: 5, trend: 0, season: [] }, spec, p, 2.5, 8);
    for (let h = 1; h <= 8; h++) expect(v[h - 1]).toBeCloseTo(2.5 * (1 + (h - 1) * 0.37 ** 2), 12);
  });

  it("gives ETS(A,A,N) variance σ²[1 + (h − 1){α² + αβh + β²h(2h − 1)/6}] (Hyndman et al. 2008, Table 6.1)", () => {
    const spec: EtsModelSpec = { error: "A", trend: "A", season: "N", period: 1 };
    const a = 0.4;
    const b = 0.08;
    const v = etsForecastVariance(
      { level: 5, trend: 1, season: [] },
      spec,
      { alpha: a, beta: b, gamma: 0, phi: 1 },
      3,
      10,
    );
    for (let h = 1; h <= 10; h++) {
      const expected = 3 * (1 + (h - 1) * (a * a + a * b * h + (b * b * h * (2 * h - 1)) / 6));
      expect(v[h - 1]).toBeCloseTo(expected, 10);
    }
  });

  it("gives ETS(A,N,A) variance with the seasonal jump every m steps", () => {
    const spec: EtsModelSpec = { error: "A", trend: "N", season: "A", period: 4 };
    const p = { alpha: 0.2, beta: 0, gamma: 0.3, phi: 1 };
    const v = etsForecastVariance({ level: 0, trend: 0, season: [0, 0, 0, 0] }, spec, p, 1, 9);
    // c_j = α + γ·[j ≡ 0 mod m]
    let cum = 0;
    for (let h = 1; h <= 9; h++) {
      expect(v[h - 1]).toBeCloseTo(1 + cum, 12);
      const c = 0.2 + (h % 4 === 0 ? 0.3 : 0);
      cum += c * c;
    }
  });

  it("checks admissibility like R's admissible()", () => {
    const seasonal: EtsModelSpec = { error: "A", trend: "A", season: "A", period: 12 };
    expect(etsAdmissible({ alpha: 0.3, beta: 0.05, gamma: 0.1, phi: 1 }, seasonal)).toBe(true);
    expect(etsAdmissible({ alpha: 1.95, beta: 0.05, gamma: 0.01, phi: 1 }, seasonal)).toBe(false);
    expect(etsAdmissible({ alpha: 0.5, beta: -0.2, gamma: 0.1, phi: 1 }, seasonal)).toBe(false);
    const ses: EtsModelSpec = { error: "A", trend: "N", season: "N", period: 1 };
    expect(etsAdmissible({ alpha: 1.5, beta: 0, gamma: 0, phi: 1 }, ses)).toBe(true);
    expect(etsAdmissible({ alpha: 2.5, beta: 0, gamma: 0, phi: 1 }, ses)).toBe(false);
  });

  it("starts from R's initstate: decomposition indices and a line through the adjusted start", () => {
    const init = etsInitialStates(AIR, { error: "M", trend: "A", season: "M", period: 12 });
    expect(init.season).toHaveLength(11);
    // July (s_{-5}) and August are the peaks, November the trough, as in R's printed states.
    expect(init.season[5]).toBeGreaterThan(1.15);
    expect(init.season[1]).toBeLessThan(0.85);
    expect(init.trend).toBeGreaterThan(0);
  });

  it("never forecasts below zero with multiplicative season on positive data", () => {
    const decaying = Float64Array.from(
      { length: 60 },
      (_, i) => 50 * 0.95 ** i * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 12)) + 0.01,
    );
    for (const trend of ["N", "Ad"] as const) {
      const spec: EtsModelSpec = { error: "M", trend, season: "M", period: 12 };
      const fit = fitEtsModel(decaying, spec);
      expect(fit).not.toBeNull();
      const f = etsPointForecast(fit!.final, spec, fit!.params, 36);
      for (const v of f) expect(v).toBeGreaterThan(0);
      const variance = etsForecastVariance(fit!.final, spec, fit!.params, fit!.sigma2, 36);
      for (const v of variance) expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it("skips a model with too few points for its parameters", () => {
    const y = Float64Array.from({ length: 16 }, (_, i) => 10 + (i % 12));
    expect(fitEtsModel(y, { error: "A", trend: "A", season: "A", period: 12 })).toBeNull();
    expect(fitEtsModel(y, { error: "A", trend: "N", season: "N", period: 1 })).not.toBeNull();
  });
});
