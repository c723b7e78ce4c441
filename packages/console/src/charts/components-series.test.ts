import { describe, expect, it } from "vitest";
import { componentColumns, componentLabel, relatedFields } from "./components-series.ts";

describe("components of an explained forecast", () => {
  it("puts the points in time order with the largest component first", () => {
    const cols = componentColumns([
      { timestamp: "2026-01-01T01:00:00Z", mean: 12, components: { trend: 10, daily: -1, temperature: 3 } },
      { timestamp: "2026-01-01T00:00:00Z", mean: 14, components: { trend: 10, daily: 1, temperature: 3 } },
    ]);
    expect(cols.xs).toEqual([1767225600, 1767229200]);
    expect(cols.names).toEqual(["trend", "temperature", "daily"]);
    expect(cols.columns).toEqual([
      [10, 10],
      [3, 3],
      [1, -1],
    ]);
  });

  it("has no names when the points carry no components, and gaps where one is missing", () => {
    expect(componentColumns([{ timestamp: "2026-01-01T00:00:00Z", mean: 1 }]).names).toEqual([]);
    const cols = componentColumns([
      { timestamp: "2026-01-01T00:00:00Z", mean: 1, components: { trend: 1 } },
      { timestamp: "2026-01-01T01:00:00Z", mean: 3, components: { trend: 1, holiday: 2 } },
    ]);
    expect(cols.columns[cols.names.indexOf("holiday")]).toEqual([null, 2]);
  });

  it("offers every driver but the holiday flags to a what-if, and names components in words", () => {
    expect(relatedFields([{ name: "temperature", importance: 3 }, { name: "holiday" }])).toEqual([
      "temperature",
    ]);
    expect(relatedFields(undefined)).toEqual([]);
    expect(componentLabel("timeOfWeek")).toBe("Time of week");
    expect(componentLabel("wind_speed")).toBe("Wind speed");
  });
});
