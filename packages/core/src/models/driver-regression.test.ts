import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import { driverRegression } from "./driver-regression.ts";
import type { Drivers, FitInput } from "./model.ts";

/** 2024-01-01, a Monday, 00:00 UTC. */
const START = Date.UTC(2024, 0, 1);
const WEEKS = 12;
const N = WEEKS * 168;
const H = 168;

/** Office-like profile: open weekdays 8–18 h (+60), closed weekends and holidays. */
function office(t: number, holiday: boolean): number {
  const day = Math.floor(t / 24) % 7;
  const hour = t % 24;
  const open = day < 5 && !holiday && hour >= 8 && hour < 18;
  return 100 + (open ? 60 : 0) + 5 * Math.sin((2 * Math.PI * hour) / 24);
}

/** Temperatures: a daily cycle on a slow drift across 0…28 °C, deterministic. */
function temperatureAt(t: number): number {
  return 14 + 10 * Math.sin((2 * Math.PI * t) / (24 * 23)) + 4 * Math.sin((2 * Math.PI * (t - 6)) / 24);
}

interface Customer {
  heating: number;
  cooling: number;
  noise: number;
  holidays?: number[];
}

function build(c: Customer, seed = 1) {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const total = N + H;
  const temperature = Float64Array.from({ length: total }, (_, t) => temperatureAt(t));
  const holiday = Uint8Array.from({ length: total }, (_, t) =>
    c.holidays?.includes(Math.floor(t / 24)) ? 1 : 0,
  );
  const load = (t: number, temp: number) =>
    office(t, holiday[t] === 1) + c.heating * Math.max(0, 16 - temp) + c.cooling * Math.max(0, temp - 22);
  const values = Float64Array.from(
    { length: total },
    (_, t) => load(t, temperature[t]) + c.noise * gaussian(),
  );
  const input: FitInput = {
    y: values.subarray(0, N),
    frequency: "H",
    seasonalPeriods: [24, 168],
    horizon: H,
    start: START,
    drivers: { fields: { temperature: temperature.subarray(0, N) }, holiday: holiday.subarray(0, N) },
  };
  const future: Drivers = { fields: { temperature: temperature.subarray(N) }, holiday: holiday.subarray(N) };
  return { input, future, actual: values.subarray(N), load };
}

