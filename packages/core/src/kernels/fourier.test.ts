import { describe, expect, it } from "vitest";
import { fourierFit, fourierPredict, fourierTerms } from "./fourier.ts";
import { choleskySolve } from "./linalg.ts";

describe("Fourier regression kernel", () => {
  it("recovers trend + sinusoids exactly and extends them (closed form)", () => {
    const f = (t: number) =>
      5 + 0.1 * t + 2 * Math.sin((2 * Math.PI * t) / 24) + Math.cos((2 * Math.PI * t) / 168 + 0.4);
    const n = 24 * 7 * 4;
    const y = Float64Array.from({ length: n }, (_, t) => f(t));
    const fit = fourierFit(y, {
      terms: fourierTerms([24, 168], [3, 3]),
      changepoints: [-400, -200],
      scale: n,
    });
    const forecast = fourierPredict(fit, [1, 2, 50, 168]);
    // Exact up to the tiny ridge that keeps the normal equations positive definite.
    for (const [i, k] of [1, 2, 50, 168].entries()) expect(forecast[i]).toBeCloseTo(f(n - 1 + k), 5);
  });

  it("skips gaps instead of filling them", () => {
    const f = (t: number) => 100 + 20 * Math.cos((2 * Math.PI * t) / 7);
    const y = Float64Array.from({ length: 70 }, (_, t) => (t % 5 === 0 ? Number.NaN : f(t)));
    const fit = fourierFit(y, { terms: fourierTerms([7], [3]), changepoints: [], scale: 70 });
    expect(fourierPredict(fit, [1])[0]).toBeCloseTo(f(70), 6);
  });

  it("keeps one copy of a frequency two periods share, and none at Nyquist", () => {
    // The 7th weekly harmonic of hourly data is the daily fundamental; 12/24 is Nyquist.
    const terms = fourierTerms([24, 168], [12, 8]);
    expect(terms.filter(([p]) => p === 24).map(([, k]) => k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(terms.filter(([p]) => p === 168).map(([, k]) => k)).toEqual([1, 2, 3, 4, 5, 6, 8]);
  });

  it("solves normal equations by Cholesky", () => {
    const x = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
  });
});
