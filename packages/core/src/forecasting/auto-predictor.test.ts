import { describe, expect, it } from "vitest";
import { registerAlgorithm } from "../models/catalog.ts";
import type { ForecastModel } from "../models/model.ts";
import { backtestCandidates, chooseModel, RACE_FACTOR } from "./auto-predictor.ts";
import type { ScoreOptions } from "./backtest.ts";

const options: ScoreOptions = {
  quantiles: [0.1, 0.5, 0.9],
  scale: 1,
  period: 0,
  floor: Number.NEGATIVE_INFINITY,
};
/** A wave the "Truth…" models know: their error is the offset they are given. */
const wave = (t: number) => 100 + 10 * Math.sin(t / 3);
const y = Float64Array.from({ length: 200 }, (_, t) => wave(t));
const input = { y, frequency: "D" as const, seasonalPeriods: [] };
const plan = { starts: [140, 160, 180], horizon: 20 };

/**
 * Registers a model that forecasts the wave off by `offset(window)`, alternately above and
 * below (errors that intervals cannot calibrate away), counting its fits.
 */
function offsetModel(alias: string, offset: (fittedLength: number) => number) {
  const fits: number[] = [];
  registerAlgorithm(alias, () => {
    const model: ForecastModel<number> = {
      alias,
      fit: (input) => {
        fits.push(input.y.length);
        return input.y.length;
      },
      predict: (n, h) =>
        Float64Array.from({ length: h }, (_, k) => wave(n + k) + (k % 2 ? -1 : 1) * offset(n)),
    };
    return model as ForecastModel;
  });
  return fits;
}

describe("racing the candidates over the backtest", () => {
  it("stops backtesting a candidate far behind the best on the latest window, and says why", () => {
    const near = offsetModel("RaceNear", () => 1);
    const close = offsetModel("RaceClose", () => 1.4);
    const far = offsetModel("RaceFar", (n) => (n === 180 ? 10 : 0.1));
    const results = backtestCandidates(["RaceNear", "RaceClose", "RaceFar"], input, plan, options);
    const [a, b, c] = results;
    // The latest window (fitted on 180 steps) first, then the others for the survivors.
    expect(near).toEqual([180, 140, 160]);
    expect(close).toEqual([180, 140, 160]);
    expect(a.score).not.toBeNull();
    expect(b.score).not.toBeNull();
    // Ten times the best's error on the latest window: pruned, though it is the best elsewhere.
    expect(far).toEqual([180]);
    expect(c).toMatchObject({ alias: "RaceFar", score: null });
    expect(c.pruned).toMatch(
      new RegExp(`latest window: absolute error 200\\.0, over ${RACE_FACTOR}× RaceNear's 20\\.00`),
    );
    expect(c.error).toBeUndefined();
  });

  it("never prunes a member of the default combination, nor races over fewer than three windows", () => {
    offsetModel("RaceBest", () => 1);
    const kept = offsetModel("RaceDefault", () => 5);
    const results = backtestCandidates(["RaceBest", "RaceDefault"], input, plan, options, ["RaceDefault"]);
    expect(kept).toHaveLength(3);
    expect(results[1].score).not.toBeNull();

    const two = { starts: [160, 180], horizon: 20 };
    const short = offsetModel("RaceShort", () => 5);
    const [, r] = backtestCandidates(["RaceBest", "RaceShort"], input, two, options);
    expect(short).toHaveLength(2);
    expect(r.pruned).toBeUndefined();
    expect(r.score).not.toBeNull();
  });

  it("keeps a candidate that throws as failed, not pruned, and races the rest", () => {
    registerAlgorithm("RaceBroken", () => ({
      alias: "RaceBroken",
      fit: () => {
        throw new Error("no fit");
      },
      predict: () => new Float64Array(0),
    }));
    offsetModel("RaceOk", () => 1);
    const [broken, ok] = backtestCandidates(["RaceBroken", "RaceOk"], input, plan, options);
    expect(broken).toEqual({ alias: "RaceBroken", score: null, error: "no fit" });
    expect(ok.score).not.toBeNull();
  });

  it("counts pruned candidates among the challengers a default must lose to significantly", () => {
    const plan5 = { starts: [100, 120, 140, 160, 180], horizon: 20 };
    const biased = (alias: string, bias: number[]) => {
      offsetModel(alias, (n) => bias[plan5.starts.indexOf(n)]);
      return alias;
    };
    const aliases = [biased("RaceEts", [3, 3.1, 2.9, 3, 3]), biased("RaceWinner", [2.2, 2, 2.3, 1.8, 2.1])];
    const results = backtestCandidates(aliases, input, plan5, options, ["RaceEts"]);
    const alone = chooseModel(results, input, plan5, options, ["RaceEts"])!;
    expect(alone.choice.alias).toBe("RaceWinner");
    const margin = (reason: string) => Number(/margin (?:of )?([\d.e-]+)/.exec(reason)?.[1]);
    // The same backtest after four more challengers were pruned: a stricter test.
    const pruned = Array.from({ length: 4 }, (_, i) => ({
      alias: `Pruned${i}`,
      score: null,
      pruned: "far behind",
    }));
    const withPruned = chooseModel([...results, ...pruned], input, plan5, options, ["RaceEts"])!;
    expect(margin(withPruned.choice.reason)).toBeGreaterThan(margin(alone.choice.reason));
  });
});
