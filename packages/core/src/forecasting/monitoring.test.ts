import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { DRIFT_RATIO, judgeDrift, type RealisedAccuracy, realisedAccuracy } from "./monitoring.ts";
import { trainCustomer } from "./train-customer.ts";

const START = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const H = 48;

function load(hours: number, seed: number, level = (_t: number) => 50): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from(
    { length: hours },
    (_, t) => level(t) * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 24)) + random(),
  );
}

const trained = (values: Float64Array) =>
  trainCustomer(
    { start: START, frequency: "H", values },
    {
      dataset: "d",
      customerId: "c",
      dataKey: "k",
      modelKey: "m",
      version: "v1",
      frequency: "H",
      horizon: H,
      quantiles: [0.1, 0.5, 0.9],
      algorithm: "SeasonalNaive",
    },
    new Date(0),
  );

describe("realisedAccuracy", () => {
  it("scores the published forecast on the steps that have actuals, skipping gaps", () => {
    const all = load(21 * 24 + H, 1);
    const artifact = trained(all.subarray(0, 21 * 24));
    // The actuals of the first 30 forecast hours arrive, one of them missing.
    const later = all.slice(0, 21 * 24 + 30);
    later[21 * 24 + 3] = Number.NaN;
    const realised = realisedAccuracy(artifact, { start: START, frequency: "H", values: later }, 24)!;
    expect(realised.version).toBe("v1");
    expect(realised.points).toBe(29);
    expect(realised.from).toBe(new Date(START + 21 * 24 * HOUR).toISOString());
    expect(realised.to).toBe(new Date(START + (21 * 24 + 29) * HOUR).toISOString());
    // By hand: WAPE of the published means against those actuals.
    const { points } = forecastArtifact(artifact, { horizon: H });
    let err = 0;
    let sum = 0;
    for (let k = 0; k < 30; k++) {
      if (k === 3) continue;
      err += Math.abs(later[21 * 24 + k] - points[k].mean);
      sum += Math.abs(later[21 * 24 + k]);
    }
    expect(realised.wape).toBeCloseTo(err / sum, 10);
    expect(realised.backtestWql).toBe(artifact.metrics.averageWql);
  });

  it("is undefined until an actual of the forecast's horizon arrives", () => {
    const values = load(21 * 24, 2);
    const artifact = trained(values);
    expect(realisedAccuracy(artifact, { start: START, frequency: "H", values }, 24)).toBeUndefined();
  });

  it("shows a level shift as realised wQL far above the backtest's", () => {
    const all = load(21 * 24 + H, 3, (t) => (t >= 21 * 24 ? 100 : 50));
    const artifact = trained(all.subarray(0, 21 * 24));
    const realised = realisedAccuracy(artifact, { start: START, frequency: "H", values: all }, 24)!;
    expect(judgeDrift(realised, H).flagged).toBe(true);
    const steady = load(21 * 24 + H, 3);
    const fine = realisedAccuracy(
      trained(steady.subarray(0, 21 * 24)),
      { start: START, frequency: "H", values: steady },
      24,
    )!;
    expect(judgeDrift(fine, H).flagged).toBe(false);
  });
});

describe("judgeDrift", () => {
  const realised = (wql: number, points: number): RealisedAccuracy => ({
    version: "v1",
    from: "",
    to: "",
    points,
    wape: null,
    mase: null,
    wql,
    coverage: null,
    backtestWql: 0.05,
  });

  it(`flags realised wQL above ${DRIFT_RATIO}× the backtest's on at least a quarter of the horizon`, () => {
    expect(judgeDrift(realised(0.11, 48), 168)).toEqual({
      flagged: true,
      reason: "version v1: realised wQL 0.110 over 48 points is 2.2× the backtest's 0.0500 (threshold 2×)",
    });
    expect(judgeDrift(realised(0.09, 48), 168).flagged).toBe(false);
    // Too few points to say, however bad.
    expect(judgeDrift(realised(0.5, 41), 168)).toMatchObject({
      flagged: false,
      reason: expect.stringMatching(/too few points \(< 42\)/),
    });
    expect(judgeDrift(realised(0.5, 7), 12).flagged).toBe(false);
    expect(judgeDrift({ ...realised(0.5, 48), backtestWql: null }, 168).flagged).toBe(false);
  });
});
