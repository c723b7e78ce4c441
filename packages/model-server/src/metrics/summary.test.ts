import { describe, expect, it } from "vitest";
import { MetricUnit, Summary } from "./summary.ts";

describe("Summary", () => {
  it("keeps totals since start and percentiles over the recent window", () => {
    const s = new Summary(MetricUnit.Microseconds, 100);
    for (let i = 1; i <= 100; i++) s.record(i);
    expect(s.snapshot()).toEqual({
      unit: "Microseconds",
      count: 100,
      sum: 5050,
      average: 51,
      p50: 51,
      p99: 100,
      max: 100,
    });
    for (let i = 0; i < 100; i++) s.record(1_000);
    expect(s.snapshot()).toMatchObject({ count: 200, p50: 1_000, p99: 1_000, max: 1_000 });
  });

  it("reports zeros before any sample", () => {
    expect(new Summary(MetricUnit.Count).snapshot()).toEqual({
      unit: "Count",
      count: 0,
      sum: 0,
      average: 0,
      p50: 0,
      p99: 0,
      max: 0,
    });
  });
});
