import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import type { RegularSeries } from "../series/series.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { naiveScale } from "./metrics.ts";
import { refreshCustomer } from "./refresh.ts";
import { trainCustomer } from "./train-customer.ts";
import type { TrainJob } from "./train-job.ts";
import { trainingHistory } from "./training-history.ts";

const START = Date.UTC(2024, 0, 1);
const job = (anomalies?: "exclude"): TrainJob => ({
  dataset: "d",
  customerId: "c1",
  dataKey: "customers/d/c1/data.csv",
  modelKey: "models/d/c1/v1.tar.gz",
  version: "v1",
  frequency: "H",
  horizon: 168,
  quantiles: [0.1, 0.5, 0.9],
  ...(anomalies ? { anomalies } : {}),
});

/** Hourly load: level, daily and weekly sinusoids, Gaussian noise (the seed generator's recipe). */
function hourly(weeks: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const level = 150 + 450 * random();
  const phase = 2 * Math.PI * random();
  return Float64Array.from({ length: weeks * 168 }, (_, t) =>
    Math.max(
      0,
      level *
        (1 +
          0.4 * Math.sin((2 * Math.PI * t) / 24 + phase) +
          0.1 * Math.sin((2 * Math.PI * t) / 168) +
          0.05 * gauss()),
    ),
  );
}

/** MASE of the artifact's mean forecast over the held-out week, scaled on the clean history. */
function heldOutMase(train: RegularSeries, full: Float64Array, anomalies?: "exclude") {
  const artifact = trainCustomer(train, job(anomalies), new Date(0));
  const n = full.length;
  const points = forecastArtifact(artifact, { horizon: 168 }).points;
  const mae = points.reduce((sum, p, k) => sum + Math.abs(p.mean - full[n - 168 + k]), 0) / 168;
  return { artifact, mase: mae / naiveScale(full.subarray(0, n - 168), 168) };
}

describe('anomalies: "exclude"', () => {
  it("forecasts a held-out week better than flag when the history has an outage", () => {
    for (const seed of [1, 2, 3]) {
      const full = hourly(11, seed);
      const n = full.length;
      const values = full.slice(0, n - 168);
      values.fill(0, values.length - 120, values.length - 72); // two days of zeros in the last week
      const train: RegularSeries = { start: START, frequency: "H", values };
      const flag = heldOutMase(train, full);
      const exclude = heldOutMase(train, full, "exclude");
      expect(flag.artifact.anomalies).toBeUndefined();
      expect(exclude.artifact.anomalies).toEqual({ flagged: 48, excluded: 48 });
      expect(exclude.mase, `seed ${seed}`).toBeLessThan(0.9);
      expect(exclude.mase, `seed ${seed}`).toBeLessThan(0.5 * flag.mase);
      // The artifact still describes the history it was given.
      expect(exclude.artifact.trainedPoints).toBe(values.length);
    }
  });

  it("leaves a clean history as it is, and says so", () => {
    const series: RegularSeries = { start: START, frequency: "H", values: hourly(8, 4) };
    const cleaned = trainingHistory(series, { anomalies: "exclude" });
    expect(cleaned.series).toBe(series);
    expect(cleaned.anomalies).toEqual({ flagged: 0, excluded: 0 });
    expect(trainingHistory(series, {})).toEqual({ series });
  });

  it("holds when a kept algorithm is refitted (retrain), with this fit's count", () => {
    const values = hourly(10, 5);
    const previous = trainCustomer({ start: START, frequency: "H", values }, job("exclude"), new Date(0));
    expect(previous.anomalies).toEqual({ flagged: 0, excluded: 0 });
    const next = Float64Array.from([...values, ...hourly(11, 5).subarray(values.length)]);
    next.fill(0, 1500, 1548);
    const history: RegularSeries = { start: START, frequency: "H", values: next };
    const refreshed = refreshCustomer(
      previous,
      history,
      { ...job("exclude"), version: "v2" },
      undefined,
      "test",
    );
    expect(refreshed.anomalies).toEqual({ flagged: 48, excluded: 48 });
    const flagged = refreshCustomer(previous, history, { ...job(), version: "v2" }, undefined, "test");
    expect(flagged.anomalies).toBeUndefined();
  });
});
