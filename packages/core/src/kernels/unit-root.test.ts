import { describe, expect, it } from "vitest";
import { KPSS_CRITICAL_5, isConstant, kpss, ndiffs, nsdiffs, seasonalStrength } from "./unit-root.ts";

// R datasets: AirPassengers (144, monthly 1949–1960) and WWWusage (100, per minute).
const airPassengers = [
  112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158,
  133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218,
  230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235,
  227, 234, 264, 302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
  284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404,
  347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472,
  548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
];
const wwwUsage = [
  88, 84, 85, 85, 84, 85, 83, 85, 88, 89, 91, 99, 104, 112, 126, 138, 146, 151, 150, 148, 147, 149, 143, 132,
  131, 139, 147, 150, 148, 145, 140, 134, 131, 131, 129, 126, 126, 132, 137, 140, 142, 150, 159, 167, 170,
  171, 172, 172, 174, 175, 172, 172, 174, 174, 169, 165, 156, 142, 131, 121, 112, 104, 102, 99, 99, 95, 88,
  84, 84, 87, 89, 88, 85, 86, 89, 91, 91, 94, 101, 110, 121, 135, 145, 149, 156, 165, 171, 175, 177, 182, 193,
  204, 208, 210, 215, 222, 228, 226, 222, 220,
];

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
