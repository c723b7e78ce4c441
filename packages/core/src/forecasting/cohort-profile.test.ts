import { describe, expect, it } from "vitest";
import type { Frequency } from "../series/frequency.ts";
import type { RegularSeries } from "../series/series.ts";
import { cohortCycle, cohortProfile, slotOf } from "./cohort-profile.ts";

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2024, 0, 1);

/**
 * An hour-of-week shape with mean exactly 1: high from 07:00 to 18:59, weekdays above weekends.
 * Its values have few digits, so the 7-significant-digit profile can recover them exactly.
 */
const WEEK_SHAPE: number[] = Array.from({ length: 168 }, (_, s) => {
  const hour = s % 24;
  const day = Math.floor(s / 24);
  return (hour >= 7 && hour < 19 ? 1.5 : 0.5) * (day < 5 ? 1.1 : 0.75);
});

/** `steps` hourly readings from `start` following `shape` at `level`. */
function hourly(start: number, steps: number, level: number, shape = WEEK_SHAPE): RegularSeries {
  const slot0 = slotOf(start, "H", cohortCycle("H"));
  const values = Float64Array.from({ length: steps }, (_, i) => level * shape[(slot0 + i) % 168]);
  return { start, frequency: "H", values };
}

describe("cohortCycle and slotOf", () => {
  it("cycles sub-daily data over a week of steps, daily by weekday, then by month, quarter, year", () => {
    const periods = (
      ["1min", "5min", "10min", "15min", "30min", "H", "D", "W", "M", "Q", "Y"] as Frequency[]
    ).map((f) => cohortCycle(f).period);
    expect(periods).toEqual([10080, 2016, 1008, 672, 336, 168, 7, 52, 12, 4, 1]);
    expect(new Date(cohortCycle("H").origin).getUTCDay()).toBe(1);
  });

  it("places hourly steps by hour of week from Monday 00:00 UTC", () => {
    const h = cohortCycle("H");
    expect(slotOf(MONDAY, "H", h)).toBe(0);
    expect(slotOf(Date.UTC(2024, 0, 2, 1), "H", h)).toBe(25);
    expect(slotOf(Date.UTC(2024, 0, 2, 1, 59), "H", h)).toBe(25);
    expect(slotOf(Date.UTC(2031, 5, 1, 23), "H", h)).toBe(167); // a Sunday, years after the origin
    expect(slotOf(Date.UTC(2019, 11, 31, 2), "H", h)).toBe(26); // a Tuesday, before it
    expect(slotOf(Date.UTC(2024, 0, 1, 0, 30), "30min", cohortCycle("30min"))).toBe(1);
  });

  it("places days by weekday, months by month and quarters by quarter of the year", () => {
    expect(slotOf(Date.UTC(2025, 5, 16), "D", cohortCycle("D"))).toBe(0); // Monday
    expect(slotOf(Date.UTC(2025, 5, 22, 13), "D", cohortCycle("D"))).toBe(6); // Sunday
    expect(slotOf(Date.UTC(2025, 2, 15), "M", cohortCycle("M"))).toBe(2);
    expect(slotOf(Date.UTC(1998, 11, 1), "M", cohortCycle("M"))).toBe(11);
    expect(slotOf(Date.UTC(2025, 7, 1), "Q", cohortCycle("Q"))).toBe(2);
    expect(slotOf(Date.UTC(2025, 7, 1), "Y", cohortCycle("Y"))).toBe(0);
  });
});

