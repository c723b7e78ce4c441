import { describe, expect, it } from "vitest";
import { baseName, elapsedMs, formatBytes, formatDuration, formatMetric } from "./format.ts";

describe("formatting", () => {
  it("writes durations precisely when short and readably when long", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(1234)).toBe("1.23 s");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_620_000)).toBe("2 h 07 min");
    expect(formatDuration(null)).toBe("—");
  });

  it("writes sizes in powers of 1024", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(75_312)).toBe("74 KB");
  });

  it("shows uncomputable metrics as a dash and tiny ones in exponent form", () => {
    expect(formatMetric(null)).toBe("—");
    expect(formatMetric(0.32327)).toBe("0.323");
    expect(formatMetric(0.00001234)).toBe("1.23e-5");
  });

  it("measures a running run up to now and a stopped one by its duration", () => {
    const startedAt = "2026-01-01T00:00:00.000Z";
    expect(elapsedMs({ startedAt, durationMs: null, stoppedAt: null }, Date.parse(startedAt) + 5000)).toBe(
      5000,
    );
    expect(elapsedMs({ startedAt, durationMs: 893, stoppedAt: "2026-01-01T00:00:00.893Z" })).toBe(893);
    // Redriven after standing ended for a minute: that minute is not run time.
    expect(
      elapsedMs(
        { startedAt, durationMs: null, stoppedAt: null, pausedMs: 60_000 },
        Date.parse(startedAt) + 65_000,
      ),
    ).toBe(5000);
    expect(baseName("raw/default/readings.csv")).toBe("readings.csv");
  });
});
