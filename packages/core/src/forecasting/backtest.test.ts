import { describe, expect, it } from "vitest";
import { chooseModel, fmtPair, replacementMargin } from "./auto-predictor.ts";
import { planBacktest, type ScoreOptions, scoreBacktest, scoreForecasts } from "./backtest.ts";

const options: ScoreOptions = {
  quantiles: [0.1, 0.5, 0.9],
  scale: 1,
  period: 0,
  floor: Number.NEGATIVE_INFINITY,
};

describe("rolling-origin backtest", () => {
  it("plans back-to-back windows of the horizon that end at the last observation", () => {
    expect(planBacktest(8760, 168, [24, 168])).toEqual({ starts: [8256, 8424, 8592], horizon: 168 });
    // Daily data with a yearly season: windows span a year (and its holidays).
    expect(planBacktest(3652, 28, [7, 365.25]).starts).toHaveLength(15);
    // Too short for one full horizon after two cycles of the longest period: one shorter window.
    expect(planBacktest(60, 48, [24])).toEqual({ starts: [49], horizon: 11 });
    expect(planBacktest(10, 48, [])).toEqual({ starts: [], horizon: 0 });
  });

  it("adds the latest window that holds a holiday when the last windows hold none", () => {
    const holiday = new Uint8Array(8760);
    const day = (d: number) => holiday.fill(1, d * 24, d * 24 + 24);
    // Holidays on days 185 and 339; the windows start at day 344.
    day(185);
    day(339);
    // Day 339 is near: its window sits back to back with the others.
    expect(planBacktest(8760, 168, [24, 168], holiday)).toEqual({
      starts: [8256 - 168, 8256, 8424, 8592],
      horizon: 168,
    });
    // Only day 185, far back: the holiday in the window's first third.
    holiday.fill(0, 339 * 24, 340 * 24);
    const far = planBacktest(8760, 168, [24, 168], holiday);
    expect(far.starts.slice(1)).toEqual([8256, 8424, 8592]);
    expect(far.starts[0]).toBe(185 * 24 - 56);
    // A holiday inside the last windows: nothing added.
    day(360);
    expect(planBacktest(8760, 168, [24, 168], holiday).starts).toEqual([8256, 8424, 8592]);
    // No holiday with room to fit before it: nothing added.
    const early = new Uint8Array(8760);
    early.fill(1, 24, 48);
    expect(planBacktest(8760, 168, [24, 168], early).starts).toEqual([8256, 8424, 8592]);
  });

  it("scores each window with intervals calibrated on the other windows only", () => {
    // Window 1 errs by +1 everywhere, window 2 by −1. Calibrated on itself each would cover
    // all its points; calibrated on the other it covers none: the honest answer is 0.
    const y = new Float64Array(40).fill(10);
    const plan = { starts: [20, 30], horizon: 10 };
    const forecasts = [new Float64Array(10).fill(9), new Float64Array(10).fill(11)];
    const metrics = scoreForecasts(y, plan, forecasts, options);
    expect(metrics.coverage).toBe(0);
    expect(metrics.mase).toBe(1);
    expect(metrics.backtestWindows).toBe(2);
  });
});

describe("AutoPredictor choice", () => {
  const y = Float64Array.from({ length: 60 }, (_, t) => 10 + Math.sin(t));
  const plan = { starts: [30, 40, 50], horizon: 10 };
  const input = { y, frequency: "H" as const, seasonalPeriods: [] };
  /** Forecasts off by `size` times a wiggle of their own: errors that averaging cancels. */
  const candidate = (alias: string, size: number, seed = 0) => {
    const forecasts = plan.starts.map((s) =>
      Float64Array.from({ length: 10 }, (_, k) => y[s + k] + size * Math.sin(3.7 * (s + k) + 2.1 * seed)),
    );
    const { metrics, windowLoss } = scoreBacktest(y, plan, forecasts, options);
    return { alias, score: metrics.averageWql, metrics, forecasts, windowLoss };
  };

  it("takes the mean of the best three when it backtests lower than the best alone", () => {
    const results = [
      candidate("A", 1, 0),
      candidate("B", 1.03, 1),
      candidate("C", 1.06, 2),
      candidate("FarWorse", 2, 3),
      { alias: "Broken", score: null, error: "x" },
    ];
    const chosen = chooseModel(results, input, plan, options)!;
    expect(chosen.choice.alias).toBe("Ensemble");
    expect([...chosen.choice.members!].sort()).toEqual(["A", "B", "C"]);
    expect(chosen.choice.reason).toMatch(/mean of the best 3/);
  });

  it("keeps the best single candidate otherwise, and gives up when none was scored", () => {
    // Far worse candidates are not averaged in at all.
    const alone = chooseModel(
      [candidate("Good", 0.1), candidate("Bad", 2, 1), candidate("Worse", 3, 2)],
      input,
      plan,
      options,
    )!;
    expect(alone.choice.alias).toBe("Good");
    expect(alone.choice.reason).toMatch(/^lowest average wQL: Good .* next Bad/);
    expect(alone.ensemble).toBeUndefined();
    // Two that err alike: their mean is no better than the best of them.
    const alike = chooseModel([candidate("Best", 1), candidate("Twin", 1.05)], input, plan, options)!;
    expect(alike.choice.alias).toBe("Best");
    expect(alike.ensemble?.alias).toBe("Ensemble");
    expect(chooseModel([{ alias: "Broken", score: null, error: "x" }], input, plan, options)).toBeNull();
    // A constant bias costs nothing in wQL: the calibrated quantiles absorb it; the tie goes to
    // the better point forecast.
    const biased = plan.starts.map((s) => y.slice(s, s + 10).map((v) => v + 2));
    const biasedMetrics = scoreForecasts(y, plan, biased, options);
    expect(biasedMetrics.averageWql).toBeCloseTo(0, 9);
    const exact = plan.starts.map((s) => y.slice(s, s + 10));
    const exactMetrics = scoreForecasts(y, plan, exact, options);
    const tie = chooseModel(
      [
        {
          alias: "Biased",
          score: 0,
          metrics: { ...biasedMetrics, averageWql: 0 },
          forecasts: biased,
          windowLoss: [0, 0, 0],
        },
        {
          alias: "Exact",
          score: 0,
          metrics: { ...exactMetrics, averageWql: 0 },
          forecasts: exact,
          windowLoss: [0, 0, 0],
        },
      ],
      input,
      plan,
      options,
    )!;
    expect(tie.choice.alias).toBe("Exact");
  });

  it("splits the average wQL into per-window parts whose mean is the average", () => {
    const c = candidate("A", 1);
    expect(c.windowLoss).toHaveLength(3);
    const mean = c.windowLoss.reduce((a, b) => a + b, 0) / 3;
    expect(mean).toBeCloseTo(c.score!, 12);
  });
});

