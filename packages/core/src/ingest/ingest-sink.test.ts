import { describe, expect, it } from "vitest";
import type { Frequency } from "../series/frequency.ts";
import { IngestSink, SAMPLE_ROWS } from "./ingest-sink.ts";
import { QuarantineWriter } from "./quarantine-writer.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 1);
const NOW = new Date("2026-01-01T00:00:00Z");

function sink(frequency: Frequency | undefined, aggregation: "sum" | "mean" = "sum"): IngestSink {
  return new IngestSink({ frequency, aggregation, now: NOW, quarantine: new QuarantineWriter() });
}

/** Adds [customer, minutes after START, value] readings; returns what `add` rejected them for. */
function addAll(target: IngestSink, readings: [string, number, number][]): (string | undefined)[] {
  return readings.map(([id, minutes, value]) =>
    target.add(target.customer(id), START + minutes * 60_000, value),
  );
}

/** A customer's hourly series as [hours after START, value]. */
function series(target: IngestSink, id: string): [number, number][] {
  expect(target.frequency()).toBe("H");
  const { indices, values } = target.takeBuckets(target.ids.indexOf(id));
  return indices.map((index, i) => [(index * HOUR - START) / HOUR, values[i]]);
}

// An overlapping export appended at the end of the file: a 00:00 1, 01:00 2, 02:00 3, then
// 00:00 again with the same value and 01:00 with another; b in between keeps them apart.
const DISTANT_REPEATS: [string, number, number][] = [
  ["a", 0, 1],
  ["a", 60, 2],
  ["a", 120, 3],
  ["b", 0, 7],
  ["a", 0, 1],
  ["a", 60, 5],
];

describe("IngestSink duplicates", () => {
  for (const frequency of ["H", undefined] as const) {
    const when = frequency === undefined ? "while the frequency is sampled" : "with a known frequency";
    it(`rejects a distant repeat and a distant conflicting repeat ${when}, keeping the first`, () => {
      const target = sink(frequency);
      expect(addAll(target, DISTANT_REPEATS)).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        "duplicate_row",
        "conflicting_duplicate",
      ]);
      expect(target.accepted).toBe(4);
      expect(target.frequency()).toBe("H");
      expect(series(target, "a")).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
      ]);
      expect(series(target, "b")).toEqual([[0, 7]]);
    });

    it(`ignores repeats under mean aggregation ${when}`, () => {
      const target = sink(frequency, "mean");
      // Hourly readings set the sampled frequency to H; the 00:30 one shares the 00:00 bucket.
      const first = addAll(target, [
        ["a", 0, 1],
        ["a", 60, 2],
        ["a", 120, 3],
        ["a", 180, 4],
        ["a", 30, 3],
      ]);
      expect(first).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(
        addAll(target, [
          ["a", 0, 1],
          ["a", 0, 9],
          ["a", 60, 20],
        ]),
      ).toEqual(["duplicate_row", "conflicting_duplicate", "conflicting_duplicate"]);
      expect(series(target, "a")).toEqual([
        [0, 2],
        [1, 2],
        [2, 3],
        [3, 4],
      ]);
    });
  }

  it("rejects a repeat of a sampled reading once the sample has settled the frequency", () => {
    const target = sink(undefined);
    const customers = 1000;
    const hours = SAMPLE_ROWS / customers;
    const rejected = new Set<string | undefined>();
    for (let h = 0; h < hours; h++) {
      for (let c = 0; c < customers; c++)
        rejected.add(target.add(target.customer(`c${c}`), START + h * HOUR, h));
    }
    expect([...rejected]).toEqual([undefined]);
    // The sample is full: the frequency is settled and the sampled readings are in their buckets.
    const c0 = target.customer("c0");
    expect(target.add(c0, START, 0)).toBe("duplicate_row");
    expect(target.add(c0, START + HOUR, 0)).toBe("conflicting_duplicate");
    expect(target.add(c0, START + hours * HOUR, hours)).toBeUndefined();
    expect(target.accepted).toBe(SAMPLE_ROWS + 1);
    expect(series(target, "c0")).toEqual(Array.from({ length: hours + 1 }, (_, h) => [h, h]));
  });

  it("sums readings finer than the frequency (15-minute data into H) and rejects their adjacent repeats", () => {
    const target = sink("H");
    const quarters: [string, number, number][] = [0, 15, 30, 45, 60, 75, 90, 105].map((m) => [
      "a",
      m,
      m / 15 + 1,
    ]);
    expect(addAll(target, quarters).every((r) => r === undefined)).toBe(true);
    // 01:45 repeated next to itself: caught by the previous-reading check, not by the bucket.
    expect(addAll(target, [["a", 105, 8]])).toEqual(["duplicate_row"]);
    expect(target.accepted).toBe(8);
    expect(series(target, "a")).toEqual([
      [0, 1 + 2 + 3 + 4],
      [1, 5 + 6 + 7 + 8],
    ]);
  });

  it("catches every repeat in the sample, also of readings finer than the inferred frequency", () => {
    const target = sink(undefined);
    // Customer a reads hourly, b every 15 minutes: per-customer gaps, so the sample says 15min;
    // a later repeat of any sampled reading is caught, whatever its position.
    const readings: [string, number, number][] = [];
    for (let m = 0; m < 600; m += 60) readings.push(["a", m, 1]);
    for (let m = 0; m < 600; m += 15) readings.push(["b", m, 1]);
    expect(addAll(target, readings).every((r) => r === undefined)).toBe(true);
    expect(
      addAll(target, [
        ["b", 15, 1],
        ["a", 0, 1],
        ["b", 30, 2],
      ]),
    ).toEqual(["duplicate_row", "duplicate_row", "conflicting_duplicate"]);
    expect(target.accepted).toBe(readings.length);
  });
});
