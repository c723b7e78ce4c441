import { describe, expect, it } from "vitest";
import { seasonalNaive } from "./seasonal-naive.ts";

describe("SeasonalNaive (FPP3 §5.2; statsforecast SeasonalNaive)", () => {
  it("repeats the last season: ŷ(T + k) = y(T + k − m(⌊(k − 1)/m⌋ + 1))", () => {
    const y = Float64Array.from([1, 2, 3, 4, 5, 6, 7]);
    const model = seasonalNaive({ period: 3 });
    const state = model.fit({ y, frequency: "H", seasonalPeriods: [3] });
    expect(Array.from(model.predict(state, 7))).toEqual([5, 6, 7, 5, 6, 7, 5]);
  });

  it("is the naive forecast without a period, and fills a gap from the season before", () => {
    const naive = seasonalNaive();
    expect(
      Array.from(
        naive.predict(naive.fit({ y: Float64Array.from([3, 9]), frequency: "Y", seasonalPeriods: [] }), 2),
      ),
    ).toEqual([9, 9]);
    const model = seasonalNaive({ period: 2 });
    const state = model.fit({
      y: Float64Array.from([1, 2, 3, Number.NaN]),
      frequency: "H",
      seasonalPeriods: [2],
    });
    expect(state.lastSeason).toEqual([3, 2]);
  });
});
