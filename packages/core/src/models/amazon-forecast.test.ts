import { describe, expect, it } from "vitest";
import { modelFor } from "./catalog.ts";

describe("AmazonForecast (imported export)", () => {
  const model = modelFor("AmazonForecast", []);

  it("replays the exported mean and holds its last value past the export", () => {
    expect([...model.predict({ mean: [1, 2, 3] }, 5)]).toEqual([1, 2, 3, 3, 3]);
  });

  it("cannot be fitted locally", () => {
    expect(() => model.fit({ y: new Float64Array(10), frequency: "H", seasonalPeriods: [] })).toThrow(
      /Amazon Forecast/,
    );
  });
});
