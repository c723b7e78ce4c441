import { describe, expect, it } from "vitest";
import { thetaModel } from "./theta.ts";

const y = Float64Array.from(
  { length: 72 },
  (_, i) => 10 + 0.05 * i + 3 * Math.sin((2 * Math.PI * i) / 12) + 0.5 * Math.cos(1.7 * i),
);

describe("Theta (mirror of R forecast::thetaf)", () => {
  it("matches thetaf with ses(initial = 'simple') step by step", () => {
    // R forecast 8.20: dec <- decompose(x, "multiplicative"); xs <- seasadj(dec)
    //   fc <- ses(xs, h = 18, initial = "simple"); α = 0.342270105947
    //   mean <- fc$mean + b/2·(0:17 + (1 − (1 − α)^n)/α), reseasonalised by tail(dec$seasonal, 12).
    // (thetaf itself estimates α and ℓ0 by likelihood: 13.9792729, … — within 1e-3.)
    const reference = [
      13.98008282, 15.67426439, 17.15643945, 17.72470111, 17.09016129, 15.78868962, 14.05815571, 12.42302138,
      11.05422506, 10.42124015, 11.04023855, 12.56529615, 14.29148428, 16.02275627, 17.53717967, 18.11732623,
      17.468033, 16.13714312,
    ];
    const model = thetaModel();
    const state = model.fit({ y, frequency: "M", seasonalPeriods: [12] });
    expect(state.decomposition).toBe("multiplicative");
    expect(state.alpha).toBeCloseTo(0.3422701, 4);
    const f = model.predict(state, 18);
    for (const [k, v] of reference.entries()) expect(f[k]).toBeCloseTo(v, 4);
  });

  it("goes without season when the data has no seasonal period", () => {
    const model = thetaModel();
    const state = model.fit({ y, frequency: "Y", seasonalPeriods: [] });
    expect(state.decomposition).toBe("none");
    expect(model.predict(state, 3)).toHaveLength(3);
  });
});
