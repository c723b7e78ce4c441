import { describe, expect, it } from "vitest";
import { alignSeries } from "./forecast-series.ts";
import {
  actualsQuery,
  contextSteps,
  forecastSpan,
  joinedContext,
  splitActuals,
} from "./past-forecast-series.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-30T00:00:00Z");
const iso = (hour: number) => new Date(T0 + hour * HOUR).toISOString();
const step = (hour: number, p50: number) => ({
  timestamp: iso(hour),
  mean: p50,
  p10: p50 - 1,
  p50,
  p90: p50 + 1,
});
const reading = (hour: number, value: number) => ({ timestamp: iso(hour), value });

/** A four-step forecast from hour 10 to hour 13. */
const FORECAST = [10, 11, 12, 13].map((t) => step(t, t));

describe("a past forecast against its actuals", () => {
  it("draws half the horizon of history before it, within bounds", () => {
    expect(contextSteps(48)).toBe(24);
    expect(contextSteps(4)).toBe(12);
    expect(contextSteps(24 * 60)).toBe(336);
  });

  it("spans the forecast's first and last step whatever their order", () => {
    expect(forecastSpan([...FORECAST].reverse())).toEqual({ first: T0 + 10 * HOUR, last: T0 + 13 * HOUR });
    expect(forecastSpan([])).toBeUndefined();
    expect(actualsQuery([], 12)).toBeUndefined();
  });

  it("asks history up to the forecast's last step inclusive, for its length plus the context", () => {
    const query = actualsQuery(FORECAST, 3);
    expect(query).toEqual({ to: new Date(T0 + 13 * HOUR + 1).toISOString(), limit: 7 });
    // `to` is exclusive on the API: the last step is in, the next is out.
    expect(Date.parse(query?.to ?? "")).toBeGreaterThan(T0 + 13 * HOUR);
    expect(Date.parse(query?.to ?? "")).toBeLessThan(T0 + 14 * HOUR);
  });

  it("splits history into the context before the window and the actuals on its steps", () => {
    const history = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((t) => reading(t, t * 2));
    const { before, actuals } = splitActuals(history, FORECAST, 3);
    expect(before.map((p) => p.timestamp)).toEqual([iso(7), iso(8), iso(9)]);
    expect(actuals.map((p) => p.value)).toEqual([20, 22, 24, 26]);
  });

  it("sorts readings, drops unparseable ones, and keeps the actuals that exist when some are missing", () => {
    const history = [
      reading(12, 3),
      reading(9, 1),
      { timestamp: "not a time", value: 5 },
      reading(10, Number.NaN),
      reading(8, 0),
      reading(11, 2),
    ];
    const split = splitActuals(history, FORECAST, 12);
    expect(split.before.map((p) => p.value)).toEqual([0, 1]);
    expect(split.actuals.map((p) => p.timestamp)).toEqual([iso(11), iso(12)]);
    expect(splitActuals(history, FORECAST, 0).before).toEqual([]);
    expect(splitActuals(history, [], 12)).toEqual({ before: [], actuals: [] });
  });

  it("joins the context line to the first actual, and leaves it alone when there is nothing to join", () => {
    const split = splitActuals([reading(8, 0), reading(9, 1), reading(10, 2), reading(11, 3)], FORECAST, 12);
    expect(joinedContext(split).map((p) => p.value)).toEqual([0, 1, 2]);
    expect(joinedContext({ before: [reading(9, 1)], actuals: [] })).toEqual([reading(9, 1)]);
    expect(joinedContext({ before: [], actuals: [reading(10, 2)] })).toEqual([]);
  });

  it("aligns context, forecast and actuals on one axis, each null outside its own steps", () => {
    const split = splitActuals([reading(9, 1), reading(10, 2), reading(11, 3)], FORECAST, 12);
    const aligned = alignSeries(joinedContext(split), FORECAST, null, split.actuals);
    expect(aligned.xs).toEqual([9, 10, 11, 12, 13].map((t) => (T0 + t * HOUR) / 1000));
    expect(aligned.history).toEqual([1, 2, null, null, null]);
    expect(aligned.actuals).toEqual([null, 2, 3, null, null]);
    expect(aligned.forecast?.center).toEqual([null, 10, 11, 12, 13]);
    expect(aligned.forecast?.lower).toEqual([null, 9, 10, 11, 12]);
    expect(aligned.forecast?.upper).toEqual([null, 11, 12, 13, 14]);
    // The live chart passes no actuals: no actuals line.
    expect(alignSeries([], FORECAST, null).actuals).toBeNull();
  });
});
