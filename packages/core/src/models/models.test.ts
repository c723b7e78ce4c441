import { describe, expect, it } from "vitest";
import {
  ALGORITHMS as ALL,
  defaultCandidates,
  INTERMITTENT_FAMILIES,
  STATISTICAL_FAMILIES,
  IMPORTED_ALGORITHMS,
  modelFor,
  registerAlgorithm,
} from "./catalog.ts";

/** Models fitted on a cohort's profile, not a series alone (tested in cold-start.test.ts). */
const NEEDS_COHORT = ["ColdStart"];

/** Every algorithm that fits here (imported and cohort ones are tested on their own). */
const ALGORITHMS = ALL.filter((a) => !IMPORTED_ALGORITHMS.includes(a) && !NEEDS_COHORT.includes(a));
import type { FitInput } from "./model.ts";

const periods = [24, 168];
const truth = (t: number) =>
  200 + 50 * Math.sin((2 * Math.PI * t) / 24) + 20 * Math.sin((2 * Math.PI * t) / 168 + 1);
const n = 24 * 7 * 10;
const y = Float64Array.from({ length: n }, (_, t) => truth(t));
const input: FitInput = { y, frequency: "H", seasonalPeriods: periods, horizon: 168 };

/** Largest absolute error of each model's 168-step forecast of a noiseless daily + weekly sinusoid. */
const TOLERANCE: Record<string, number> = {
  "SeasonalNaive(weekly)": 1e-9, // one season back is the truth
  FourierRegression: 1e-4, // the design contains the truth
  HoltWinters: 1e-3,
  MSTL: 0.05,
  Theta: 1e-3,
  AutoTheta: 1e-3,
  Ensemble: 0.05,
  Prophet: 0.05, // an MLE fit with a changepoint trend: about 0.01 here
  // Seasons stop at 24 steps (R's limit): it reads the weekly swing as a trend, so only its
  // first day is checked, where that trend has not yet run far.
  AutoETS: 15,
  AutoARIMA: 15,
  DriverRegression: 1e-4, // hour-of-week profile + Fourier terms contain the truth
  TOWT: 1e-4, // so do its 168 hour-of-week levels
};

/** Steps checked where a model cannot see the whole truth (default: all 168). */
const CHECKED_STEPS: Record<string, number> = { AutoETS: 24, AutoARIMA: 24 };

/** Models that see only the daily season of hourly data. */
const DAILY_ONLY = ["SeasonalNaive", "AutoETS", "AutoARIMA"];

/** Flat forecasts for demand that is mostly zeros: no season to follow (tested on their own). */
const FLAT = INTERMITTENT_FAMILIES.concat("CrostonClassic", "CrostonOptimized");

describe("every model in the catalog", () => {
  const aliases = ALGORITHMS.filter((a) => a !== "SeasonalNaive" && !FLAT.includes(a));

  it.each(aliases)("%s forecasts a pure daily + weekly sinusoid", (alias) => {
    const model = modelFor(alias, periods);
    const f = model.predict(model.fit(input), CHECKED_STEPS[alias] ?? 168);
    const worst = Math.max(...Array.from(f, (v, k) => Math.abs(v - truth(n + k))));
    expect(worst).toBeLessThan(TOLERANCE[alias]);
  });

  it.each(ALGORITHMS.filter((a) => !FLAT.includes(a)))(
    "%s copes with gaps (scattered, one long, trailing)",
    (alias) => {
      const holed = Float64Array.from(y);
      for (let t = 0; t < n; t += 11) holed[t] = Number.NaN;
      holed.fill(Number.NaN, n - 500, n - 460);
      holed.fill(Number.NaN, n - 3, n);
      holed.fill(Number.NaN, 0, 30);
      const model = modelFor(alias, periods);
      const f = model.predict(model.fit({ ...input, y: holed }), CHECKED_STEPS[alias] ?? 168);
      const worst = Math.max(...Array.from(f, (v, k) => Math.abs(v - truth(n + k))));
      // The daily naive misses the weekly swing (up to 2·20·sin(π/7) ≈ 17, more after a gap).
      // AutoARIMA differences the filled gaps too, and drifts further within its first day.
      expect(worst).toBeLessThan(alias === "AutoARIMA" ? 60 : DAILY_ONLY.includes(alias) ? 45 : 1);
    },
  );

  it.each(ALGORITHMS)("%s forecasts the same from its state after a JSON round trip (no refit)", (alias) => {
    const model = modelFor(alias, periods);
    const state = model.fit(input);
    const restored = JSON.parse(JSON.stringify(state));
    expect(Array.from(modelFor(alias, periods).predict(restored, 200))).toEqual(
      Array.from(model.predict(state, 200)),
    );
  });

  it.each(ALGORITHMS)("%s handles short and constant series", (alias) => {
    const short = {
      ...input,
      y: Float64Array.from({ length: 30 }, (_, t) => 10 + (t % 3)),
      seasonalPeriods: [],
    };
    const m = modelFor(alias, []);
    expect(m.predict(m.fit(short), 5).every(Number.isFinite)).toBe(true);
    const flat = { ...input, y: new Float64Array(400).fill(7) };
    const c = modelFor(alias, periods);
    // Prophet's optimizer stops about 1e-7 from the optimum (relative): 7.000001 once stored.
    const digits = alias === "Prophet" ? 5 : 6;
    // SBA's bias correction forecasts (1 − α/2) of the demand rate, by design.
    const level = alias === "CrostonSBA" ? 7 * 0.95 : 7;
    for (const v of c.predict(c.fit(flat), 30)) expect(v).toBeCloseTo(level, digits);
  });
});

