import { describe, expect, it } from "vitest";
import { nelderMead } from "./nelder-mead.ts";

describe("nelderMead", () => {
  it("finds the minimum of Rosenbrock's function, as R's optim does", () => {
    // optim(c(-1.2, 1), fr) in R's own examples converges to (1, 1).
    const rosenbrock = (x: Float64Array) => 100 * (x[1] - x[0] * x[0]) ** 2 + (1 - x[0]) ** 2;
    const r = nelderMead(rosenbrock, [-1.2, 1], { maxEvaluations: 2000, tolerance: 1e-12 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
    expect(r.value).toBeLessThan(1e-6);
  });

  it("stays inside a region where the function is finite", () => {
    const bounded = (x: Float64Array) => (x[0] < 0.5 ? Number.POSITIVE_INFINITY : (x[0] - 0.2) ** 2);
    const r = nelderMead(bounded, [0.9], { step: 0.1 });
    expect(r.x[0]).toBeGreaterThanOrEqual(0.5);
    expect(r.x[0]).toBeCloseTo(0.5, 2);
  });

  it("respects the evaluation budget", () => {
    let calls = 0;
    const r = nelderMead(
      (x) => {
        calls++;
        return Math.sin(x[0] * 50) + x[1] ** 2;
      },
      [3, 3],
      { maxEvaluations: 40 },
    );
    expect(calls).toBeLessThanOrEqual(40 + 3);
    expect(r.evaluations).toBe(calls);
  });
});
