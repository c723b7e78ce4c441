import { AIR_PASSENGERS, US_ACC_DEATHS } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import {
  arCheck,
  arimaFit,
  arimaForecast,
  arimaVariance,
  difference,
  differencingPolynomial,
  expandArma,
  fromPartial,
  maInvert,
  toPartial,
} from "./arima.ts";

// R datasets (R 4.x `datasets`, via Rdatasets CSVs): lh (48), USAccDeaths (72, monthly from
// 1973), LakeHuron (98, 1875–1972), AirPassengers (144, monthly 1949–1960).
const lh = [
  2.4, 2.4, 2.4, 2.2, 2.1, 1.5, 2.3, 2.3, 2.5, 2, 1.9, 1.7, 2.2, 1.8, 3.2, 3.2, 2.7, 2.2, 2.2, 1.9, 1.9, 1.8,
  2.7, 3, 2.3, 2, 2, 2.9, 2.9, 2.7, 2.7, 2.3, 2.6, 2.4, 1.8, 1.7, 1.5, 1.4, 2.1, 3.3, 3.5, 3.5, 3.1, 2.6, 2.1,
  3.4, 3, 2.9,
];
const usAccDeaths = [...US_ACC_DEATHS];
const lakeHuron = [
  580.38, 581.86, 580.97, 580.8, 579.79, 580.39, 580.42, 580.82, 581.4, 581.32, 581.44, 581.68, 581.17,
  580.53, 580.01, 579.91, 579.14, 579.16, 579.55, 579.67, 578.44, 578.24, 579.1, 579.09, 579.35, 578.82,
  579.32, 579.01, 579, 579.8, 579.83, 579.72, 579.89, 580.01, 579.37, 578.69, 578.19, 578.67, 579.55, 578.92,
  578.09, 579.37, 580.13, 580.14, 579.51, 579.24, 578.66, 578.86, 578.05, 577.79, 576.75, 576.75, 577.82,
  578.64, 580.58, 579.48, 577.38, 576.9, 576.94, 576.24, 576.84, 576.85, 576.9, 577.79, 578.18, 577.51,
  577.23, 578.42, 579.61, 579.05, 579.26, 579.22, 579.38, 579.1, 577.95, 578.12, 579.75, 580.85, 580.41,
  579.96, 579.61, 578.76, 578.18, 577.21, 577.13, 579.1, 578.25, 577.91, 576.89, 575.96, 576.8, 577.68,
  578.38, 578.52, 579.74, 579.31, 579.89, 579.96,
];
const airPassengers = [...AIR_PASSENGERS];

const order = (p: number, d: number, q: number, P = 0, D = 0, Q = 0, m = 1) => ({ p, d, q, P, D, Q, m });

