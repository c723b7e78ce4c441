import type { ModelArtifact } from "../artifact/model-artifact.ts";
import { quantileKey } from "../models/model.ts";
import { addSteps, stepsBetween } from "../series/frequency.ts";
import type { RegularSeries } from "../series/series.ts";
import { forecastArtifact } from "./forecast-artifact.ts";
import { computeMetrics, naiveScale } from "./metrics.ts";

/** How a published forecast did against the actuals that came later, per model version. */
export interface RealisedAccuracy {
  version: string;
  /** First and last forecast step that has an actual (ISO). */
  from: string;
  to: string;
  /** Forecast steps with an actual. */
  points: number;
  wape: number | null;
  mase: number | null;
  /** Average weighted quantile loss over the forecast's quantiles. */
  wql: number | null;
  /** Share of actuals inside the outermost quantiles (P10–P90 by default). */
  coverage: number | null;
  /** What the version's backtest promised (average wQL), to compare with. */
  backtestWql: number | null;
}

export interface DriftVerdict {
  flagged: boolean;
  reason: string;
}

/**
 * Realised wQL this many times the backtest's flags drift. A week's wQL scatters around the
 * backtest average by a few tens of percent; twice it is past that scatter, and a level shift
 * or a new heating load, the changes that need a refit, lands well beyond.
 */
export const DRIFT_RATIO = 2;
/** Fewest scored steps for a verdict: a quarter of the horizon, and at least this many. */
export const DRIFT_MIN_POINTS = 8;

/**
 * Scores the forecast `previous` published (reproduced from its artifact: forecasts are
 * deterministic) against the actuals of `series` over the steps it forecast. MASE's scale is
 * the seasonal naive error of the history the version was trained on. Undefined when no
 * forecast step has an actual yet.
 */
export function realisedAccuracy(
  previous: ModelArtifact,
  series: RegularSeries,
  seasonalPeriod: number,
): RealisedAccuracy | undefined {
  const freq = previous.frequency;
  const first = addSteps(Date.parse(previous.trainEnd), 1, freq);
  const offset = stepsBetween(series.start, first, freq);
  if (offset >= series.values.length) return undefined;
  const forecast = forecastArtifact(previous, { horizon: previous.horizon, quantiles: previous.quantiles });
  const quantiles = new Map<number, number[]>(previous.quantiles.map((q) => [q, []]));
  const actual: number[] = [];
  const mean: number[] = [];
  let from = -1;
  let to = -1;
  forecast.points.forEach((p, k) => {
    const i = offset + k;
    const y = i >= 0 && i < series.values.length ? series.values[i] : Number.NaN;
    if (!Number.isFinite(y)) return;
    actual.push(y);
    mean.push(p.mean);
    for (const q of previous.quantiles) quantiles.get(q)?.push(p[quantileKey(q)] as number);
    if (from < 0) from = k;
    to = k;
  });
  if (actual.length === 0) return undefined;
  const history = series.values.subarray(0, Math.max(0, offset));
  const m = computeMetrics({ actual, mean, quantiles }, naiveScale(history, seasonalPeriod), 1);
  return {
    version: previous.version,
    from: forecast.points[from].timestamp,
    to: forecast.points[to].timestamp,
    points: actual.length,
    wape: m.wape,
    mase: m.mase,
    wql: m.averageWql,
    coverage: m.coverage,
    backtestWql: previous.metrics.averageWql,
  };
}

/**
 * Drift: the realised accuracy clearly worse than the backtest promised, on enough points —
 * realised wQL above {@link DRIFT_RATIO}× the backtest's over at least a quarter of the
 * horizon (and {@link DRIFT_MIN_POINTS} steps). The reason says the numbers either way.
 */
export function judgeDrift(realised: RealisedAccuracy, horizon: number): DriftVerdict {
  const needed = Math.max(DRIFT_MIN_POINTS, Math.ceil(horizon / 4));
  const { wql, backtestWql, points, version } = realised;
  if (wql === null || backtestWql === null || backtestWql <= 0)
    return { flagged: false, reason: `version ${version}: no wQL to compare` };
  const ratio = wql / backtestWql;
  const numbers = `realised wQL ${fmt(wql)} over ${points} points is ${ratio.toFixed(1)}× the backtest's ${fmt(backtestWql)}`;
  if (points < needed)
    return { flagged: false, reason: `version ${version}: ${numbers}; too few points (< ${needed}) to say` };
  return ratio > DRIFT_RATIO
    ? { flagged: true, reason: `version ${version}: ${numbers} (threshold ${DRIFT_RATIO}×)` }
    : { flagged: false, reason: `version ${version}: ${numbers} (within ${DRIFT_RATIO}×)` };
}

const fmt = (v: number) => v.toPrecision(3);
