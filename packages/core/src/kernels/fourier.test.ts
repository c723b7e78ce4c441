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

  it("fits each series of a shared gap-free design on its own values, as the gapped path does", () => {
    // Every backtest window of a series has the same design, factored once (gapFreeSystem):
    // a second series must still get its own coefficients, and the first its own again.
    const n = 24 * 7 * 3 + 5;
    const design = { terms: fourierTerms([24, 168], [4, 3]), changepoints: [-300, -100], scale: n };
    const series = (level: number, phase: number) =>
      Float64Array.from(
        { length: n },
        (_, t) => level + 3 * Math.sin((2 * Math.PI * t) / 24 + phase) + 0.01 * t + Math.cos(t),
      );
    const a = series(10, 0);
    const b = series(50, 1);
    const first = fourierFit(a, design, 0.5).coef;
    const other = fourierFit(b, design, 0.5).coef;
    expect(fourierFit(a, design, 0.5).coef).toEqual(first);
    expect(other).not.toEqual(first);
    // The same rows through the path that skips gaps (a gap before the window moves nothing but n).
    const gapped = new Float64Array(n + 1);
    gapped[0] = Number.NaN;
    gapped.set(b, 1);
    const viaGaps = fourierFit(gapped, { ...design, scale: n }, 0.5).coef;
    for (const [i, c] of other.entries()) expect(viaGaps[i]).toBeCloseTo(c, 9);
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
