import { describe, expect, it } from "vitest";
import { alignSeries, bandKeys, keyLabel, quantileKeys } from "./forecast-series.ts";

const point = (timestamp: string, values: Record<string, number>) => ({ timestamp, ...values });

describe("forecast series for the chart", () => {
  it("draws P50 inside the P10–P90 band by default", () => {
    expect(bandKeys([point("2026-01-01T00:00:00Z", { mean: 5, p10: 1, p50: 5, p90: 9 })])).toEqual({
      center: "p50",
      lower: "p10",
      upper: "p90",
    });
  });

  it("uses the outermost published quantiles and orders them by level, not as text", () => {
    const p = point("2026-01-01T00:00:00Z", { mean: 5, "p97.5": 10, p5: 0.5, p50: 5, p10: 1 });
    expect(quantileKeys(p)).toEqual(["p5", "p10", "p50", "p97.5"]);
    expect(bandKeys([p])).toEqual({ center: "p50", lower: "p5", upper: "p97.5" });
  });

  it("falls back to the mean without a median and draws no band from a single quantile", () => {
    expect(bandKeys([point("2026-01-01T00:00:00Z", { mean: 5, p90: 9 })])).toEqual({ center: "mean" });
    expect(keyLabel("mean")).toBe("Mean");
    expect(keyLabel("p97.5")).toBe("P97.5");
  });

  it("puts history and forecast on one ascending time axis with gaps as null", () => {
    const aligned = alignSeries(
      [
        { timestamp: "2026-01-01T01:00:00Z", value: 2 },
        { timestamp: "2026-01-01T00:00:00Z", value: 1 },
      ],
      [point("2026-01-01T02:00:00Z", { mean: 3, p10: 2, p50: 3, p90: 4 })],
      null,
    );
    const t0 = Date.parse("2026-01-01T00:00:00Z") / 1000;
    expect(aligned.xs).toEqual([t0, t0 + 3600, t0 + 7200]);
    expect(aligned.history).toEqual([1, 2, null]);
    expect(aligned.forecast?.center).toEqual([null, null, 3]);
    expect(aligned.forecast?.lower).toEqual([null, null, 2]);
    expect(aligned.forecast?.upper).toEqual([null, null, 4]);
    expect(aligned.prediction).toBeNull();
  });

  it("aligns a live prediction that overlaps the published forecast", () => {
    const aligned = alignSeries(
      [],
      [
        point("2026-01-01T00:00:00Z", { mean: 1, p50: 1 }),
        point("2026-01-01T01:00:00Z", { mean: 2, p50: 2 }),
      ],
      [
        point("2026-01-01T01:00:00Z", { mean: 5, p50: 5 }),
        point("2026-01-01T02:00:00Z", { mean: 6, p50: 6 }),
      ],
    );
    expect(aligned.xs).toHaveLength(3);
    expect(aligned.forecast?.center).toEqual([1, 2, null]);
    expect(aligned.prediction?.center).toEqual([null, 5, 6]);
  });
});
