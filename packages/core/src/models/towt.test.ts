import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import { fahrenheitToCelsius } from "../kernels/temperature-response.ts";
import type { Drivers, FitInput } from "./model.ts";
import { timeOfWeekTemperature } from "./towt.ts";

const START = Date.UTC(2024, 0, 1); // a Monday
const N = 12 * 168;
const H = 168;

/** Hourly temperatures sweeping −5…30 °C (a daily cycle on a slow swing), deterministic. */
const temperatureAt = (t: number) =>
  12 + 15 * Math.sin((2 * Math.PI * t) / (24 * 19)) + 5 * Math.sin((2 * Math.PI * (t - 6)) / 24);

function build(response: (temp: number) => number, noise: number, seed: number) {
  const random = mulberry32(seed);
  const total = N + H;
  const temperature = Float64Array.from({ length: total }, (_, t) => temperatureAt(t));
  const tow = (t: number) => {
    const day = Math.floor(t / 24) % 7;
    const hour = t % 24;
    return 50 + (day < 5 && hour >= 8 && hour < 18 ? 40 : 0);
  };
  const values = Float64Array.from(
    { length: total },
    (_, t) => tow(t) + response(temperature[t]) + noise * (random() - 0.5),
  );
  const input: FitInput = {
    y: values.subarray(0, N),
    frequency: "H",
    seasonalPeriods: [24, 168],
    start: START,
    drivers: { fields: { temperature: temperature.subarray(0, N) } },
  };
  const future: Drivers = { fields: { temperature: temperature.subarray(N) } };
  return { input, future, actual: values.subarray(N), tow };
}

describe("TOWT (CalTRACK hourly)", () => {
  it("recovers a piecewise-linear temperature response and the time-of-week profile", () => {
    // Linear within CalTRACK's segments (knots 45/55/65/75 °F in °C): representable exactly.
    const k55 = fahrenheitToCelsius(55);
    const k75 = fahrenheitToCelsius(75);
    const response = (t: number) => 3 * Math.max(0, k55 - t) + 2 * Math.max(0, t - k75);
    const { input, future, actual } = build(response, 0, 1);
    const model = timeOfWeekTemperature();
    const state = model.fit(input);
    const f = model.predict(state, H, future);
    // Exact up to the 7 significant digits a state stores and the tiny ridge.
    for (let k = 0; k < H; k++) expect(f[k]).toBeCloseTo(actual[k], 3);
    // Weekday 10 h is occupied, Sunday 3 h is not.
    expect(state.occupied[2 * 24 + 10]).toBe(1);
    expect(state.occupied[6 * 24 + 3]).toBe(0);
  });

  it("forecasts a rise in a cold spell for a heating customer, not for one without a response", () => {
    const model = timeOfWeekTemperature();
    const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
    const cold = (d: Drivers): Drivers => ({
      fields: { temperature: d.fields.temperature.map((v) => v - 8) },
    });
    const heater = build((t) => 4 * Math.max(0, 15 - t), 4, 2);
    const hs = model.fit(heater.input);
    expect(
      mean(model.predict(hs, H, cold(heater.future))) - mean(model.predict(hs, H, heater.future)),
    ).toBeGreaterThan(15);
    const flat = build(() => 0, 4, 3);
    const fs = model.fit(flat.input);
    expect(
      Math.abs(mean(model.predict(fs, H, cold(flat.future))) - mean(model.predict(fs, H, flat.future))),
    ).toBeLessThan(2);
  });

  it("explains itself in parts that sum to the forecast, and has a variance", () => {
    const { input, future } = build((t) => 2 * Math.max(0, 16 - t), 6, 4);
    const model = timeOfWeekTemperature();
    const state = model.fit(input);
    const parts = model.explain!(state, H, future);
    expect(Object.keys(parts).sort()).toEqual(["temperature", "timeOfWeek"]);
    const f = model.predict(state, H, future);
    for (let k = 0; k < H; k++)
      expect(Math.abs(parts.temperature[k] + parts.timeOfWeek[k] - f[k])).toBeLessThanOrEqual(
        1e-9 * Math.abs(f[k]),
      );
    // Uniform noise of width 6: variance 3.
    expect(model.variance!(state, H)[0]).toBeGreaterThan(2);
    expect(model.variance!(state, H)[0]).toBeLessThan(4.5);
  });

  it("throws a clear error without the future temperature, and forecasts the week without drivers", () => {
    const { input, future, tow } = build(() => 0, 2, 5);
    const model = timeOfWeekTemperature();
    const state = model.fit(input);
    expect(() => model.predict(state, H)).toThrow(/future\.fields\.temperature for 168 steps/);
    expect(model.predict(state, H, future)).toHaveLength(H);
    const bare = model.fit({ ...input, drivers: undefined });
    const f = model.predict(bare, H);
    for (let k = 0; k < H; k++) expect(Math.abs(f[k] - tow(N + k))).toBeLessThan(1.5);
  });
});
