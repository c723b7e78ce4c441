import { describe, expect, it } from "vitest";
import { combineForecasts, ensemble } from "./ensemble.ts";
import type { ForecastModel } from "./model.ts";

const constant = (value: number): ForecastModel<number> => ({
  alias: `C${value}`,
  fit: () => value,
  predict: (state, h) => new Float64Array(h).fill(state),
});
const broken: ForecastModel = {
  alias: "Broken",
  fit: () => {
    throw new Error("boom");
  },
  predict: () => new Float64Array(0),
};
const models: Record<string, ForecastModel> = {
  C1: constant(1) as ForecastModel,
  C5: constant(5) as ForecastModel,
  C9: constant(9) as ForecastModel,
  Broken: broken,
};
const input = { y: Float64Array.from([1, 2, 3]), frequency: "H" as const, seasonalPeriods: [] };

describe("Ensemble", () => {
  it("averages its members step by step, or takes their median", () => {
    expect(
      Array.from(
        combineForecasts(
          [Float64Array.from([1, 2]), Float64Array.from([3, 10]), Float64Array.from([8, 0])],
          "mean",
        ),
      ),
    ).toEqual([4, 4]);
    expect(
      Array.from(
        combineForecasts(
          [Float64Array.from([1, 2]), Float64Array.from([3, 10]), Float64Array.from([8, 0])],
          "median",
        ),
      ),
    ).toEqual([3, 2]);
  });

  it("leaves out members that fail and fails only when all do", () => {
    const model = ensemble((a) => models[a], ["C1", "Broken", "C9"]);
    const state = model.fit(input);
    expect(state.members.map((m) => m.alias)).toEqual(["C1", "C9"]);
    expect(Array.from(model.predict(state, 2))).toEqual([5, 5]);
    expect(() => ensemble((a) => models[a], ["Broken"]).fit(input)).toThrow(
      /every ensemble member failed \(Broken: boom\)/,
    );
  });
});
