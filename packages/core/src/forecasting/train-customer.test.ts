import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packArtifact, unpackArtifact } from "../artifact/archive.ts";
import { mulberry32 } from "../ingest/generate.ts";
import { registerAlgorithm } from "../models/catalog.ts";
import type { RegularSeries } from "../series/series.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { trainCustomer } from "./train-customer.ts";
import type { TrainJob } from "./train-job.ts";

const START = Date.UTC(2024, 0, 1);
const job = (horizon = 168, algorithm?: string): TrainJob => ({
  dataset: "d",
  customerId: "c1",
  dataKey: "customers/d/c1/data.csv",
  modelKey: "models/d/c1/v1.tar.gz",
  version: "v1",
  frequency: "H",
  horizon,
  quantiles: [0.1, 0.5, 0.9],
  algorithm,
});

/** Hourly load: level, daily and weekly sinusoids, Gaussian noise (the seed generator's recipe). */
function hourly(weeks: number, seed: number, noise = 0.05): RegularSeries {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const level = 150 + 450 * random();
  const phase = 2 * Math.PI * random();
  const values = Float64Array.from({ length: weeks * 168 }, (_, t) =>
    Math.max(
      0,
      level *
        (1 +
          0.4 * Math.sin((2 * Math.PI * t) / 24 + phase) +
          0.1 * Math.sin((2 * Math.PI * t) / 168) +
          noise * gauss()),
    ),
  );
  return { start: START, frequency: "H", values };
}

registerAlgorithm("Broken", () => ({
  alias: "Broken",
  fit: () => {
    throw new Error("boom");
  },
  predict: () => new Float64Array(0),
}));

describe("trainCustomer (AutoPredictor)", () => {
  it("backtests every candidate and records why it chose one", () => {
    const artifact = trainCustomer(hourly(12, 1), job(), new Date(0));
    const { selection } = artifact;
    expect(selection.backtest).toEqual({ windows: 3, horizon: 168 });
    expect(selection.candidates.map((c) => c.alias)).toEqual(
      expect.arrayContaining([
        "SeasonalNaive",
        "SeasonalNaive(weekly)",
        "HoltWinters",
        "MSTL",
        "FourierRegression",
        "Theta",
      ]),
    );
    const best = Math.min(...selection.candidates.map((c) => c.score ?? Number.POSITIVE_INFINITY));
    expect(artifact.metrics.averageWql).toBe(best);
    expect(selection.reason).toMatch(/average wQL/);
    expect(artifact.algorithm).not.toMatch(/^SeasonalNaive/);
    for (const key of ["wape", "mape", "smape", "mase", "rmse", "averageWql", "coverage"] as const) {
      expect(artifact.metrics[key]).toBeTypeOf("number");
    }
    expect(Object.keys(artifact.metrics.wql)).toEqual(["p10", "p50", "p90"]);
    expect(artifact.metrics.backtestWindows).toBe(3);
  });

  it("picks the candidate that is plainly best: a weekly pattern repeats exactly", () => {
    const week = Array.from({ length: 168 }, (_, t) => 100 + ((t * 37) % 50) + (t < 120 ? 40 : 0));
    const values = Float64Array.from({ length: 10 * 168 }, (_, t) => week[t % 168]);
    const artifact = trainCustomer({ start: START, frequency: "H", values }, job(), new Date(0));
    expect(artifact.algorithm).toBe("SeasonalNaive(weekly)");
    expect(artifact.metrics.mase).toBe(0);
  });

  it("records a failing candidate and falls back to SeasonalNaive when all fail", () => {
    const artifact = trainCustomer(hourly(6, 2), job(168, "Broken"), new Date(0));
    expect(artifact.algorithm).toBe("SeasonalNaive");
    expect(artifact.selection.fallback).toBe(true);
    expect(artifact.selection.reason).toMatch(/every candidate failed/);
    expect(artifact.selection.candidates).toEqual([{ alias: "Broken", score: null, error: "boom" }]);
    expect(forecastArtifact(artifact, { horizon: 24 }).points).toHaveLength(24);
  });

  it("falls back on a series too short to backtest, and refuses one with no reading", () => {
    const short = {
      start: START,
      frequency: "H" as const,
      values: Float64Array.from([5, 6, 7, 6, 5, 6, 7, 6, 5, 6]),
    };
    const artifact = trainCustomer(short, job(24), new Date(0));
    expect(artifact.algorithm).toBe("SeasonalNaive");
    expect(artifact.selection.reason).toMatch(/too short to backtest/);
    const points = forecastArtifact(artifact, { horizon: 24 }).points;
    expect(points.every((p) => p.p10 <= p.p50 && p.p50 <= p.p90)).toBe(true);
    expect(() =>
      trainCustomer({ ...short, values: new Float64Array(5).fill(Number.NaN) }, job(), new Date(0)),
    ).toThrow(/no readings/);
  });

  it("copes with gaps in the history", () => {
    const series = hourly(10, 3);
    for (let t = 0; t < series.values.length; t += 13) series.values[t] = Number.NaN;
    series.values.fill(Number.NaN, 800, 900);
    series.values[series.values.length - 1] = Number.NaN;
    const artifact = trainCustomer(series, job(), new Date(0));
    expect(artifact.trainedPoints).toBe(series.values.filter(Number.isFinite).length);
    const points = forecastArtifact(artifact, { horizon: 168 }).points;
    expect(
      points.every((p) => Number.isFinite(p.mean) && Number.isFinite(p.p10) && Number.isFinite(p.p90)),
    ).toBe(true);
  });

  it("covers ~80% of a held-out final horizon with P10–P90", () => {
    let inside = 0;
    let total = 0;
    for (let c = 0; c < 12; c++) {
      const full = hourly(11, 100 + c);
      const n = full.values.length;
      const artifact = trainCustomer(
        { ...full, values: full.values.subarray(0, n - 168) },
        job(),
        new Date(0),
      );
      forecastArtifact(artifact, { horizon: 168 }).points.forEach((p, k) => {
        const actual = full.values[n - 168 + k];
        if (actual >= p.p10 && actual <= p.p90) inside++;
        total++;
      });
    }
    expect(inside / total).toBeGreaterThan(0.72);
    expect(inside / total).toBeLessThan(0.88);
  });
});