describe("DriverRegression", () => {
  it("recovers balance points and slopes of a constructed heating/cooling customer", () => {
    const { input, future, actual } = build({ heating: 3, cooling: 2, noise: 0 });
    const model = driverRegression();
    const state = model.fit(input);
    const t = state.temperature!;
    expect(t.heatingBalance).toBe(16);
    expect(t.coolingBalance).toBe(22);
    expect(t.heatingSlope).toBeCloseTo(3, 2);
    expect(t.coolingSlope).toBeCloseTo(2, 2);
    const f = model.predict(state, H, future);
    for (let k = 0; k < H; k++) expect(f[k]).toBeCloseTo(actual[k], 0);
  });

  it("forecasts a rise in a cold spell for a heating customer, not for one without a response", () => {
    const model = driverRegression();
    const cold = (d: Drivers): Drivers => ({
      ...d,
      fields: { temperature: d.fields.temperature.map((v) => v - 10) },
    });
    const sum = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
    const heater = build({ heating: 4, cooling: 0, noise: 5 }, 2);
    const hs = model.fit(heater.input);
    const rise =
      (sum(model.predict(hs, H, cold(heater.future))) - sum(model.predict(hs, H, heater.future))) / H;
    // 10 °C colder adds ~4 × 10 on every hour already below 16 °C, less on the others.
    expect(rise).toBeGreaterThan(20);
    const flat = build({ heating: 0, cooling: 0, noise: 5 }, 3);
    const fs = model.fit(flat.input);
    const none = (sum(model.predict(fs, H, cold(flat.future))) - sum(model.predict(fs, H, flat.future))) / H;
    expect(Math.abs(none)).toBeLessThan(2);
  });

  it("forecasts a holiday in the horizon like the customer's Sunday", () => {
    // Holidays on day 17 (a Thursday) in history; the test week's Wednesday (day 86) is one too.
    const { input, future, actual, load } = build(
      { heating: 0, cooling: 0, noise: 1, holidays: [17, 86] },
      4,
    );
    const model = driverRegression();
    const state = model.fit(input);
    const f = model.predict(state, H, future);
    const day = 86 - N / 24; // index of the holiday in the horizon, in days
    for (let hour = 8; hour < 18; hour++) {
      const k = day * 24 + hour;
      // Closed on the holiday: the office's closed load, as on a Sunday, not the open +60.
      expect(Math.abs(f[k] - load(N + k, 14) + 0)).toBeLessThan(6);
      expect(f[k]).toBeLessThan(120);
      expect(Math.abs(f[k] - actual[k])).toBeLessThan(6);
    }
    // Without the holiday flag the same hours are forecast open.
    const noHoliday = model.predict(state, H, { ...future, holiday: new Uint8Array(H) });
    expect(noHoliday[day * 24 + 12]).toBeGreaterThan(150);
  });

  it("treats a holiday like Sunday even with no holiday in the fitted window (the prior)", () => {
    const { input, future } = build({ heating: 0, cooling: 0, noise: 1 }, 5);
    const model = driverRegression();
    const state = model.fit(input);
    const flags = new Uint8Array(H);
    for (let k = 48; k < 72; k++) flags[k] = 1; // Wednesday of the test week
    const f = model.predict(state, H, { ...future, holiday: flags });
    const sunday = model.predict(state, H, future);
    for (let hour = 0; hour < 24; hour++) expect(f[48 + hour]).toBeCloseTo(sunday[144 + hour], -1);
  });

  it("explains the forecast in named parts that sum to it", () => {
    const { input, future } = build({ heating: 3, cooling: 2, noise: 4, holidays: [17, 86] }, 6);
    const model = driverRegression();
    const state = model.fit(input);
    const parts = model.explain!(state, H, future);
    expect(Object.keys(parts).sort()).toEqual(
      ["autoregressive", "daily", "holiday", "temperature", "timeOfWeek", "trend"].sort(),
    );
    const f = model.predict(state, H, future);
    for (let k = 0; k < H; k++) {
      const sum = Object.values(parts).reduce((a, v) => a + v[k], 0);
      expect(Math.abs(sum - f[k])).toBeLessThanOrEqual(1e-9 * Math.abs(f[k]));
    }
    const v = model.variance!(state, H);
    // Positive, growing with the lead (AR propagation, the temperature forecast's error), shaped
    // by hour of the week (the slot profile), so compare whole days.
    const day = (d: number) => v.subarray(24 * d, 24 * d + 24).reduce((a, x) => a + x, 0);
    for (const x of v) expect(x).toBeGreaterThan(0);
    expect(day(6)).toBeGreaterThan(day(0));
    // Noise sd 4: the one-step error variance is about 16.
    expect(v[0]).toBeGreaterThan(8);
    expect(v[0]).toBeLessThan(32);
  });

  it("throws a clear error when the future drivers it needs are missing", () => {
    const { input, future } = build({ heating: 3, cooling: 0, noise: 1 }, 7);
    const model = driverRegression();
    const state = model.fit(input);
    expect(() => model.predict(state, H)).toThrow(/future\.fields\.temperature for 168 steps/);
    expect(() => model.predict(state, H, { fields: {}, holiday: future.holiday })).toThrow(/temperature/);
    expect(() => model.predict(state, H, { fields: future.fields })).toThrow(/future\.holiday/);
    expect(() => model.predict(state, H + 1, future)).toThrow(/169 steps \(got 168\)/);
  });

  it("still forecasts without drivers, with and without the calendar", () => {
    const { input, actual } = build({ heating: 0, cooling: 0, noise: 2 }, 8);
    const model = driverRegression();
    const bare = { ...input, drivers: undefined };
    const withCalendar = model.predict(model.fit(bare), H);
    const noCalendar = model.predict(model.fit({ ...bare, start: undefined }), H);
    const mae = (f: Float64Array) => f.reduce((a, v, k) => a + Math.abs(v - actual[k]), 0) / H;
    expect(mae(withCalendar)).toBeLessThan(3);
    expect(mae(noCalendar)).toBeLessThan(20);
    const parts = model.explain!(model.fit({ ...bare, start: undefined }), H);
    expect(Object.keys(parts).sort()).toEqual(["autoregressive", "daily", "timeOfWeek", "trend"]);
    // Under three weeks: Fourier terms of the day and the week instead of time-of-week slots.
    const short = { ...bare, y: bare.y.subarray(N - 400), start: undefined };
    const fourier = model.explain!(model.fit(short), H);
    expect(fourier.daily).toBeDefined();
    expect(fourier.weekly).toBeDefined();
    expect(fourier.timeOfWeek).toBeUndefined();
    expect(mae(model.predict(model.fit(short), H))).toBeLessThan(25);
  });

  it("takes numeric drivers other than temperature linearly and tolerates gaps", () => {
    const { input, future } = build({ heating: 2, cooling: 0, noise: 1 }, 9);
    const occupancy = Float64Array.from({ length: N + H }, (_, t) => (t * 7919) % 13);
    const y = input.y.map((v, t) => v + 5 * occupancy[t]);
    for (let t = 100; t < 130; t++) y[t] = Number.NaN;
    const model = driverRegression();
    const state = model.fit({
      ...input,
      y,
      drivers: {
        ...input.drivers!,
        fields: { ...input.drivers!.fields, occupancy: occupancy.subarray(0, N) },
      },
    });
    expect(state.linear[0].field).toBe("occupancy");
    expect(state.linear[0].coef).toBeCloseTo(5, 1);
    const parts = model.explain!(state, H, {
      ...future,
      fields: { ...future.fields, occupancy: occupancy.subarray(N) },
    });
    expect(parts.occupancy[0]).toBeCloseTo(5 * occupancy[N], 0);
  });
});