describe("explanations", () => {
  const explaining = ALGORITHMS.filter((a) => modelFor(a, periods).explain !== undefined);

  it.each(explaining)("%s: the components sum to the forecast at every step", (alias) => {
    const model = modelFor(alias, periods);
    const state = model.fit({ ...input, start: Date.UTC(2024, 0, 1) });
    const forecast = model.predict(state, 168);
    const parts = Object.values(model.explain!(state, 168));
    for (let k = 0; k < 168; k++) {
      const sum = parts.reduce((s, p) => s + p[k], 0);
      expect(Math.abs(sum - forecast[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(forecast[k])));
    }
  });

  it("names the Fourier regression's components by what they are", () => {
    const model = modelFor("FourierRegression", periods);
    const names = Object.keys(model.explain!(model.fit(input), 24)).sort();
    expect(names).toEqual(["daily", "trend", "weekly"]);
    // The daily swing of ±50 is the daily component's, not the trend's.
    const daily = model.explain!(model.fit(input), 24).daily;
    expect(Math.max(...daily) - Math.min(...daily)).toBeGreaterThan(90);
  });
});

describe("catalog", () => {
  it("backtests the seasonal naives, five model families and TOWT on hourly data, with no default", () => {
    expect(defaultCandidates({ periods: [24, 168], frequency: "H" })).toEqual({
      candidates: [
        "SeasonalNaive",
        "SeasonalNaive(weekly)",
        "HoltWinters",
        "MSTL",
        "FourierRegression",
        "Theta",
        "TOWT",
      ],
      baseline: [],
    });
  });

  it("adds the statistical families from daily data on, their combination the default", () => {
    const monthly = defaultCandidates({ periods: [12], frequency: "M" });
    const families = STATISTICAL_FAMILIES.filter((a) => ALL.includes(a));
    expect(monthly.candidates).toEqual([
      "SeasonalNaive",
      "HoltWinters",
      "MSTL",
      "FourierRegression",
      "Theta",
      "AutoTheta",
      ...families,
    ]);
    expect(monthly.baseline).toEqual(families);
    // A yearly cycle of daily data is beyond ETS's seasons: no default, the backtest decides.
    expect(defaultCandidates({ periods: [7, 365.25], frequency: "D" }).baseline).toEqual([]);
    expect(defaultCandidates({ periods: [7], frequency: "D" }).baseline).toEqual(families);
    expect(defaultCandidates({ periods: [], frequency: "Y" }).candidates.slice(0, 4)).toEqual([
      "SeasonalNaive",
      "HoltWinters",
      "FourierRegression",
      "Theta",
    ]);
  });

  it("offers intermittent demand seasonal naive, the Croston family and AutoTheta", () => {
    const { candidates, baseline } = defaultCandidates({ periods: [7], frequency: "D", intermittent: true });
    expect(candidates[0]).toBe("SeasonalNaive");
    for (const alias of candidates.slice(1)) expect([...INTERMITTENT_FAMILIES, "AutoTheta"]).toContain(alias);
    for (const alias of baseline) expect(candidates).toContain(alias);
  });

  it("names unknown algorithms, and takes new ones at run time", () => {
    expect(() => modelFor("Nope", periods)).toThrow(/unknown algorithm "Nope"/);
    registerAlgorithm("Zero", () => ({
      alias: "Zero",
      fit: () => null,
      predict: (_s, h) => new Float64Array(h),
    }));
    expect(ALL).toContain("Zero");
    expect(modelFor("Zero", periods).alias).toBe("Zero");
  });
});
