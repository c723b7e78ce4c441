import { describe, expect, it } from "vitest";
import { mstl } from "./mstl.ts";
import { stl } from "./stl.ts";

// Reference values from R 4.2.2 (stats::stl) and R forecast 8.20 (mstl), printed with
// sprintf("%.10g"):
//   i <- 0:71; y <- 10 + 0.05*i + 3*sin(2*pi*i/12) + 0.5*cos(1.7*i)
//   stl(ts(y, frequency = 12), s.window = 7)
//   j <- 0:143; z <- 20 + 0.02*j + 2*sin(2*pi*j/6) + 4*cos(2*pi*j/24) + 0.3*sin(0.9*j)
//   mstl(msts(z, seasonal.periods = c(6, 24)))
const y = Float64Array.from(
  { length: 72 },
  (_, i) => 10 + 0.05 * i + 3 * Math.sin((2 * Math.PI * i) / 12) + 0.5 * Math.cos(1.7 * i),
);
const z = Float64Array.from(
  { length: 144 },
  (_, j) =>
    20 +
    0.02 * j +
    2 * Math.sin((2 * Math.PI * j) / 6) +
    4 * Math.cos((2 * Math.PI * j) / 24) +
    0.3 * Math.sin(0.9 * j),
);

function expectAt(values: Float64Array, reference: Record<number, number>): void {
  for (const [i, v] of Object.entries(reference)) expect(values[Number(i)]).toBeCloseTo(v, 7);
}

describe("stl (mirror of R stats::stl)", () => {
  it("matches R's seasonal and trend components", () => {
    const fit = stl(y, 12, { seasonalWindow: 7 });
    expectAt(fit.seasonal, {
      0: 0.009919506072,
      1: 1.392538634,
      2: 2.556666121,
      35: -1.54740795,
      36: -0.0008004368239,
      69: -3.091731075,
      70: -2.589317651,
      71: -1.415258126,
    });
    expectAt(fit.trend, {
      0: 10.08476386,
      1: 10.12519857,
      2: 10.16563329,
      35: 11.74970903,
      36: 11.79902336,
      69: 13.4946614,
      70: 13.55091363,
      71: 13.60716586,
    });
  });

  it("decomposes each series on its own values when the loess weights are reused", () => {
    // The weights of a shape are computed once and kept (loess.ts): a second series of the
    // same length must not see the first's values, and the first decomposes the same again.
    const first = stl(y, 12, { seasonalWindow: 7 });
    const other = stl(
      Float64Array.from(y, (v, i) => v * 2 + (i % 5)),
      12,
      { seasonalWindow: 7 },
    );
    const again = stl(y, 12, { seasonalWindow: 7 });
    expect(again.seasonal).toEqual(first.seasonal);
    expect(again.trend).toEqual(first.trend);
    expect(other.trend).not.toEqual(first.trend);
  });

  it("refuses a series shorter than two periods, as R does", () => {
    expect(() => stl(y.subarray(0, 24), 12, { seasonalWindow: 7 })).toThrow(/two periods/);
  });
});

describe("mstl (mirror of R forecast::mstl)", () => {
  it("matches R's components for periods 6 and 24", () => {
    const fit = mstl(z, [6, 24]);
    expect(fit.periods).toEqual([6, 24]);
    expectAt(fit.seasonals[0], {
      0: -0.06683921912,
      1: 1.701070616,
      71: -1.714658573,
      72: 0.03763749345,
      142: -1.753593368,
      143: -1.799915816,
    });
    expectAt(fit.seasonals[1], {
      0: 4.008218853,
      1: 3.882818261,
      71: 3.918818397,
      72: 4.016355212,
      142: 3.516434213,
      143: 3.914365006,
    });
    expectAt(fit.trend, {
      0: 20.06123809,
      1: 20.07750902,
      71: 21.41977731,
      72: 21.43966123,
      142: 22.8770509,
      143: 22.8993499,
    });
  });

  it("drops periods without two full cycles and adds up to the series", () => {
    const fit = mstl(z, [6, 24, 100]);
    expect(fit.periods).toEqual([6, 24]);
    for (let t = 0; t < z.length; t++) {
      expect(fit.deseasonalized[t] + fit.seasonals[0][t] + fit.seasonals[1][t]).toBeCloseTo(z[t], 10);
    }
  });
});
