import { combineForecasts } from "../models/ensemble.ts";
import type { FitInput, ModelMetrics } from "../models/model.ts";
import { modelFor } from "../models/catalog.ts";
import { type BacktestPlan, backtestForecasts, type ScoreOptions, scoreForecasts } from "./backtest.ts";

/** How one candidate did in the backtest. */
export interface CandidateResult {
  alias: string;
  /** Average wQL over the backtest (null when it failed or could not be scored). */
  score: number | null;
  metrics?: ModelMetrics;
  error?: string;
  /** Point forecasts per backtest window (not stored in the artifact). */
  forecasts?: Float64Array[];
}

export interface Choice {
  /** The algorithm to refit: a candidate alias, or "Ensemble". */
  alias: string;
  /** Members when `alias` is "Ensemble". */
  members?: string[];
  metrics: ModelMetrics;
  /** Per-window backtest forecasts of the choice (for calibrating its intervals). */
  forecasts: Float64Array[];
  reason: string;
}

/** Most members of the ensemble: the best candidates by backtest. */
export const ENSEMBLE_SIZE = 3;

/**
 * Members must score within this factor of the best: averaging in a clearly worse model (one
 * blind to a season the best one sees) buys backtest noise, not accuracy.
 */
export const ENSEMBLE_TOLERANCE = 1.1;

/**
 * Backtests every candidate over the same rolling origins. A candidate that throws is kept with
 * its error (statsforecast's `fallback_model` idea: one failing model never fails the customer).
 */
export function backtestCandidates(
  aliases: string[],
  input: FitInput,
  plan: BacktestPlan,
  options: ScoreOptions,
): CandidateResult[] {
  return aliases.map((alias) => {
    try {
      const forecasts = backtestForecasts(modelFor(alias, input.seasonalPeriods), input, plan);
      const metrics = scoreForecasts(input.y, plan, forecasts, options);
      return { alias, score: metrics.averageWql, metrics, forecasts };
    } catch (e) {
      return { alias, score: null, error: (e as Error).message };
    }
  });
}

/**
 * Amazon Forecast's AutoPredictor choice: the candidate with the lowest average wQL over the
 * backtest, or the mean of the best {@link ENSEMBLE_SIZE} (those within
 * {@link ENSEMBLE_TOLERANCE} of the best) when that backtests lower still.
 * Returns null when no candidate could be scored.
 */
export function chooseModel(
  results: CandidateResult[],
  input: FitInput,
  plan: BacktestPlan,
  options: ScoreOptions,
): { choice: Choice; ensemble?: CandidateResult } | null {
  const ranked = results
    .filter(
      (r): r is CandidateResult & { score: number; metrics: ModelMetrics; forecasts: Float64Array[] } =>
        r.score !== null,
    )
    .sort(byScore);
  if (ranked.length === 0) return null;
  const best = ranked[0];
  const windows = `${plan.starts.length} backtest window(s) of ${plan.horizon} steps`;
  const runnerUp = ranked[1] ? `; next ${ranked[1].alias} ${fmt(ranked[1].score)}` : "";
  const single: Choice = {
    alias: best.alias,
    metrics: best.metrics,
    forecasts: best.forecasts,
    reason:
      ranked.length === 1
        ? `only candidate scored: ${best.alias} (average wQL ${fmt(best.score)} over ${windows})`
        : `lowest average wQL: ${best.alias} ${fmt(best.score)} over ${windows}${runnerUp}`,
  };
  const members = ranked.slice(0, ENSEMBLE_SIZE).filter((r) => r.score <= best.score * ENSEMBLE_TOLERANCE);
  if (members.length < 2) return { choice: single };
  const forecasts = plan.starts.map((_, w) =>
    combineForecasts(
      members.map((m) => m.forecasts[w]),
      "mean",
    ),
  );
  const metrics = scoreForecasts(input.y, plan, forecasts, options);
  const ensemble: CandidateResult = { alias: "Ensemble", score: metrics.averageWql, metrics };
  if (metrics.averageWql === null || metrics.averageWql >= best.score) return { choice: single, ensemble };
  const names = members.map((m) => m.alias);
  return {
    choice: {
      alias: "Ensemble",
      members: names,
      metrics,
      forecasts,
      reason: `mean of the best ${names.length} (${names.join(", ")}) backtests lower: average wQL ${fmt(metrics.averageWql)} vs ${fmt(best.score)} for ${best.alias} over ${windows}`,
    },
    ensemble,
  };
}

const fmt = (x: number) => x.toPrecision(4);

/**
 * Lower average wQL first; scores less than 1e-6 apart (a millionth of the actuals: no real
 * difference) tie, and a tie goes to the better point forecast by WAPE. A constantly biased
 * forecast of a noiseless series scores 0 once its quantiles absorb the bias.
 */
function byScore(
  a: { score: number; metrics: ModelMetrics },
  b: { score: number; metrics: ModelMetrics },
): number {
  if (Math.abs(a.score - b.score) > 1e-6) return a.score - b.score;
  return (a.metrics.wape ?? Number.POSITIVE_INFINITY) - (b.metrics.wape ?? Number.POSITIVE_INFINITY);
}
