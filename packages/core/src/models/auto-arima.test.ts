import { AIR_PASSENGERS, WWW_USAGE } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import { arimaFit } from "../kernels/arima.ts";
import { mulberry32 } from "../ingest/generate.ts";
import { arimaUpdate, autoArima, autoArimaFit } from "./auto-arima.ts";

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

describe("arimaUpdate: the state run forward with the coefficients kept", () => {
  const base = {
    constant: true,
    sar: [],
    sma: [],
    sigma2: 1,
    aicc: 0,
  };

  it("takes each new observation's innovation as the steady Kalman filter does", () => {
    // AR(1) around 10 with φ = 0.6: after 12, the forecast is 10 + 0.6 · 2.
    const ar = { ...base, order: [1, 0, 0, 0, 0, 0, 1], ar: [0.6], ma: [], mean: 10, state: [0], last: [] };
    expect(autoArima().predict(arimaUpdate(ar, Float64Array.of(12)), 1)[0]).toBeCloseTo(11.2, 10);
    // MA(1) with θ = 0.5 from a forecast of 10: 12 is an innovation of 2, so next is 10 + 0.5 · 2.
    const ma = {
      ...base,
      order: [0, 0, 1, 0, 0, 0, 1],
      ar: [],
      ma: [0.5],
      mean: 10,
      state: [0, 0],
      last: [],
    };
    expect(autoArima().predict(arimaUpdate(ma, Float64Array.of(12)), 2)).toEqual(Float64Array.of(11, 10));
    // ARIMA(0,1,1) (simple exponential smoothing with α = 1 + θ = 0.7) from level 100: 110 moves it to 107.
    const ses = {
      ...base,
      constant: false,
      order: [0, 1, 1, 0, 0, 0, 1],
      ar: [],
      ma: [-0.3],
      mean: 0,
      state: [0, 0],
      last: [100],
    };
    const after = arimaUpdate(ses, Float64Array.of(110));
    expect(autoArima().predict(after, 1)[0]).toBeCloseTo(107, 10);
    expect(after.last).toEqual([110]);
    expect(() => arimaUpdate(ses, Float64Array.of(Number.NaN))).toThrow(/gaps/);
  });

  it("forecasts like the fitted model would after a refit with the same coefficients (long series)", () => {
    const uniform = mulberry32(3);
    const random = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const y = new Float64Array(400);
    let e1 = 0;
    for (let t = 0; t < y.length; t++) {
      const e = random();
      y[t] = (t > 0 ? y[t - 1] : 50) + e - 0.4 * e1;
      e1 = e;
    }
    const model = autoArima();
    const input = (n: number) => ({
      y: y.subarray(0, n),
      frequency: "D" as const,
      seasonalPeriods: [],
      horizon: 7,
    });
    const fitted = model.fit(input(380));
    const forward = model.update!(fitted, y.subarray(380));
    // The last observation anchors both: the one-step forecast stays near it.
    expect(Math.abs(model.predict(forward, 1)[0] - y[399])).toBeLessThan(3);
    // Before the update it forecast from the 380th point instead.
    expect(model.predict(forward, 1)[0]).not.toBeCloseTo(model.predict(fitted, 21)[20], 1);
  });
});