describe("calibration on short histories", () => {
  /** Monthly: a yearly season on a random-walk level, as billing data wanders. */
  function monthly(months: number, seed: number): RegularSeries {
    const random = mulberry32(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let level = 500;
    const values = Float64Array.from({ length: months }, (_, t) => {
      level += 15 * gauss();
      return level + 80 * Math.sin((2 * Math.PI * t) / 12) + 10 * gauss();
    });
    return { start: START, frequency: "M", values };
  }

  it("blends in the model's own distribution and covers ~80% of held-out months with P10–P90", () => {
    let inside = 0;
    let total = 0;
    for (let c = 0; c < 40; c++) {
      const full = monthly(48, 700 + c);
      const n = full.values.length;
      const artifact = trainCustomer(
        { ...full, values: full.values.subarray(0, n - 12) },
        { ...job(12), frequency: "M" },
        new Date(0),
      );
      // Two backtest windows at most: too few errors for conformal quantiles alone.
      expect(artifact.selection.backtest?.windows).toBeLessThanOrEqual(2);
      expect("prior" in artifact.errors && artifact.errors.prior!.weight).toBeGreaterThan(0.5);
      forecastArtifact(artifact, { horizon: 12 }).points.forEach((p, k) => {
        const actual = full.values[n - 12 + k];
        if (actual >= p.p10 && actual <= p.p90) inside++;
        total++;
      });
    }
    expect(inside / total).toBeGreaterThan(0.72);
    expect(inside / total).toBeLessThan(0.9);
  });
});

describe("model artifact", () => {
  it("forecasts identically after pack → unpack, with no refit, and stays small", async () => {
    for (const algorithm of [undefined, "Ensemble", "MSTL"]) {
      const artifact = trainCustomer(hourly(10, 4), job(168, algorithm), new Date(0));
      const bytes = await packArtifact(artifact);
      expect(bytes.length).toBeLessThan(8 * 1024);
      expect(JSON.stringify(artifact).length).toBeLessThan(20 * 1024);
      const loaded = await unpackArtifact(bytes);
      const request = { horizon: 200, quantiles: [0.05, 0.5, 0.95] };
      expect(forecastArtifact(loaded, request)).toEqual(forecastArtifact(artifact, request));
    }
  });

  it("gives monotone, non-negative quantiles for any quantile list and start (property)", () => {
    const artifact = trainCustomer(hourly(8, 5, 0.3), job(48), new Date(0));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.double({ min: 0.001, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 100 }),
        (quantiles, horizon, offset) => {
          const start = new Date(Date.parse(artifact.trainEnd) + (offset + 1) * 3_600_000).toISOString();
          const { points } = forecastArtifact(artifact, { horizon, quantiles, start });
          const levels = [...quantiles].sort((a, b) => a - b);
          const key = (q: number) => `p${Number((q * 100).toFixed(4))}` as const;
          for (const p of points) {
            for (let i = 1; i < levels.length; i++)
              expect(p[key(levels[i])]).toBeGreaterThanOrEqual(p[key(levels[i - 1])]);
            expect(p[key(levels[0])]).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
