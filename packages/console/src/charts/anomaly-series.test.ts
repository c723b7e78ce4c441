import { describe, expect, it } from "vitest";
import type { HistoryPoint } from "../api/types.ts";
import {
  alignAnomalies,
  anomalyNote,
  anomalyReadout,
  anomalySpans,
  countAnomalies,
  describeAnomalies,
} from "./anomaly-series.ts";
import { alignSeries } from "./forecast-series.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-30T00:00:00Z");
const S0 = T0 / 1000;
const iso = (hour: number) => new Date(T0 + hour * HOUR).toISOString();
const reading = (hour: number, value: number): HistoryPoint => ({ timestamp: iso(hour), value });
const flagged = (hour: number, value: number, score?: number): HistoryPoint => ({
  timestamp: iso(hour),
  value,
  anomaly: true,
  ...(score === undefined ? {} : { score }),
});
/** Hour `h` in Unix seconds. */
const at = (h: number) => S0 + h * 3600;

describe("anomalies in a customer's history", () => {
  it("groups consecutive flagged readings into one span each, shaded halfway to their neighbours", () => {
    const history = [
      reading(0, 10),
      flagged(1, 0, 8),
      flagged(2, 0, 9.5),
      flagged(3, 0, 7),
      reading(4, 11),
      reading(5, 12),
      flagged(6, 80, 14.2),
      reading(7, 10),
    ];
    expect(anomalySpans(history)).toEqual([
      { first: at(1), last: at(3), start: at(0.5), end: at(3.5), count: 3, maxScore: 9.5 },
      { first: at(6), last: at(6), start: at(5.5), end: at(6.5), count: 1, maxScore: 14.2 },
    ]);
    expect(countAnomalies(history)).toBe(4);
  });

  it("shades half a step past a run at either end, and orders by time whatever the input order", () => {
    const history = [flagged(3, 0), reading(2, 5), flagged(0, 0, 6), flagged(1, 0, 6.5)];
    expect(anomalySpans(history)).toEqual([
      { first: at(0), last: at(1), start: at(-0.5), end: at(1.5), count: 2, maxScore: 6.5 },
      { first: at(3), last: at(3), start: at(2.5), end: at(3.5), count: 1, maxScore: null },
    ]);
  });

  it("finds no span in a clean or empty history, and a zero-width one for a lone reading", () => {
    expect(anomalySpans([reading(0, 1), reading(1, 2)])).toEqual([]);
    expect(anomalySpans([])).toEqual([]);
    expect(countAnomalies([reading(0, 1)])).toBe(0);
    // One reading: no step to pad by, a zero-width span at the reading.
    expect(anomalySpans([flagged(0, 0, 9)])).toEqual([
      { first: at(0), last: at(0), start: at(0), end: at(0), count: 1, maxScore: 9 },
    ]);
    // An unreadable timestamp is left out rather than breaking a run.
    expect(
      anomalySpans([flagged(0, 0, 9), { timestamp: "not a time", value: 0, anomaly: true }]),
    ).toHaveLength(1);
  });

  it("counts a two-day outage of hourly zeros as one span of 48 readings", () => {
    const history = Array.from({ length: 24 * 7 }, (_, h) =>
      h >= 72 && h < 120 ? flagged(h, 0, 12 + (h % 5)) : reading(h, 20 + (h % 24)),
    );
    const spans = anomalySpans(history);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ count: 48, first: at(72), last: at(119), maxScore: 16 });
    expect(describeAnomalies(countAnomalies(history), spans.length)).toBe(
      "Anomalies: 48 anomalous readings ringed in red, in 1 shaded run.",
    );
  });

  it("puts flagged readings and their scores on the chart's shared x axis", () => {
    const history = [reading(0, 10), flagged(1, 0, 8.25), flagged(2, 3), reading(3, 11)];
    const forecast = [{ timestamp: iso(4), mean: 12, p10: 11, p50: 12, p90: 13 }];
    const { xs } = alignSeries(history, forecast, null);
    expect(alignAnomalies(xs, history)).toEqual({
      values: [null, 0, 3, null, null],
      scores: [null, 8.25, Number.NaN, null, null],
      count: 2,
    });
    // A flagged reading off the axis is not drawn.
    expect(alignAnomalies([at(0)], [flagged(5, 0, 9)]).count).toBe(0);
  });

  it("reads out a flagged reading, and words the caption and the note", () => {
    expect(anomalyReadout(7.3)).toBe("anomaly, score 7.3");
    expect(anomalyReadout(14.246)).toBe("anomaly, score 14.2");
    expect(anomalyReadout(Number.NaN)).toBe("anomaly");
    expect(anomalyReadout(null)).toBe("anomaly");
    expect(describeAnomalies(0, 0)).toBe("");
    expect(describeAnomalies(1, 1)).toBe("Anomalies: 1 anomalous reading ringed in red, in 1 shaded run.");
    expect(anomalyNote(0)).toBeNull();
    expect(anomalyNote(1)).toMatch(/^1 anomalous reading flagged in the history shown/);
    expect(anomalyNote(3)).toBe(
      "3 anomalous readings flagged in the history shown (outages, spikes, meter resets); " +
        "a dataset with anomalies: exclude trains on their expected values instead.",
    );
  });
});
