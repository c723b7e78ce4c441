import { describe, expect, it } from "vitest";
import type { ScaledErrors } from "./conformal.ts";
import { mulberry32 } from "../ingest/generate.ts";
import { modelFor } from "../models/catalog.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { keepsAlgorithm, refreshCustomer } from "./refresh.ts";
import { trainCustomer } from "./train-customer.ts";
import type { Monitoring, TrainJob } from "./train-job.ts";

const START = Date.UTC(2026, 0, 5);
const H = 48;
const job = (version: string): TrainJob => ({
  dataset: "d",
  customerId: "c",
  dataKey: "k",
  modelKey: `models/d/c/${version}.tar.gz`,
  version,
  frequency: "H",
  horizon: H,
  quantiles: [0.1, 0.5, 0.9],
});

function load(hours: number, seed: number, level = 50): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from(
    { length: hours },
    (_, t) =>
      level * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 24) + 0.1 * Math.sin((2 * Math.PI * t) / 168)) +
      random(),
  );
}

const monitoring = (flagged: boolean): Monitoring => ({
  realised: {
    version: "v1",
    from: "",
    to: "",
    points: 48,
    wape: null,
    mase: null,
    wql: null,
    coverage: null,
    backtestWql: null,
  },
  drift: { flagged, reason: flagged ? "drifted" : "fine" },
});

describe("refreshCustomer", () => {
  it("refits the chosen algorithm on the new observations, keeping its error model and backtest", () => {
    const all = load(28 * 24 + 30, 1);
    const first = trainCustomer(
      { start: START, frequency: "H", values: all.subarray(0, 28 * 24) },
      job("v1"),
      new Date(0),
    );
    const refreshed = refreshCustomer(
      first,
      { start: START, frequency: "H", values: all },
      job("v2"),
      undefined,
      "retrain: never",
    );
    expect(refreshed.algorithm).toBe(first.algorithm);
    expect(refreshed.version).toBe("v2");
    expect(refreshed.metrics).toEqual(first.metrics);
    expect(refreshed.selection.candidates).toEqual(first.selection.candidates);
    expect(refreshed.trainEnd).toBe(new Date(START + (28 * 24 + 29) * 3_600_000).toISOString());
    // The daily error profile turns by the 30 new steps (6 mod 24).
    const before = (first.errors as ScaledErrors).profile;
    const after = (refreshed.errors as ScaledErrors).profile;
    expect(before).toHaveLength(24);
    expect(after).toEqual(before.map((_, j) => before[(j + 30) % 24]));
    expect((refreshed.errors as ScaledErrors).z).toEqual((first.errors as ScaledErrors).z);
    expect(refreshed.selection.reason).toMatch(
      new RegExp(
        `^${first.algorithm} refitted on 30 new step\\(s\\) without reselection \\(retrain: never\\); chosen at version v1: `,
      ),
    );
    // Its forecast starts after the new observations and follows them.
    const points = forecastArtifact(refreshed, { horizon: H }).points;
    expect(points[0].timestamp).toBe(new Date(START + (28 * 24 + 30) * 3_600_000).toISOString());
    // A second refresh still names the version that chose the algorithm.
    const again = refreshCustomer(
      refreshed,
      { start: START, frequency: "H", values: all },
      job("v3"),
      undefined,
      "x",
    );
    expect(again.selection.reason).toMatch(/chosen at version v1: /);
    expect(again.selection.reason.match(/chosen at version/g)).toHaveLength(1);
  });

  it("follows a level the new data moved to (the states run on), without a backtest", () => {
    const before = load(28 * 24, 2);
    const after = load(7 * 24, 3, 80);
    const values = new Float64Array([...before, ...after]);
    const first = trainCustomer(
      { start: START, frequency: "H", values: before },
      { ...job("v1"), algorithm: "HoltWinters" },
      new Date(0),
    );
    const refreshed = refreshCustomer(
      first,
      { start: START, frequency: "H", values },
      job("v2"),
      undefined,
      "x",
    );
    const mean = forecastArtifact(refreshed, { horizon: 24 }).points.reduce((a, p) => a + p.mean, 0) / 24;
    expect(mean).toBeGreaterThan(65);
  });
});

describe("keepsAlgorithm", () => {
  const artifact = trainCustomer(
    { start: START, frequency: "H", values: load(21 * 24, 4) },
    job("v1"),
    new Date(0),
  );
  it("keeps it under never, and under drift unless the forecast drifted; always and cold starts choose again", () => {
    expect(keepsAlgorithm(undefined, artifact, monitoring(false))).toBe(false);
    expect(keepsAlgorithm("never", artifact, monitoring(true))).toBe(true);
    expect(keepsAlgorithm("drift", artifact, monitoring(false))).toBe(true);
    expect(keepsAlgorithm("drift", artifact, undefined)).toBe(true);
    expect(keepsAlgorithm("drift", artifact, monitoring(true))).toBe(false);
    expect(keepsAlgorithm("never", { ...artifact, algorithm: "ColdStart" }, undefined)).toBe(false);
  });
});

describe("AutoETS update: the state run forward with the parameters kept", () => {
  const daily = (days: number, seed: number, level = (_t: number) => 100) => {
    const random = mulberry32(seed);
    return Float64Array.from(
      { length: days },
      (_, t) => level(t) * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 7)) + 3 * random(),
    );
  };

  it("runs in two steps as in one, follows a new level, and leaves gaps to a refit", () => {
    const model = modelFor("AutoETS", [7]);
    const y = daily(400, 1, (t) => (t < 360 ? 100 : 130));
    const state = model.fit({ y: y.subarray(0, 360), frequency: "D", seasonalPeriods: [7], horizon: 28 });
    const once = model.update!(state, y.subarray(360));
    const twice = model.update!(model.update!(state, y.subarray(360, 380)), y.subarray(380));
    // The same states, to the precision artifacts store them in.
    const [a, b] = [model.predict(once, 14), model.predict(twice, 14)];
    for (let k = 0; k < 14; k++) expect(b[k]).toBeCloseTo(a[k], 3);
    // The level moves toward the new one as fast as the kept smoothing says (a large shift is
    // drift, and a drifted customer is chosen again).
    const mean = (f: Float64Array) => f.reduce((x, v) => x + v, 0) / f.length;
    expect(mean(model.predict(once, 7))).toBeGreaterThan(mean(model.predict(state, 47).subarray(40)) + 3);
    const gap = y.slice(360);
    gap[3] = Number.NaN;
    expect(() => model.update!(state, gap)).toThrow(/gaps/);
  });

  it("is what refresh uses for AutoETS, naming it in the reason", () => {
    const y = daily(400, 2);
    const start = Date.UTC(2025, 0, 1);
    const daysJob = (version: string): TrainJob => ({
      ...job(version),
      frequency: "D",
      horizon: 28,
      algorithm: "AutoETS",
    });
    const first = trainCustomer(
      { start, frequency: "D", values: y.subarray(0, 380) },
      daysJob("v1"),
      new Date(0),
    );
    expect(first.algorithm).toBe("AutoETS");
    const refreshed = refreshCustomer(
      first,
      { start, frequency: "D", values: y },
      daysJob("v2"),
      undefined,
      "retrain: never",
    );
    expect(refreshed.selection.reason).toMatch(
      /^AutoETS state run forward over 20 new step\(s\), parameters kept without reselection/,
    );
    expect((refreshed.state as { params: unknown }).params).toEqual(
      (first.state as { params: unknown }).params,
    );
    expect((refreshed.state as { n: number }).n).toBe((first.state as { n: number }).n + 20);
  });
});
