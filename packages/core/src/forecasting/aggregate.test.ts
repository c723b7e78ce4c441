import { describe, expect, it } from "vitest";
import { mulberry32 } from "../ingest/generate.ts";
import { aggregateForecast, GroupTotal } from "./aggregate.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { trainCustomer } from "./train-customer.ts";

const START = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const H = 48;
const HISTORY = 28 * 24;

/** Customers sharing a common swing (the weather) plus their own noise. */
function fleet(n: number, seed: number): Float64Array[] {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const length = HISTORY + H;
  const common = new Float64Array(length);
  let ar = 0;
  for (let t = 0; t < length; t++) common[t] = ar = 0.9 * ar + gauss();
  return Array.from({ length: n }, (_, c) =>
    Float64Array.from(
      { length },
      (_, t) => (20 + c) * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 24)) + common[t] + 6 * gauss(),
    ),
  );
}

const job = (id: string) => ({
  dataset: "d",
  customerId: id,
  dataKey: "",
  modelKey: "",
  version: "v1",
  frequency: "H" as const,
  horizon: H,
  quantiles: [0.1, 0.5, 0.9],
});

describe("aggregateForecast", () => {
  it("sums the members' means and sizes the total's interval from its own backtest errors", () => {
    const customers = fleet(12, 1);
    const total = new GroupTotal();
    let summedWidth = 0;
    for (const [c, values] of customers.entries()) {
      const series = { start: START, frequency: "H" as const, values: values.subarray(0, HISTORY) };
      const points = forecastArtifact(trainCustomer(series, job(String(c)), new Date(0)), {
        horizon: H,
      }).points;
      total.add(series, new Map(points.map((p) => [Date.parse(p.timestamp), p.mean])));
      summedWidth += points.reduce((w, p) => w + (p.p90 as number) - (p.p10 as number), 0);
    }
    const forecast = aggregateForecast(total, H)!;
    expect(forecast.customers).toBe(12);
    expect(forecast.points).toHaveLength(H);
    expect(forecast.points[0].timestamp).toBe(new Date(START + HISTORY * HOUR).toISOString());
    for (const p of forecast.points) expect(p.p10 <= p.mean && p.mean <= p.p90).toBe(true);
    // Own noise cancels in the total: its band is narrower than the members' bands summed.
    const width = forecast.points.reduce((w, p) => w + p.p90 - p.p10, 0);
    expect(width).toBeLessThan(0.8 * summedWidth);
    // And it still covers the total that happened about as often as it says.
    let inside = 0;
    forecast.points.forEach((p, k) => {
      const actual = customers.reduce((s, v) => s + v[HISTORY + k], 0);
      if (actual >= p.p10 && actual <= p.p90) inside++;
    });
    expect(inside / H).toBeGreaterThan(0.6);
  });

  it("grows its grid to members that start and end apart, and keeps only timestamps all forecast", () => {
    const total = new GroupTotal();
    const hourly = (start: number, values: number[]) => ({
      start,
      frequency: "H" as const,
      values: Float64Array.from(values),
    });
    total.add(
      hourly(START + 2 * HOUR, [1, 2, 3]),
      new Map([
        [START + 5 * HOUR, 10],
        [START + 6 * HOUR, 11],
      ]),
    );
    total.add(hourly(START, [5, Number.NaN, 7, 8]), new Map([[START + 5 * HOUR, 1]]));
    const history = total.history()!;
    expect(history.start).toBe(START);
    expect(Array.from(history.values)).toEqual([5, Number.NaN, 8, 10, 3]);
    expect(total.forecast()).toEqual([[START + 5 * HOUR, 11]]);
  });
});
