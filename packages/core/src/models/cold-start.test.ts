import { describe, expect, it } from "vitest";
import { cohortCycle, cohortProfile, slotOf } from "../forecasting/cohort-profile.ts";
import type { RegularSeries } from "../series/series.ts";
import { coldStartModel } from "./cold-start.ts";
import type { CohortProfile, FitInput } from "./model.ts";

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2024, 0, 1);

/** An hour-of-week shape with mean exactly 1 and few digits (as in cohort-profile.test.ts). */
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

function exactCohort(): CohortProfile {
  const cohort = cohortProfile(
    "segment=office",
    [hourly(MONDAY, 4 * 168, 2), hourly(MONDAY, 4 * 168, 7)],
    "H",
  );
  if (!cohort) throw new Error("no cohort");
  return cohort;
}

/** Peers at the shape times (1 + amplitude × u), u a fixed pseudo-random sequence in [−1, 1). */
function noisyCohort(amplitude: number): CohortProfile {
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (2 * seed) / 2 ** 31 - 1;
  };
  const peers: RegularSeries[] = [1, 3, 5, 8].map((level) => {
    const peer = hourly(MONDAY, 4 * 168, level);
    for (let i = 0; i < peer.values.length; i++) peer.values[i] *= 1 + amplitude * next();
    return peer;
  });
  const cohort = cohortProfile("k", peers, "H");
  if (!cohort) throw new Error("no cohort");
  return cohort;
}

function input(series: RegularSeries, cohort?: CohortProfile): FitInput {
  return {
    y: series.values,
    frequency: series.frequency,
    seasonalPeriods: [24],
    start: series.start,
    cohort,
  };
}

describe("ColdStart", () => {
  const model = coldStartModel();

  it("forecasts a new customer with one week of history as its level times the cohort's shape", () => {
    const start = Date.UTC(2024, 4, 8, 5); // a Wednesday, 05:00
    const customer = hourly(start, 168, 3.7);
    const state = model.fit(input(customer, exactCohort()));
    expect(model.alias).toBe("ColdStart");
    expect(state.level).toBeCloseTo(3.7, 9);
    expect(state.n).toBe(168);
    expect(state.cohort).toBe("segment=office");
    expect(state.peers).toBe(2);
    const next = start + 168 * HOUR;
    expect(state.firstSlot).toBe(slotOf(next, "H", cohortCycle("H")));
    const forecast = model.predict(state, 168);
    for (let i = 0; i < 168; i++) {
      expect(forecast[i]).toBeCloseTo(3.7 * WEEK_SHAPE[slotOf(next + i * HOUR, "H", cohortCycle("H"))], 9);
    }
    // An exact cohort and an exact customer leave no uncertainty.
    expect(Math.max(...(model.variance?.(state, 168) ?? []))).toBeLessThan(1e-12);
  });

  it("sets the level from a few gappy readings", () => {
    const customer = hourly(MONDAY + 30 * HOUR, 60, 12);
    customer.values[0] = Number.NaN;
    customer.values[20] = Number.NaN;
    const state = model.fit(input(customer, exactCohort()));
    expect(state.level).toBeCloseTo(12, 9);
    expect(state.n).toBe(58);
    expect(state.firstSlot).toBe(90);
  });

  it("explains the forecast as level plus the cohort profile, summing to predict", () => {
    const customer = hourly(MONDAY, 100, 2.5);
    customer.values[7] *= 1.3;
    const state = model.fit(input(customer, noisyCohort(0.1)));
    const parts = model.explain?.(state, 200) ?? {};
    expect(Object.keys(parts).sort()).toEqual(["cohortProfile", "level"]);
    const forecast = model.predict(state, 200);
    for (let i = 0; i < 200; i++) {
      expect(parts.level[i]).toBe(state.level);
      expect(parts.level[i] + parts.cohortProfile[i]).toBeCloseTo(forecast[i], 10);
    }
  });

  it("has a positive variance, larger when peers scatter more around the profile", () => {
    const customer = hourly(MONDAY, 168, 4);
    const quiet = model.fit(input(customer, noisyCohort(0.05)));
    const noisy = model.fit(input(customer, noisyCohort(0.2)));
    const vq = model.variance?.(quiet, 168) ?? new Float64Array(0);
    const vn = model.variance?.(noisy, 168) ?? new Float64Array(0);
    expect(vq.length).toBe(168);
    for (let i = 0; i < 168; i++) {
      expect(vq[i]).toBeGreaterThan(0);
      expect(vn[i]).toBeGreaterThan(vq[i]);
    }
  });

  it("adds the level's own uncertainty when the customer's readings scatter", () => {
    const cohort = exactCohort();
    const steady = hourly(MONDAY, 168, 4);
    const erratic = hourly(MONDAY, 168, 4);
    for (let i = 0; i < 168; i++) erratic.values[i] *= i % 2 ? 1.2 : 0.8;
    const s = model.fit(input(steady, cohort));
    const e = model.fit(input(erratic, cohort));
    expect(s.levelStdError).toBeLessThan(1e-12);
    expect(e.levelStdError).toBeGreaterThan(0);
    expect(model.variance?.(e, 1)[0]).toBeGreaterThan(0);
  });

  it("fits monthly data by month of year", () => {
    const shape = [1.4, 1.3, 1.1, 0.9, 0.8, 0.7, 0.7, 0.8, 0.9, 1.1, 1.2, 1.1];
    const monthly = (start: number, steps: number, level: number): RegularSeries => {
      const slot0 = slotOf(start, "M", cohortCycle("M"));
      return {
        start,
        frequency: "M",
        values: Float64Array.from({ length: steps }, (_, i) => level * shape[(slot0 + i) % 12]),
      };
    };
    const cohort = cohortProfile(
      "all",
      [monthly(Date.UTC(2020, 3, 1), 48, 300), monthly(Date.UTC(2021, 0, 1), 36, 90)],
      "M",
    );
    const customer = monthly(Date.UTC(2024, 8, 1), 5, 150); // September–January
    const state = model.fit({
      y: customer.values,
      frequency: "M",
      seasonalPeriods: [],
      start: customer.start,
      cohort,
    });
    expect(state.firstSlot).toBe(1); // February
    const forecast = model.predict(state, 3);
    expect(Array.from(forecast, (v) => Number(v.toFixed(6)))).toEqual(
      [150 * 1.3, 150 * 1.1, 150 * 0.9].map((v) => Number(v.toFixed(6))),
    );
  });

  it("says what is missing when fitted without a cohort, a start or readings", () => {
    const customer = hourly(MONDAY, 168, 4);
    expect(() => model.fit(input(customer))).toThrow(/ColdStart needs input\.cohort/);
    expect(() => model.fit({ ...input(customer, exactCohort()), start: undefined })).toThrow(
      /ColdStart needs input\.start/,
    );
    const empty = { ...customer, values: new Float64Array(10).fill(Number.NaN) };
    expect(() => model.fit(input(empty, exactCohort()))).toThrow(/no readings/);
    const daily = cohortProfile(
      "d",
      [{ start: MONDAY, frequency: "D", values: new Float64Array(14).fill(1) }],
      "D",
    );
    expect(() => model.fit(input(customer, daily))).toThrow(/7-slot profile, H data need 168/);
  });
});
