import { describe, expect, it } from "vitest";
import { studentTQuantile } from "./student-t.ts";

describe("studentTQuantile", () => {
  it("is within 1% of R's qt", () => {
    // R: qt(0.975, c(3, 10)); qt(0.995, c(3, 4, 5, 14))
    const reference: [number, number, number][] = [
      [0.975, 3, 3.182446],
      [0.975, 10, 2.228139],
      [0.995, 3, 5.840909],
      [0.995, 4, 4.604095],
      [0.995, 5, 4.032143],
      [0.995, 14, 2.976843],
    ];
    for (const [p, nu, t] of reference) expect(Math.abs(studentTQuantile(p, nu) / t - 1)).toBeLessThan(0.01);
  });

  it("is exact for one and two degrees of freedom and symmetric", () => {
    // R: qt(0.975, 1); qt(0.975, 2)
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.302653, 5);
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 12);
  });
});
