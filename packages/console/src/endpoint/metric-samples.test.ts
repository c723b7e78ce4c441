import { describe, expect, it } from "vitest";
import { endpointSeries, metricNumber, requestsIn, timingMs, trimToWindow } from "./metric-samples.ts";

const snapshot = (hits: number, invokes: number, loaded: number, loadP50Micros: number) => ({
  ModelCacheHit: { unit: "Count", sum: hits, sampleCount: invokes, average: invokes ? hits / invokes : 0 },
  LoadedModelCount: loaded,
  ModelLoadingTime: {
    unit: "Microseconds",
    count: 1,
    sum: 0,
    average: 0,
    p50: loadP50Micros,
    p99: loadP50Micros * 2,
    max: 0,
  },
});

describe("endpoint metric samples", () => {
  it("reads plain numbers and statistics objects, and nothing for absent metrics", () => {
    const m = snapshot(3, 4, 7, 1500);
    expect(metricNumber(m, "LoadedModelCount")).toBe(7);
    expect(metricNumber(m, "ModelCacheHit", "sum")).toBe(3);
    expect(metricNumber(m, "ModelCacheHit")).toBe(0.75);
    expect(metricNumber(m, "Evictions")).toBeNull();
  });

  it("converts SageMaker's microseconds to milliseconds", () => {
    expect(timingMs(snapshot(0, 0, 0, 1500), "ModelLoadingTime", "p50")).toBe(1.5);
    expect(timingMs({ Custom: { p50: 12 } }, "Custom", "p50")).toBe(12);
  });

  it("charts the hit ratio of each interval, not the average since start", () => {
    const series = endpointSeries([
      { t: 0, metrics: snapshot(0, 10, 5, 1000) },
      { t: 2000, metrics: snapshot(9, 20, 5, 1000) },
      { t: 4000, metrics: snapshot(9, 20, 6, 2000) },
    ]);
    expect(series.xs).toEqual([0, 2, 4]);
    expect(series.hitRatio).toEqual([null, 0.9, null]);
    expect(series.hitRatioSinceStart).toEqual([0, 0.45, 0.45]);
    expect(series.loadedModels).toEqual([5, 5, 6]);
    expect(series.loadP99Ms).toEqual([2, 2, 4]);
  });

  it("leaves a gap when the counters restart", () => {
    const series = endpointSeries([
      { t: 0, metrics: snapshot(50, 100, 5, 1000) },
      { t: 2000, metrics: snapshot(1, 2, 1, 1000) },
    ]);
    expect(series.hitRatio).toEqual([null, null]);
  });
});

describe("endpoint traffic in a window", () => {
  const at = (t: number, invocations: number) => ({ t, metrics: { Invocations: invocations } });

  it("counts requests between the first and last sample, across a restart", () => {
    expect(requestsIn([at(0, 10), at(10, 10), at(20, 10)])).toBe(0);
    expect(requestsIn([at(0, 10), at(10, 14), at(20, 2), at(30, 5)])).toBe(9);
    expect(requestsIn([at(0, 3)])).toBe(0);
  });

  it("drops samples older than the window before the newest", () => {
    const samples = [at(0, 0), at(5_000, 1), at(10_000, 2), at(15_000, 3)];
    trimToWindow(samples, 10_000);
    expect(samples.map((s) => s.t)).toEqual([5_000, 10_000, 15_000]);
  });
});