describe("ARIMA by CSS-ML (mirror of R stats::arima)", () => {
  it("fits lh as AR(1), AR(3) and ARMA(1,1) with a mean like R's ?arima examples", () => {
    // R: arima(lh, order = c(1,0,0)) → ar1 0.5739, intercept 2.4133; σ² 0.1975, loglik −29.38, aic 64.76
    const ar1 = arimaFit(lh, order(1, 0, 0));
    expect(ar1?.coef.ar[0]).toBeCloseTo(0.5739, 3);
    expect(ar1?.mean).toBeCloseTo(2.4133, 3);
    expect(ar1?.sigma2).toBeCloseTo(0.1975, 4);
    expect(ar1?.loglik).toBeCloseTo(-29.38, 2);
    expect(ar1?.aic).toBeCloseTo(64.76, 2);
    // R: arima(lh, order = c(3,0,0)) → 0.6448, −0.0634, −0.2198, intercept 2.3931; σ² 0.1787, loglik −27.09, aic 64.18
    const ar3 = arimaFit(lh, order(3, 0, 0));
    expect(ar3?.coef.ar[0]).toBeCloseTo(0.6448, 3);
    expect(ar3?.coef.ar[1]).toBeCloseTo(-0.0634, 3);
    expect(ar3?.coef.ar[2]).toBeCloseTo(-0.2198, 3);
    expect(ar3?.mean).toBeCloseTo(2.3931, 3);
    expect(ar3?.sigma2).toBeCloseTo(0.1787, 4);
    expect(ar3?.loglik).toBeCloseTo(-27.09, 2);
    // R: arima(lh, order = c(1,0,1)) → ar1 0.4522, ma1 0.1982, intercept 2.4101; σ² 0.1923, loglik −28.76, aic 65.52
    const arma = arimaFit(lh, order(1, 0, 1));
    expect(arma?.coef.ar[0]).toBeCloseTo(0.4522, 3);
    expect(arma?.coef.ma[0]).toBeCloseTo(0.1982, 3);
    expect(arma?.mean).toBeCloseTo(2.4101, 3);
    expect(arma?.loglik).toBeCloseTo(-28.76, 2);
    expect(arma?.aic).toBeCloseTo(65.52, 2);
  });

  it("fits the seasonal USAccDeaths model of R's ?arima", () => {
    // R: arima(USAccDeaths, order = c(0,1,1), seasonal = list(order = c(0,1,1)))
    //   → ma1 −0.4303, sma1 −0.5528; σ² 99347, loglik −425.44, aic 856.88
    const fit = arimaFit(usAccDeaths, order(0, 1, 1, 0, 1, 1, 12));
    expect(fit?.coef.ma[0]).toBeCloseTo(-0.4303, 3);
    expect(fit?.coef.sma[0]).toBeCloseTo(-0.5528, 3);
    expect(fit?.loglik).toBeCloseTo(-425.44, 2);
    expect(fit?.aic).toBeCloseTo(856.88, 2);
    // R's σ² comes from its diffuse-prior filter (κ = 10⁶); ours from the exact differenced likelihood.
    expect(Math.abs((fit?.sigma2 ?? 0) / 99347 - 1)).toBeLessThan(1e-3);
    expect(fit?.nobs).toBe(72 - 13);
  });

  it("fits the airline model to log10(AirPassengers) as R's ?arima", () => {
    // R: arima(log10(AirPassengers), c(0,1,1), seasonal = list(order = c(0,1,1), period = 12))
    //   → ma1 −0.4018, sma1 −0.5569; σ² 0.0002543, loglik 353.96, aic −701.92
    const fit = arimaFit(
      airPassengers.map((v) => Math.log10(v)),
      order(0, 1, 1, 0, 1, 1, 12),
    );
    expect(fit?.coef.ma[0]).toBeCloseTo(-0.4018, 3);
    expect(fit?.coef.sma[0]).toBeCloseTo(-0.5569, 3);
    expect(fit?.sigma2).toBeCloseTo(0.0002543, 6);
    expect(Math.abs((fit?.loglik ?? 0) - 353.96)).toBeLessThan(0.02);
    expect(Math.abs((fit?.aic ?? 0) + 701.92)).toBeLessThan(0.03);
  });

  it("fits LakeHuron as AR(2) with a mean and forecasts like R's predict", () => {
    // R (r-help, 2003-04-21): arima(LakeHuron, order = c(2,0,0)) → ar1 1.0436, ar2 −0.2495,
    //   intercept 579.0473; σ² 0.4788, loglik −103.63, aic 215.27; predict(fit, 1) 579.7896
    const fit = arimaFit(lakeHuron, order(2, 0, 0));
    if (!fit) throw new Error("no fit");
    expect(fit.coef.ar[0]).toBeCloseTo(1.0436, 3);
    expect(fit.coef.ar[1]).toBeCloseTo(-0.2495, 3);
    expect(fit.mean).toBeCloseTo(579.0473, 3);
    expect(fit.sigma2).toBeCloseTo(0.4788, 4);
    expect(fit.loglik).toBeCloseTo(-103.63, 2);
    expect(fit.aic).toBeCloseTo(215.27, 2);
    const f = arimaForecast({ ...fit, last: [] }, 2);
    expect(f[0]).toBeCloseTo(579.7896, 3);
    // The AR recursion by hand from the last two observations.
    const [a1, a2] = fit.coef.ar;
    const mu = fit.mean;
    expect(f[0]).toBeCloseTo(mu + a1 * (579.96 - mu) + a2 * (579.89 - mu), 8);
    expect(f[1]).toBeCloseTo(mu + a1 * (f[0] - mu) + a2 * (579.96 - mu), 8);
  });

  it("counts σ² among AICc's parameters, as auto.arima", () => {
    const fit = arimaFit(lh, order(1, 0, 0));
    if (!fit) throw new Error("no fit");
    const k = 3; // ar1, intercept, σ²
    expect(fit.aicc).toBeCloseTo(fit.aic + (2 * k * (k + 1)) / (48 - k - 1), 10);
    expect(fit.bic).toBeCloseTo(-2 * fit.loglik + k * Math.log(48), 10);
  });
});

