import { describe, expect, it } from "vitest";
import { EndpointMetricsHistory, endpointMetricsHistory } from "./endpoint-metrics-history.ts";

describe("endpoint metrics history", () => {
  it("keeps the readings of the last window, oldest first, and ends with a reading taken now", async () => {
    let now = Date.parse("2026-12-03T12:00:00Z");
    let invocations = 0;
    const history = new EndpointMetricsHistory(() => ({ Invocations: invocations }), {
      intervalMs: 10_000,
      windowMs: 60_000,
      now: () => now,
    });
    // Two minutes of readings, one every 10 s: the ring holds the last window of them.
    for (let i = 0; i < 12; i++) {
      await history.record();
      invocations += 5;
      now += 10_000;
    }
    const samples = await history.window();
    const times = samples.map((s) => Date.parse(s.timestamp));
    expect(times.at(-1)).toBe(now);
    expect(times[0]).toBe(now - 60_000);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(samples.map((s) => s.metrics.Invocations)).toEqual([30, 35, 40, 45, 50, 55, 60]);
  });

  it("leaves out readings older than the window even when the ring is not full", async () => {
    let now = 1_000_000;
    const history = new EndpointMetricsHistory(() => ({}), {
      intervalMs: 10_000,
      windowMs: 60_000,
      now: () => now,
    });
    await history.record();
    now += 61_000;
    expect((await history.window()).map((s) => Date.parse(s.timestamp))).toEqual([now]);
  });

  it("reads an endpoint with metrics from the start, once however many apps ask, and none without", () => {
    let reads = 0;
    const endpoint = { metrics: () => ({ Invocations: ++reads }) };
    const first = endpointMetricsHistory(endpoint);
    expect(endpointMetricsHistory(endpoint)).toBe(first);
    expect(reads).toBe(1);
    expect(endpointMetricsHistory({})).toBeUndefined();
    expect(endpointMetricsHistory(undefined)).toBeUndefined();
  });
});
