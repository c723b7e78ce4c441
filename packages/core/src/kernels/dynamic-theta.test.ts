import { AIR_PASSENGERS } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import { type ThetaVariant, thetaRun, thetaVariantFit, thetaVariantForecast } from "./dynamic-theta.ts";
import { sesLevel, thetaFit, thetaForecast } from "./theta.ts";

const airPassengers = Float64Array.from(AIR_PASSENGERS);

const fixed = { level0: airPassengers[0] / 2, alpha: 0.5, theta: 2 };

describe("Theta models of Fiorucci et al. (2016) at fixed parameters", () => {
  // Reference: statsforecast tests/test_theta.py (test_simple_theta_model, test_optimal_theta_*,
  // test_dynamic_theta_models), which reproduce R forecTheta
  // `stm(AirPassengers, s = F, estimation = F, h = 12)` / `dstm(…)` with ℓ₀ = y₁/2, α = 0.5, θ = 2.
  it.each<[ThetaVariant, number[], number[]]>([
    ["STM", [101.155, 107.9061, 449.1692], [441.9132, 443.2418, 444.5704, 445.899, 447.2276]],
    ["OTM", [101.155, 107.9061, 449.1692], [441.9132, 443.2418, 444.5704, 445.899, 447.2276]],
    ["DSTM", [112, 112, 449.1805], [441.9132, 443.233, 444.5484, 445.8594, 447.1659]],
    ["DOTM", [112, 112, 449.1805], [441.9132, 443.233, 444.5484, 445.8594, 447.1659]],
  ])("%s reproduces forecTheta's fitted values and forecasts", (variant, fittedRef, forecastRef) => {
    const n = airPassengers.length;
    const fitted = new Float64Array(n);
    const run = thetaRun(airPassengers, variant, fixed, fitted);
    expect(fitted[0]).toBeCloseTo(fittedRef[0], 3);
    expect(fitted[1]).toBeCloseTo(fittedRef[1], 3);
    expect(fitted[n - 1]).toBeCloseTo(fittedRef[2], 3);
    const forecast = thetaVariantForecast(run.state, 5);
    for (const [k, v] of forecastRef.entries()) expect(forecast[k]).toBeCloseTo(v, 3);
    // statsforecast's score: squared errors from the fourth value on.
    let sse = 0;
    for (let t = 3; t < n; t++) sse += (airPassengers[t] - fitted[t]) ** 2;
    expect(run.sse).toBeCloseTo(sse, 6);
  });
});

describe("Theta kernel properties", () => {
  const y = Float64Array.from({ length: 100 }, (_, i) => 20 + 0.3 * i + 3 * Math.sin(i * i));

  it("dynamic line ends as the least-squares line of the whole series", () => {
    const stm = thetaRun(y, "STM", fixed).state;
    const dstm = thetaRun(y, "DSTM", fixed).state;
    expect(dstm.b).toBeCloseTo(stm.b, 10);
    expect(dstm.a).toBeCloseTo(stm.a, 9);
    // And the slope is R's: thetaFit's drift is half the OLS slope.
    expect(stm.b).toBeCloseTo(2 * thetaFit(y, 0.5).drift, 10);
  });

  it("with θ = 2, ℓ₀ = y₀ and α fixed, reduces to the standard theta method (thetaf)", () => {
    // Derived from the recursions: the SES levels coincide when ℓ₀ = y₀, and the (1 − α)^n terms
    // that distinguish Fiorucci's start-up from thetaf's vanish for n = 100.
    const reference = thetaForecast(thetaFit(y, 0.4), 10);
    for (const variant of ["STM", "OTM", "DSTM", "DOTM"] as const) {
      const fit = thetaVariantFit(y, variant, { level0: y[0], alpha: 0.4, theta: 2 });
      expect(fit.params).toEqual({ level0: y[0], alpha: 0.4, theta: 2 });
      const f = thetaVariantForecast(fit.state, 10);
      expect(f[0]).toBeCloseTo(reference[0], 9);
      if (variant === "STM" || variant === "OTM") {
        for (let k = 0; k < 10; k++) expect(f[k]).toBeCloseTo(reference[k], 9);
      } else {
        // The dynamic models refit their line on their own forecasts: slightly flatter here.
        for (let k = 1; k < 10; k++) expect(Math.abs(f[k] - reference[k])).toBeLessThan(0.05);
        expect(f[9]).not.toBeCloseTo(reference[9], 3);
      }
    }
  });

  it("with θ = 1 is simple exponential smoothing", () => {
    const fit = thetaVariantFit(y, "OTM", { level0: y[0], alpha: 0.3, theta: 1 });
    const f = thetaVariantForecast(fit.state, 4);
    for (const v of f) expect(v).toBeCloseTo(sesLevel(y, 0.3), 10);
  });

  it("least squares improves on the starting values and respects the bounds", () => {
    for (const variant of ["STM", "OTM", "DSTM", "DOTM"] as const) {
      const fit = thetaVariantFit(y, variant);
      const start = thetaRun(y, variant, { level0: y[0] / 2, alpha: 0.5, theta: 2 });
      expect(fit.sse).toBeLessThanOrEqual(start.sse);
      expect(fit.params.alpha).toBeGreaterThanOrEqual(0.1);
      expect(fit.params.alpha).toBeLessThanOrEqual(0.99);
      expect(fit.params.theta).toBeGreaterThanOrEqual(1);
      if (variant === "STM" || variant === "DSTM") expect(fit.params.theta).toBe(2);
    }
  });

  it("handles tiny and constant series", () => {
    const tiny = thetaVariantFit(Float64Array.from([3, 4, 5]), "DOTM");
    expect(Number.isFinite(thetaVariantForecast(tiny.state, 3)[2])).toBe(true);
    const zeros = thetaVariantFit(new Float64Array(30), "OTM");
    expect(Array.from(thetaVariantForecast(zeros.state, 3))).toEqual([0, 0, 0]);
  });
});
