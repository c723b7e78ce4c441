import { describe, expect, it } from "vitest";
import { isIntermittent } from "./intermittency.ts";

describe("isIntermittent", () => {
  it("classifies by the average inter-demand interval (cut-off 1.32)", () => {
    // ADI 1.2: five demands in six steps → smooth; 1.33 (three in four) is past the cut-off.
    expect(isIntermittent([1, 2, 0, 3, 1, 2])).toBe(false);
    expect(isIntermittent([1, 2, 0, 3, 1, 2, 0, 3])).toBe(true);
    // ADI 1.5: two demands in three steps → intermittent.
    expect(isIntermittent([1, 0, 3, 2, 0, 5])).toBe(true);
    expect(isIntermittent([0, 0, 0, 0, 7, 0, 0, 0, 0, 2])).toBe(true);
  });

  it("ignores gaps, and never calls a series with negative values or no demand intermittent", () => {
    expect(isIntermittent([1, Number.NaN, Number.NaN, Number.NaN, 2, 3])).toBe(false);
    expect(isIntermittent([0, 0, -1, 0, 0, 5])).toBe(false);
    expect(isIntermittent([0, 0, 0, 0])).toBe(false);
  });
});
