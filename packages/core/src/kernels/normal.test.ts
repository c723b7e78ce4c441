import { describe, expect, it } from "vitest";
import { normalQuantile } from "./normal.ts";

describe("normalQuantile", () => {
  it("matches R's qnorm", () => {
    // R: qnorm(c(0.001, 0.01, 0.1, 0.5, 0.8, 0.9, 0.975, 0.999))
    const reference: [number, number][] = [
      [0.001, -3.090232306],
      [0.01, -2.326347874],
      [0.1, -1.281551566],
      [0.5, 0],
      [0.8, 0.8416212336],
      [0.9, 1.281551566],
      [0.975, 1.959963985],
      [0.999, 3.090232306],
    ];
    for (const [p, z] of reference) expect(normalQuantile(p)).toBeCloseTo(z, 7);
  });

  it("is infinite at the ends and increasing between", () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    let last = Number.NEGATIVE_INFINITY;
    for (let p = 0.001; p < 1; p += 0.001) {
      const z = normalQuantile(p);
      expect(z).toBeGreaterThan(last);
      last = z;
    }
  });
});
