import { describe, expect, it } from "vitest";
import { trainCustomer } from "./train-customer.ts";
import { forecastArtifact } from "./forecast-artifact.ts";

const values = Float64Array.from(
  { length: 24 * 28 },
  (_, t) => 100 + 30 * Math.sin((2 * Math.PI * t) / 24) + ((t * 7919) % 11),
);
const artifact = trainCustomer(
  { start: Date.UTC(2024, 0, 1), frequency: "H", values },
  {
    dataset: "d",
    customerId: "c",
    dataKey: "k",
    modelKey: "m",
    version: "v1",
    frequency: "H",
    horizon: 24,
    quantiles: [0.1, 0.5, 0.9],
  },
  new Date(0),
);

describe("forecastArtifact", () => {
  it("forecasts from the step after the training data, at the artifact's quantiles", () => {
    const { model, points } = forecastArtifact(artifact, { horizon: 3 });
    expect(model).toEqual({ algorithm: artifact.algorithm, version: "v1" });
    expect(points.map((p) => p.timestamp)).toEqual([
      "2024-01-29T00:00:00.000Z",
      "2024-01-29T01:00:00.000Z",
      "2024-01-29T02:00:00.000Z",
    ]);
    expect(Object.keys(points[0])).toEqual(["timestamp", "mean", "p10", "p50", "p90"]);
  });

  it("starts later on request with the same values as a longer forecast", () => {
    const long = forecastArtifact(artifact, { horizon: 10 }).points;
    const later = forecastArtifact(artifact, { horizon: 4, start: long[6].timestamp }).points;
    expect(later).toEqual(long.slice(6, 10));
  });

  it("rejects a bad horizon, quantile or start", () => {
    expect(() => forecastArtifact(artifact, { horizon: 0 })).toThrow(/horizon/);
    expect(() => forecastArtifact(artifact, { horizon: 2, quantiles: [1.5] })).toThrow(/quantiles/);
    expect(() => forecastArtifact(artifact, { horizon: 2, start: "2020-01-01T00:00:00Z" })).toThrow(/start/);
  });
});
