import { describe, expect, it } from "vitest";
import { etsFilter, etsForecast, etsInitialState, etsSearch } from "./ets.ts";
import { sesLevel } from "./theta.ts";

const y = Float64Array.from(
  { length: 72 },
  (_, i) => 10 + 0.05 * i + 3 * Math.sin((2 * Math.PI * i) / 12) + 0.5 * Math.cos(1.7 * i),
);

describe("ETS kernel", () => {
  it("reproduces R's HoltWinters with fixed parameters and start values", () => {
    // R 4.2.2: HoltWinters(ts(y, frequency = 12), alpha = 0.3, beta = 0.1, gamma = 0.2,
    //   seasonal = "additive", l.start = 10, b.start = 0.05, s.start = 3*sin(2*pi*(0:11)/12))
    // predict(hw, 12). HoltWinters' component form equals ETS(A,A,A) with β = α·β_HW and
    // γ = γ_HW·(1 − α) (Hyndman et al. 2008, §3.4); fitting starts at the 13th value.
    const spec = { trend: "additive" as const, period: 12 };
    const params = { alpha: 0.3, beta: 0.3 * 0.1, gamma: 0.2 * 0.7, phi: 1 };
    const init = {
      level: 10,
      trend: 0.05,
      season: Array.from({ length: 12 }, (_, j) => 3 * Math.sin((2 * Math.PI * j) / 12)),
    };
    const fit = etsFilter(y.subarray(12), spec, params, init);
    const reference = [
      13.75013369, 15.21936324, 16.44103125, 16.96572979, 16.53126228, 15.44136901, 14.09500795, 12.67156587,
      11.52587773, 11.186983, 11.74918005, 12.87335347,
    ];
    const forecast = etsForecast(fit.state, spec, params, 12);
    for (const [k, v] of reference.entries()) expect(forecast[k]).toBeCloseTo(v, 7);
  });

  it("reproduces R's ses(initial = 'simple') level", () => {
    // R forecast 8.20: ses(y, h = 3, alpha = 0.5, initial = "simple")$mean → 11.68181479
    expect(sesLevel(y, 0.5)).toBeCloseTo(11.68181479, 7);
    const fit = etsFilter(
      y.subarray(1),
      { trend: "none", period: 0 },
      { alpha: 0.5, beta: 0, gamma: 0, phi: 1 },
      {
        level: y[0],
        trend: 0,
        season: [],
      },
    );
    expect(fit.state.level).toBeCloseTo(11.68181479, 7);
  });

  it("forecasts a damped trend in closed form: l + (φ + … + φ^k) b", () => {
    const state = { level: 100, trend: 2, season: [] };
    const f = etsForecast(
      state,
      { trend: "damped", period: 0 },
      { alpha: 0.5, beta: 0.1, gamma: 0, phi: 0.9 },
      5,
    );
    let sum = 0;
    for (let k = 1; k <= 5; k++) {
      sum += 0.9 ** k;
      expect(f[k - 1]).toBeCloseTo(100 + 2 * sum, 12);
    }
  });

  it("continues a straight line exactly (Holt, any α and β)", () => {
    const line = Float64Array.from({ length: 50 }, (_, t) => 3 + 0.5 * t);
    const spec = { trend: "additive" as const, period: 0 };
    const params = { alpha: 0.37, beta: 0.11, gamma: 0, phi: 1 };
    const fit = etsFilter(line, spec, params, { level: 2.5, trend: 0.5, season: [] });
    expect(fit.loss).toBeCloseTo(0, 20);
    const f = etsForecast(fit.state, spec, params, 4);
    for (const [k, v] of [28, 28.5, 29, 29.5].entries()) expect(f[k]).toBeCloseTo(v, 10);
  });

  it("chooses parameters that forecast a seasonal series with a trend closely", () => {
    const t = Float64Array.from(
      { length: 480 },
      (_, i) => 50 + 0.1 * i + 10 * Math.sin((2 * Math.PI * i) / 24),
    );
    const spec = { trend: "damped" as const, period: 24 };
    const { params, fit } = etsSearch(t.subarray(0, 456), spec, [1, 12, 24]);
    expect(params.beta).toBeLessThanOrEqual(params.alpha);
    expect(params.gamma).toBeLessThanOrEqual(1 - params.alpha);
    const f = etsForecast(fit.state, spec, params, 24);
    for (let k = 0; k < 24; k++) expect(Math.abs(f[k] - t[456 + k])).toBeLessThan(1);
    expect(etsInitialState(t, spec).season).toHaveLength(24);
  });
});
