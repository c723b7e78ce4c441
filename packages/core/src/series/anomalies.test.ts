import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import { ANOMALY_THRESHOLD, detectAnomalies, MIN_ANOMALY_READINGS, replaceAnomalies } from "./anomalies.ts";
import { addSteps } from "./frequency.ts";
import type { RegularSeries } from "./series.ts";

const START = Date.UTC(2024, 0, 1);

/**
 * Hourly load, as the seed generator draws it: a level, daily and weekly sinusoids, Gaussian
 * noise (`noise` × level), and `shape(t)` scaling the level and season (a shift). Never negative.
 */
function hourly(
  weeks: number,
  seed: number,
  options: { noise?: number; shape?: (t: number) => number } = {},
): RegularSeries {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const level = 150 + 450 * random();
  const phase = 2 * Math.PI * random();
  const noise = options.noise ?? 0.05;
  const values = Float64Array.from({ length: weeks * 168 }, (_, t) => {
    const season =
      1 + 0.4 * Math.sin((2 * Math.PI * t) / 24 + phase) + 0.1 * Math.sin((2 * Math.PI * t) / 168);
    return Math.max(0, level * ((options.shape?.(t) ?? 1) * season + noise * gauss()));
  });
  return { start: START, frequency: "H", values };
}

const flagged = (series: RegularSeries) => detectAnomalies(series).anomalies.map((a) => a.index);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe("detectAnomalies", () => {
  it("flags nothing on a clean seasonal series", () => {
    for (const seed of [1, 2, 3]) expect(flagged(hourly(12, seed))).toEqual([]);
  });

  it("flags an outage's zeros, with the level around it as their expected value", () => {
    for (const seed of [1, 2, 3]) {
      const clean = hourly(12, seed);
      const series = { ...clean, values: Float64Array.from(clean.values).fill(0, 1000, 1048) };
      const scan = detectAnomalies(series);
      expect(scan.anomalies.map((a) => a.index)).toEqual(range(1000, 1048));
      for (const a of scan.anomalies) {
        expect(a.value).toBe(0);
        expect(a.score).toBeGreaterThan(ANOMALY_THRESHOLD);
        expect(a.timestamp).toBe(addSteps(START, a.index, "H"));
        // Within a few noise widths (5% of the level) of what the meter would have read.
        expect(Math.abs(a.expected - clean.values[a.index])).toBeLessThan(0.25 * clean.values[a.index] + 30);
      }
    }
  });

  it("flags an outage longer than the level's window, and one close to the end", () => {
    const long = hourly(12, 4);
    long.values.fill(0, 700, 940); // ten days, longer than half the week-long window
    expect(flagged(long)).toEqual(range(700, 940));
    const late = hourly(12, 5);
    late.values.fill(0, 1950, 1990); // ends a day before the last reading
    expect(flagged(late)).toEqual(range(1950, 1990));
  });

  it("flags a single spike, up or down", () => {
    const series = hourly(10, 6);
    series.values[500] *= 3;
    series.values[900] *= 0.2;
    const scan = detectAnomalies(series);
    expect(scan.anomalies.map((a) => a.index)).toEqual([500, 900]);
    expect(scan.anomalies[0].score).toBeGreaterThan(20);
  });

  it("flags a meter reset: a step down and back, or a negative reading", () => {
    const step = hourly(10, 7);
    for (let t = 1200; t < 1212; t++) step.values[t] *= 0.1;
    expect(flagged(step)).toEqual(range(1200, 1212));
    const negative = hourly(10, 8);
    negative.values[1300] = -5000;
    const scan = detectAnomalies(negative);
    expect(scan.anomalies.map((a) => a.index)).toEqual([1300]);
    expect(scan.anomalies[0].expected).toBeGreaterThan(0);
  });

  it("does not flag a level shift that persists, up or down, in the middle or at the end", () => {
    const shifts: [string, (t: number) => number][] = [
      ["×1.5 from week 8", (t) => (t >= 8 * 168 ? 1.5 : 1)],
      ["×0.6 for weeks 4 to 8", (t) => (t >= 4 * 168 && t < 8 * 168 ? 0.6 : 1)],
      // The daily swing doubles with the level: the season scales, not only the level.
      ["×2 for weeks 4 to 8", (t) => (t >= 4 * 168 && t < 8 * 168 ? 2 : 1)],
      ["×2 over the last 30 hours", (t) => (t >= 12 * 168 - 30 ? 2 : 1)],
      ["×0.5 over the last 3 days", (t) => (t >= 12 * 168 - 72 ? 0.5 : 1)],
    ];
    for (const [name, shape] of shifts) {
      for (const seed of range(1, 11))
        expect(flagged(hourly(12, seed, { shape })), `${name}, seed ${seed}`).toEqual([]);
    }
  });

  it("divides by nothing on a constant series, and flags a step away from it", () => {
    const constant: RegularSeries = { start: START, frequency: "H", values: new Float64Array(500).fill(42) };
    const scan = detectAnomalies(constant);
    expect(scan.anomalies).toEqual([]);
    expect(scan.expected.every((v) => v === 42)).toBe(true);
    const zeros = detectAnomalies({ ...constant, values: new Float64Array(500) });
    expect(zeros.anomalies).toEqual([]);
    expect(zeros.expected.every(Number.isFinite)).toBe(true);
    const spiked = Float64Array.from(constant.values);
    spiked[250] = 50;
    const spike = detectAnomalies({ ...constant, values: spiked }).anomalies;
    expect(spike.map((a) => a.index)).toEqual([250]);
    expect(Number.isFinite(spike[0].score)).toBe(true);
    expect(spike[0].expected).toBe(42);
  });

  it("never flags a gap, judges around gaps, and gives every step an expected value", () => {
    const series = hourly(10, 9);
    for (let t = 0; t < series.values.length; t += 7) series.values[t] = Number.NaN;
    series.values.fill(Number.NaN, 600, 800);
    series.values[1002] *= 3; // not a multiple of 7: a reading
    const scan = detectAnomalies(series);
    expect(scan.anomalies.map((a) => a.index)).toEqual([1002]);
    expect(scan.expected.every(Number.isFinite)).toBe(true);
  });

  it("judges nothing on a series too short, or intermittent", () => {
    const short: RegularSeries = {
      start: START,
      frequency: "H",
      values: Float64Array.from({ length: MIN_ANOMALY_READINGS - 1 }, (_, t) =>
        t === 10 ? 1e6 : 5 + (t % 3),
      ),
    };
    expect(detectAnomalies(short)).toMatchObject({ anomalies: [], skipped: "too short" });
    // An EV charger: mostly zeros, sessions now and then.
    const random = mulberry32(10);
    const charger = Float64Array.from({ length: 1000 }, () => (random() < 0.1 ? 7 + 20 * random() : 0));
    expect(detectAnomalies({ start: START, frequency: "H", values: charger })).toMatchObject({
      anomalies: [],
      skipped: "intermittent",
    });
  });

  it("judges daily, monthly and non-seasonal series too", () => {
    const random = mulberry32(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const daily = Float64Array.from(
      { length: 400 },
      (_, t) => 300 + 50 * Math.sin((2 * Math.PI * t) / 7) + 10 * gauss(),
    );
    daily[200] = 0;
    expect(flagged({ start: START, frequency: "D", values: daily })).toEqual([200]);
    const monthly = Float64Array.from(
      { length: 60 },
      (_, t) => 500 + 80 * Math.sin((2 * Math.PI * t) / 12) + 5 * gauss(),
    );
    monthly[30] += 200;
    expect(flagged({ start: START, frequency: "M", values: monthly })).toEqual([30]);
    const yearly = Float64Array.from({ length: 40 }, () => 100 + 2 * gauss());
    yearly[20] = 160;
    expect(flagged({ start: START, frequency: "Y", values: yearly })).toEqual([20]);
  });

  it("replaces flagged points by their expected value in a copy", () => {
    const series = hourly(10, 12);
    series.values.fill(0, 800, 830);
    const scan = detectAnomalies(series);
    const cleaned = replaceAnomalies(series, scan);
    expect(series.values[810]).toBe(0);
    expect(cleaned.values[810]).toBe(scan.expected[810]);
    expect(cleaned.values[400]).toBe(series.values[400]);
    expect(detectAnomalies(cleaned).anomalies).toEqual([]);
  });

  it("rarely flags a clean seasonal series with Gaussian noise (property: < 0.5% of points)", () => {
    let flags = 0;
    let points = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 18 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.01, max: 0.25, noNaN: true }),
        fc.double({ min: -5, max: 5000, noNaN: true }),
        (weeks, seed, noise, offset) => {
          const random = mulberry32(seed);
          const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
          const level = 10 + 1000 * random();
          const daily = 0.5 * random();
          const phase = 2 * Math.PI * random();
          const values = Float64Array.from(
            { length: weeks * 168 },
            (_, t) =>
              offset +
              level *
                (1 +
                  daily * Math.sin((2 * Math.PI * t) / 24 + phase) +
                  0.1 * Math.cos((2 * Math.PI * t) / 168) +
                  noise * gauss()),
          );
          const n = detectAnomalies({ start: START, frequency: "H", values }).anomalies.length;
          flags += n;
          points += values.length;
          return n / values.length < 0.005;
        },
      ),
      { numRuns: 60, seed: 20260101 },
    );
    expect(flags / points).toBeLessThan(0.0005);
  });

  it("takes a few milliseconds at most for 3,000 hourly points", () => {
    const series = Array.from({ length: 20 }, (_, k) => {
      const s = hourly(18, 100 + k);
      return { ...s, values: s.values.subarray(0, 3000) };
    });
    for (const s of series) detectAnomalies(s); // warm up
    const started = performance.now();
    for (let round = 0; round < 5; round++) for (const s of series) detectAnomalies(s);
    const perSeries = (performance.now() - started) / 100;
    // About 1 ms on an idle core; the bound only catches an accidental O(n²).
    expect(perSeries).toBeLessThan(25);
  });
});