describe("ARIMA forecasts and variances", () => {
  it("forecasts an AR(1) in closed form: μ + φʰ(y_n − μ), σ²(1 − φ²ʰ)/(1 − φ²)", () => {
    const fit = arimaFit(lh, order(1, 0, 0));
    if (!fit) throw new Error("no fit");
    const phi = fit.coef.ar[0];
    const mu = fit.mean;
    const f = arimaForecast({ ...fit, last: [] }, 6);
    const v = arimaVariance(fit.order, fit.coef, fit.sigma2, 6);
    for (let h = 1; h <= 6; h++) {
      expect(f[h - 1]).toBeCloseTo(mu + phi ** h * (2.9 - mu), 10);
      expect(v[h - 1]).toBeCloseTo((fit.sigma2 * (1 - phi ** (2 * h))) / (1 - phi * phi), 10);
    }
  });

  it("gives a random walk variance h·σ² and a flat forecast", () => {
    const rw = order(0, 1, 0);
    const coef = { ar: [], ma: [], sar: [], sma: [] };
    const v = arimaVariance(rw, coef, 2.5, 5);
    expect(Array.from(v)).toEqual([2.5, 5, 7.5, 10, 12.5]);
    const f = arimaForecast({ order: rw, coef, mean: 0, state: [0], last: [7] }, 3);
    expect(Array.from(f)).toEqual([7, 7, 7]);
  });

  it("integrates seasonal and first differences back (a drift continues the seasonal pattern)", () => {
    // (1 − B)(1 − B⁴) x = 0.5: the forecast repeats last year's steps plus the drift.
    const o = order(0, 1, 0, 0, 1, 0, 4);
    const last = [10, 12, 9, 11, 14];
    const f = arimaForecast(
      { order: o, coef: { ar: [], ma: [], sar: [], sma: [] }, mean: 0.5, state: [0], last },
      2,
    );
    // x_{t} = x_{t−1} + x_{t−4} − x_{t−5} + 0.5
    expect(f[0]).toBeCloseTo(14 + 12 - 10 + 0.5, 12);
    expect(f[1]).toBeCloseTo(f[0] + 9 - 12 + 0.5, 12);
    // Variance of the seasonal random walk with drift: ψ = 1, 1, 1, 1, 2, 2, …
    const v = arimaVariance(o, { ar: [], ma: [], sar: [], sma: [] }, 1, 6);
    expect(Array.from(v)).toEqual([1, 2, 3, 4, 8, 12]);
  });
});

describe("ARIMA building blocks", () => {
  it("expands seasonal polynomials as R's ARIMA_transPars", () => {
    // (1 − 0.5B)(1 − 0.3B²) = 1 − 0.5B − 0.3B² + 0.15B³; (1 + 0.4B)(1 + 0.2B²) = 1 + 0.4B + 0.2B² + 0.08B³
    const { phi, theta } = expandArma({ ar: [0.5], ma: [0.4], sar: [0.3], sma: [0.2] }, 2);
    expect(Array.from(phi)).toEqual([0.5, 0.3, -0.15]);
    expect(theta[0]).toBeCloseTo(0.4, 15);
    expect(theta[1]).toBeCloseTo(0.2, 15);
    expect(theta[2]).toBeCloseTo(0.08, 15);
  });

  it("differences and builds R's Delta", () => {
    expect(Array.from(difference([1, 4, 9, 16, 25], 2, 0, 1))).toEqual([2, 2, 2]);
    // (1 − B)(1 − B²) = 1 − B − B² + B³ → Delta = (1, 1, −1)
    expect(Array.from(differencingPolynomial(1, 1, 2))).toEqual([1, 1, -1]);
  });

  it("checks stationarity, reflects MA roots and round-trips the AR transform", () => {
    expect(arCheck([0.5, 0.3])).toBe(true);
    expect(arCheck([1.2])).toBe(false);
    expect(arCheck([0.5, 0.6])).toBe(false); // root inside: 1 − 0.5z − 0.6z² has a root ≈ 0.94
    // MA(1) θ = 2 is the reflection of θ = 0.5 (R: maInvert(2) = 0.5).
    expect(maInvert([2])[0]).toBeCloseTo(0.5, 12);
    // 1 + 2.5z + z² = (1 + 2z)(1 + 0.5z) → (1 + 0.5z)² = 1 + z + 0.25z²
    const inv = maInvert([2.5, 1]);
    expect(inv[0]).toBeCloseTo(1, 10);
    expect(inv[1]).toBeCloseTo(0.25, 10);
    const ar = [0.6, -0.2, 0.1];
    const back = fromPartial(toPartial(ar));
    for (let i = 0; i < 3; i++) expect(back[i]).toBeCloseTo(ar[i], 12);
  });

  it("rejects what R's arima rejects instead of throwing", () => {
    expect(arimaFit([1, 2], order(2, 0, 0))).toBeNull();
  });
});
