import { describe, expect, it } from "vitest";
import { isSeasonal, seasonalFigure } from "./decompose.ts";
import { goldenSection } from "./golden-section.ts";
import { thetaFit, thetaForecast } from "./theta.ts";

const y = Float64Array.from(
  { length: 72 },
  (_, i) => 10 + 0.05 * i + 3 * Math.sin((2 * Math.PI * i) / 12) + 0.5 * Math.cos(1.7 * i),
);

describe("classical decomposition (mirror of R stats::decompose)", () => {
  it("matches R's multiplicative seasonal figure", () => {
    // R 4.2.2: decompose(ts(y, frequency = 12), type = "multiplicative")$figure
    const reference = [
      1.002067236, 1.121421523, 1.225194314, 1.263439086, 1.215963688, 1.12129804, 0.9965642999, 0.8790380462,
      0.7807530049, 0.7347018629, 0.7769230691, 0.8826358301,
    ];
    const figure = seasonalFigure(y, 12, "multiplicative");
    for (const [j, v] of reference.entries()) expect(figure[j]).toBeCloseTo(v, 8);
  });

  it("runs thetaf's 90% seasonality test", () => {
    expect(isSeasonal(y, 12)).toBe(true);
    const noise = Float64Array.from({ length: 72 }, (_, i) => Math.sin(i * i));
    expect(isSeasonal(noise, 12)).toBe(false);
  });
});

describe("Theta kernel", () => {
  it("is SES with drift: a straight line continues with half its slope (Hyndman & Billah 2003)", () => {
    const line = Float64Array.from({ length: 40 }, (_, t) => 5 + 2 * t);
    const state = thetaFit(line, 1);
    expect(state.drift).toBeCloseTo(1, 12);
    const f = thetaForecast(state, 3);
    // α = 1: level = last value 83; forecast(k) = 83 + 1·(k − 1 + 1).
    expect(Array.from(f)).toEqual([84, 85, 86]);
  });

  it("golden-section search finds a minimum", () => {
    expect(goldenSection((x) => (x - 0.3) ** 2, 0, 1, 1e-8)).toBeCloseTo(0.3, 7);
  });
});
