import { AIR_PASSENGERS, WWW_USAGE } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import { arimaFit } from "../kernels/arima.ts";
import { autoArima, autoArimaFit } from "./auto-arima.ts";

// R datasets: AirPassengers (144, monthly 1949–1960) and WWWusage (100, per minute).
const airPassengers = [...AIR_PASSENGERS];
const wwwUsage = [...WWW_USAGE];

describe("AutoARIMA (mirror of R forecast::auto.arima)", () => {
  it("chooses ARIMA(2,1,1)(0,1,0)[12] for AirPassengers with R's coefficients", () => {
    // R forecast: summary(auto.arima(AirPassengers)) (rpubs.com/…/293535, also with stepwise = FALSE)
    //   ARIMA(2,1,1)(0,1,0)[12]: ar1 0.5960, ar2 0.2143, ma1 −0.9819; σ² 132.3, loglik −504.92,
    //   AIC 1017.85, AICc 1018.17, BIC 1029.35
    const state = autoArimaFit(Float64Array.from(airPassengers), 12);
    expect(state.order).toEqual([2, 1, 1, 0, 1, 0, 12]);
    expect(state.constant).toBe(false);
    expect(state.ar[0]).toBeCloseTo(0.596, 3);
    expect(state.ar[1]).toBeCloseTo(0.2143, 3);
    expect(state.ma[0]).toBeCloseTo(-0.9819, 3);
    expect(state.sigma2).toBeCloseTo(132.3, 1);
    expect(state.aicc).toBeCloseTo(1018.17, 2);
    const fit = arimaFit(airPassengers, { p: 2, d: 1, q: 1, P: 0, D: 1, Q: 0, m: 12 });
    expect(fit?.loglik).toBeCloseTo(-504.92, 2);
    expect(fit?.bic).toBeCloseTo(1029.35, 2);
  });

  it("chooses ARIMA(1,1,1) for WWWusage with R's coefficients", () => {
    // R forecast: auto.arima(WWWusage) → ARIMA(1,1,1): ar1 0.6504, ma1 0.5256; σ² 9.995,
    //   loglik −254.15, AIC 514.3, AICc 514.55, BIC 522.08 (as printed by forecast 8.x)
    const state = autoArimaFit(Float64Array.from(wwwUsage), 1);
    expect(state.order).toEqual([1, 1, 1, 0, 0, 0, 1]);
    expect(state.ar[0]).toBeCloseTo(0.6504, 3);
    expect(state.ma[0]).toBeCloseTo(0.5256, 3);
    expect(state.sigma2).toBeCloseTo(9.995, 2);
    expect(state.aicc).toBeCloseTo(514.55, 2);
    // Its AICc beats the neighbours R's stepwise search visits.
    for (const [p, q] of [
      [2, 1],
      [1, 2],
      [0, 1],
      [1, 0],
      [2, 2],
    ]) {
      const other = arimaFit(wwwUsage, { p, d: 1, q, P: 0, D: 0, Q: 0, m: 1 }, { constant: false });
      expect(other?.aicc ?? Number.POSITIVE_INFINITY).toBeGreaterThan(state.aicc);
    }
  });

  it("forecasts and gives variances through the ForecastModel interface", () => {
    const model = autoArima();
    expect(model.alias).toBe("AutoARIMA");
    const state = model.fit({ y: Float64Array.from(airPassengers), frequency: "M", seasonalPeriods: [12] });
    const f = model.predict(state, 24);
    expect(f.length).toBe(24);
    // The seasonal peak in July–August carries on above the preceding spring.
    expect(f[6]).toBeGreaterThan(f[3]);
    expect(f[18]).toBeGreaterThan(f[6]);
    // R forecast(auto.arima(AirPassengers), 1) is 445.6 (h = 1, Jan 1961).
    expect(f[0]).toBeGreaterThan(430);
    expect(f[0]).toBeLessThan(460);
    const v = model.variance?.(state, 24) ?? new Float64Array(0);
    expect(v[0]).toBeCloseTo(state.sigma2, 6);
    for (let h = 1; h < 24; h++) expect(v[h]).toBeGreaterThan(v[h - 1]);
    // The state survives JSON.
    const restored = JSON.parse(JSON.stringify(state));
    expect(Array.from(model.predict(restored, 24))).toEqual(Array.from(f));
  });

  it("ignores seasonal periods longer than 52 steps", () => {
    const y = Float64Array.from(
      { length: 400 },
      (_, t) => 10 + Math.sin((2 * Math.PI * t) / 100) + 0.3 * Math.sin(t * t),
    );
    const state = autoArima().fit({ y, frequency: "D", seasonalPeriods: [100] });
    expect(state.order[6]).toBe(1);
    expect(state.order[3] + state.order[4] + state.order[5]).toBe(0);
  });

  it("degrades to a simple model on constant or short series instead of throwing", () => {
    const model = autoArima();
    const flat = model.fit({ y: new Float64Array(30).fill(5), frequency: "M", seasonalPeriods: [12] });
    expect(Array.from(model.predict(flat, 3))).toEqual([5, 5, 5]);
    expect(Array.from(model.variance?.(flat, 3) ?? [])).toEqual([0, 0, 0]);
    for (const y of [[4], [4, 6], [3, 5, 4], [1, 3, 2, 5, 4]]) {
      const state = autoArimaFit(Float64Array.from(y), 1);
      const f = model.predict(state, 4);
      const v = model.variance?.(state, 4) ?? new Float64Array(0);
      expect(f.every(Number.isFinite)).toBe(true);
      expect(v.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    }
    // A straight line: the differences are constant, so the drift carries on exactly.
    const line = autoArimaFit(
      Float64Array.from({ length: 40 }, (_, t) => 3 + 2 * t),
      1,
    );
    expect(Array.from(model.predict(line, 3))).toEqual([83, 85, 87]);
  });

  it("gives a random walk a variance of h·σ²", () => {
    // A random walk (0,1,0) state: variance grows linearly with the horizon.
    const model = autoArima();
    const state = autoArimaFit(Float64Array.from([1, 4]), 1);
    expect(state.order.slice(0, 3)).toEqual([0, 1, 0]);
    const v = model.variance?.(state, 4) ?? new Float64Array(0);
    for (let h = 1; h <= 4; h++) expect(v[h - 1]).toBeCloseTo(h * state.sigma2, 10);
  });
});