describe("cohortProfile", () => {
  it("recovers a weekly shape shared by peers at different levels and start hours", () => {
    const peers = [
      hourly(MONDAY, 4 * 168, 2),
      hourly(MONDAY + 13 * HOUR, 6 * 168 + 5, 10),
      hourly(MONDAY - 50 * HOUR, 3 * 168 + 77, 0.4),
    ];
    const cohort = cohortProfile("segment=office", peers, "H");
    expect(cohort).toBeDefined();
    if (!cohort) return;
    expect(cohort.key).toBe("segment=office");
    expect(cohort.peers).toBe(3);
    expect(cohort.period).toBe(168);
    expect(cohort.origin).toBe(MONDAY);
    for (let s = 0; s < 168; s++) {
      expect(Math.abs(cohort.profile[s] - WEEK_SHAPE[s])).toBeLessThan(1e-9);
      expect(cohort.spread[s]).toBeLessThan(1e-9);
    }
  });

  it("skips gaps, and normalises a gappy peer by its slot means so its level is not biased", () => {
    const gappy = hourly(MONDAY, 4 * 168, 5);
    // Knock out every weekday peak reading but the last week's, and a few others.
    for (let i = 0; i < 3 * 168; i++) if (WEEK_SHAPE[i % 168] > 1.6) gappy.values[i] = Number.NaN;
    gappy.values[3] = Number.NaN;
    gappy.values[4 * 168 - 1] = Number.NaN; // trailing gap
    const cohort = cohortProfile("all", [hourly(MONDAY + 7 * HOUR, 2 * 168, 1), gappy], "H");
    expect(cohort?.peers).toBe(2);
    for (let s = 0; s < 168; s++)
      expect(Math.abs((cohort?.profile[s] ?? 0) - WEEK_SHAPE[s])).toBeLessThan(1e-9);
  });

  it("skips peers with mean ≤ 0 or less than a cycle of readings, and is undefined when none is left", () => {
    const zero: RegularSeries = { start: MONDAY, frequency: "H", values: new Float64Array(2 * 168) };
    const short = hourly(
      MONDAY,
      100,
      50,
      WEEK_SHAPE.map((_, s) => (s % 2 ? 3 : 0.1)),
    );
    const cohort = cohortProfile("k", [zero, hourly(MONDAY, 168, 3), short], "H");
    expect(cohort?.peers).toBe(1);
    for (let s = 0; s < 168; s++)
      expect(Math.abs((cohort?.profile[s] ?? 0) - WEEK_SHAPE[s])).toBeLessThan(1e-9);
    expect(cohortProfile("k", [zero, short], "H")).toBeUndefined();
    expect(cohortProfile("k", [], "H")).toBeUndefined();
  });

  it("uses only the last maxCycles cycles of each peer", () => {
    const flat = WEEK_SHAPE.map(() => 1);
    const old = hourly(MONDAY, 2 * 168, 4, flat);
    const recent = hourly(MONDAY + 2 * 168 * HOUR, 168, 4);
    const peer: RegularSeries = { start: MONDAY, frequency: "H", values: new Float64Array(3 * 168) };
    peer.values.set(old.values);
    peer.values.set(recent.values, 2 * 168);
    const cohort = cohortProfile("k", [peer], "H", { maxCycles: 1 });
    for (let s = 0; s < 168; s++)
      expect(Math.abs((cohort?.profile[s] ?? 0) - WEEK_SHAPE[s])).toBeLessThan(1e-9);
  });

  it("fills slots nobody has read with 1 and the pooled spread, then rescales the profile to mean 1", () => {
    // Monthly peers with readings only in January–June: the other months have no data.
    const months = [0.5, 1.5, 0.5, 1.5, 0.5, 1.5];
    // The second year 20% above the first, so normalised readings scatter around the profile.
    const peers = [2, 4].map(
      (level): RegularSeries => ({
        start: Date.UTC(2023, 0, 1),
        frequency: "M",
        values: Float64Array.from({ length: 18 }, (_, i) =>
          i % 12 < 6 ? level * months[i % 12] * (i < 12 ? 0.9 : 1.1) : Number.NaN,
        ),
      }),
    );
    const cohort = cohortProfile("k", peers, "M");
    expect(cohort?.period).toBe(12);
    const profile = cohort?.profile ?? [];
    expect(profile.reduce((a, b) => a + b, 0) / 12).toBeCloseTo(1, 6);
    expect(profile.slice(6)).toEqual(Array(6).fill(profile[6]));
    expect(profile[1] / profile[0]).toBeCloseTo(3, 6);
    expect(profile[6] / profile[0]).toBeCloseTo(2, 6); // 1 against the observed half's 0.5
    const spread = cohort?.spread ?? [];
    expect(spread[6]).toBeGreaterThan(0);
    expect(spread.slice(7)).toEqual(Array(5).fill(spread[6]));
  });

  it("rejects a peer of another frequency", () => {
    expect(() =>
      cohortProfile("k", [{ start: MONDAY, frequency: "D", values: new Float64Array(14) }], "H"),
    ).toThrow(/frequency|is D/);
  });
});
