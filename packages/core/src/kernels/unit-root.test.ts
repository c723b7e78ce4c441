import { AIR_PASSENGERS, WWW_USAGE } from "../testing/r-datasets.ts";
import { describe, expect, it } from "vitest";
import { KPSS_CRITICAL_5, isConstant, kpss, ndiffs, nsdiffs, seasonalStrength } from "./unit-root.ts";

// R datasets: AirPassengers (144, monthly 1949–1960) and WWWusage (100, per minute).
const airPassengers = [...AIR_PASSENGERS];
const wwwUsage = [...WWW_USAGE];

describe("KPSS (mirror of urca::ur.kpss as forecast::ndiffs calls it)", () => {
  it("computes the statistic by its definition", () => {
    // y = 1..5: e = −2..2, partial sums −2, −3, −3, −2, 0 → Σ S² / n² = 26 / 25.
    // Lag 0: s² = Σ e² / n = 2 → 0.52. Lag 1: s² = (10 + 2 · ½ · 4) / 5 = 2.8 → 1.04 / 2.8.
    expect(kpss([1, 2, 3, 4, 5], 0)).toBeCloseTo(0.52, 12);
    expect(kpss([1, 2, 3, 4, 5], 1)).toBeCloseTo(1.04 / 2.8, 12);
    // Default lag trunc(3√n / 13): n = 5 → 0.
    expect(kpss([1, 2, 3, 4, 5])).toBeCloseTo(0.52, 12);
  });

  it("rejects level stationarity for trending series and accepts it for white-ish noise", () => {
    expect(kpss(airPassengers)).toBeGreaterThan(KPSS_CRITICAL_5);
    const noise = Array.from({ length: 200 }, (_, i) => Math.sin(i * i * 0.37));
    expect(kpss(noise)).toBeLessThan(KPSS_CRITICAL_5);
  });
});

describe("ndiffs / nsdiffs (mirror of R forecast)", () => {
  it("matches R on classic series", () => {
    // forecast's tests/testthat/test-newarima2.R: ndiffs(AirPassengers, test = "kpss") == 1,
    // nsdiffs(AirPassengers, test = "seas") == 1.
    expect(ndiffs(airPassengers)).toBe(1);
    expect(nsdiffs(Float64Array.from(airPassengers), 12)).toBe(1);
    // auto.arima(WWWusage) is ARIMA(1,1,1): ndiffs(WWWusage) == 1.
    expect(ndiffs(wwwUsage)).toBe(1);
    // A quadratic needs two differences; a line's differences are constant after one.
    expect(ndiffs(Array.from({ length: 60 }, (_, t) => t * t + Math.sin(t)))).toBe(2);
    expect(ndiffs(Array.from({ length: 60 }, (_, t) => 3 * t))).toBe(1);
  });

  it("measures seasonal strength from STL", () => {
    const seasonal = Float64Array.from(
      { length: 96 },
      (_, t) => 10 * Math.sin((2 * Math.PI * t) / 12) + Math.sin(t * t),
    );
    expect(seasonalStrength(seasonal, 12)).toBeGreaterThan(0.9);
    const flat = Float64Array.from({ length: 96 }, (_, t) => Math.sin(t * t * 0.37));
    expect(seasonalStrength(flat, 12)).toBeLessThan(0.64);
    expect(nsdiffs(flat, 12)).toBe(0);
  });

  it("never differences constant or too-short series", () => {
    expect(isConstant([3, 3, 3])).toBe(true);
    expect(ndiffs([5, 5, 5, 5])).toBe(0);
    expect(nsdiffs(new Float64Array(100).fill(1), 12)).toBe(0);
    expect(
      nsdiffs(
        Float64Array.from({ length: 24 }, (_, t) => t % 12),
        12,
      ),
    ).toBe(0);
    expect(ndiffs([1, 2])).toBe(0);
  });
});
