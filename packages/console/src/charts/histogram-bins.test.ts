import { describe, expect, it } from "vitest";
import { binLabel, histogramBars } from "./histogram-bins.ts";

describe("histogram bars", () => {
  it("labels the first, middle and open last bins", () => {
    expect(binLabel({ from: 0, to: 0.02, customers: 1 }, true)).toBe("< 0.02");
    expect(binLabel({ from: 0.02, to: 0.05, customers: 1 }, false)).toBe("0.02–0.05");
    expect(binLabel({ from: 1, to: null, customers: 1 }, false)).toBe("≥ 1");
  });

  it("scales bars to the tallest bin, and keeps an empty histogram flat", () => {
    const bars = histogramBars([
      { from: 0, to: 0.1, customers: 2 },
      { from: 0.1, to: 1, customers: 8 },
      { from: 1, to: null, customers: 0 },
    ]);
    expect(bars.map((b) => [b.label, b.customers, b.height])).toEqual([
      ["< 0.1", 2, 0.25],
      ["0.1–1", 8, 1],
      ["≥ 1", 0, 0],
    ]);
    expect(histogramBars([{ from: 0, to: null, customers: 0 }])[0].height).toBe(0);
  });
});