describe("AutoPredictor choice with a default combination (short histories)", () => {
  const y = Float64Array.from({ length: 80 }, (_, t) => 100 + 10 * Math.sin(t / 2));
  const plan5 = { starts: [30, 40, 50, 60, 70], horizon: 10 };
  const input = { y, frequency: "M" as const, seasonalPeriods: [] };
  /** A candidate whose error in window w is `bias[w]` everywhere. */
  const biased = (alias: string, bias: number[], plan = plan5) => {
    const forecasts = plan.starts.map((s, w) =>
      Float64Array.from({ length: 10 }, (_, k) => y[s + k] - bias[w]),
    );
    const { metrics, windowLoss } = scoreBacktest(y, plan, forecasts, options);
    return { alias, score: metrics.averageWql, metrics, forecasts, windowLoss };
  };

  it("keeps the combination when another candidate is not significantly lower", () => {
    // Lucky on two windows, unlucky on the others: lower on average, but not by much.
    const results = [
      biased("AutoETS", [3, -3, 3, -3, 3]),
      biased("AutoARIMA", [3, -3, 3, -3, 3]),
      biased("Lucky", [0.5, -0.5, 6, -0.5, 0.5]),
    ];
    const chosen = chooseModel(results, input, plan5, options, ["AutoETS", "AutoARIMA"])!;
    expect(chosen.choice.alias).toBe("Ensemble");
    expect(chosen.choice.members).toEqual(["AutoETS", "AutoARIMA"]);
    expect(chosen.choice.reason).toMatch(/not significantly lower/);
  });

  it("lets a candidate that wins window after window replace it (seasonal naive on a repeating series)", () => {
    const results = [
      biased("AutoETS", [3, -3, 3, -3, 3]),
      biased("AutoARIMA", [2, -2, 2, -2, 2]),
      biased("SeasonalNaive", [0.1, -0.1, 0.1, -0.1, 0.1]),
    ];
    const chosen = chooseModel(results, input, plan5, options, ["AutoETS", "AutoARIMA"])!;
    expect(chosen.choice.alias).toBe("SeasonalNaive");
    expect(chosen.choice.reason).toMatch(/significantly lower than the mean of (AutoETS|AutoARIMA), Auto/);
  });

  it("never lets two windows pick a model over the combination", () => {
    const plan2 = { starts: [50, 60], horizon: 10 };
    const results = [
      biased("AutoETS", [3, -3], plan2),
      biased("AutoTheta", [2, -2], plan2),
      biased("Lucky", [0.1, 0.1], plan2),
    ];
    const chosen = chooseModel(results, input, plan2, options, ["AutoETS", "AutoTheta"])!;
    expect(chosen.choice.alias).toBe("Ensemble");
    expect(chosen.choice.reason).toMatch(/too few windows to tell/);
  });

  it("asks for a paired t-test's margin, wider with more challengers", () => {
    expect(replacementMargin([1, 2], [0, 0], 1)).toBe(Number.POSITIVE_INFINITY);
    // d = [1, 2, 3]: sd 1, standard error 1/√3; one-sided 5% with 2 degrees of freedom:
    // R qt(0.95, 2) = 2.919986.
    expect(replacementMargin([2, 4, 6], [1, 2, 3], 1)).toBeCloseTo(2.919986 / Math.sqrt(3), 5);
    // Bonferroni for 5 challengers: qt(0.99, 2) = 6.964557.
    expect(replacementMargin([2, 4, 6], [1, 2, 3], 5)).toBeCloseTo(6.964557 / Math.sqrt(3), 5);
  });
});

describe("fmtPair", () => {
  it("prints two compared scores with the digits it takes to tell them apart", () => {
    // What a reason once read: "backtests lower: 0.01957 vs 0.01957".
    expect(fmtPair(0.019571, 0.019574)).toEqual(["0.019571", "0.019574"]);
    expect(fmtPair(0.0312, 0.0457)).toEqual(["0.03120", "0.04570"]);
    expect(fmtPair(0.5, 0.5)).toEqual(["0.50000000", "0.50000000"]);
  });
});
