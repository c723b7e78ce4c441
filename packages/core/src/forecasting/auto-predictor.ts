import { studentTQuantile } from "../kernels/student-t.ts";
import { combineForecasts } from "../models/ensemble.ts";
import type { FitInput, ModelMetrics } from "../models/model.ts";
import { modelFor } from "../models/catalog.ts";
import { type BacktestPlan, backtestWindow, type ScoreOptions, scoreBacktest } from "./backtest.ts";

/** How one candidate did in the backtest. */
export interface CandidateResult {
  alias: string;
  /** Average wQL over the backtest (null when it failed or could not be scored). */
  score: number | null;
  metrics?: ModelMetrics;
  error?: string;
  /** Point forecasts per backtest window (not stored in the artifact). */
  forecasts?: Float64Array[];
  /** Each window's part of the score (see BacktestScore.windowLoss; not stored). */
  windowLoss?: number[];
  /** Why it was not backtested on every window (see backtestCandidates). */
  pruned?: string;
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
 * A candidate whose error on the latest backtest window is more than this factor times the
 * best candidate's is not backtested on the others (racing, as in F-race or successive halving).
 * Measured on the train bench: at 1.5 every set chose exactly as without racing (daily series
 * trained in two thirds of the time); at 1.2 the daily set lost 3% wQL, so the margin is wide.
 */
export const RACE_FACTOR = 1.5;

/** Fewest windows worth racing over: with fewer, the heat would be most of the backtest. */
export const RACE_MIN_WINDOWS = 3;

/**
 * Backtests every candidate over the same rolling origins. A candidate that throws is kept with
 * its error (statsforecast's `fallback_model` idea: one failing model never fails the customer).
 *
 * Every candidate first forecasts the latest window; one whose absolute error there exceeds
 * {@link RACE_FACTOR} times the best candidate's is pruned, unless it is in `keep` (the default
 * combination, which is never replaced unheard). Such a candidate would have to beat the best
 * by a wide margin on every other window to come within {@link ENSEMBLE_TOLERANCE} of it on
 * average, and its other windows are most of its cost.
 */
export function backtestCandidates(
  aliases: string[],
  input: FitInput,
  plan: BacktestPlan,
  options: ScoreOptions,
  keep: string[] = [],
): CandidateResult[] {
  const latest = plan.starts.length - 1;
  const models = aliases.map((alias) => modelFor(alias, input.seasonalPeriods));
  const heat = models.map((model): { forecast: Float64Array } | { error: string } => {
    try {
      return { forecast: backtestWindow(model, input, plan, latest) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  });
  const errors = heat.map((h) =>
    "forecast" in h ? absoluteError(input.y, plan.starts[latest], h.forecast, options.floor) : Number.NaN,
  );
  const finite = errors.filter(Number.isFinite);
  const best = finite.length > 0 ? Math.min(...finite) : Number.NaN;
  const bestAlias = aliases[errors.indexOf(best)];
  const racing = plan.starts.length >= RACE_MIN_WINDOWS && aliases.length > 1;
  return aliases.map((alias, i) => {
    const h = heat[i];
    if ("error" in h) return { alias, score: null, error: h.error };
    if (racing && !keep.includes(alias) && errors[i] > RACE_FACTOR * best) {
      return {
        alias,
        score: null,
        pruned: `pruned after the latest window: absolute error ${fmt(errors[i])}, over ${RACE_FACTOR}× ${bestAlias}'s ${fmt(best)}`,
      };
    }
    try {
      const forecasts = plan.starts.map((_, w) =>
        w === latest ? h.forecast : backtestWindow(models[i], input, plan, w),
      );
      const { metrics, windowLoss } = scoreBacktest(input.y, plan, forecasts, options);
      return { alias, score: metrics.averageWql, metrics, forecasts, windowLoss };
    } catch (e) {
      return { alias, score: null, error: (e as Error).message };
    }
  });
}

/** Sum of |actual − forecast| over a window's observed steps, the forecast floored as served. */
function absoluteError(y: Float64Array, start: number, forecast: Float64Array, floor: number): number {
  let sum = 0;
  for (let s = 0; s < forecast.length; s++) {
    const a = y[start + s];
    if (Number.isFinite(a)) sum += Math.abs(a - Math.max(floor, forecast[s]));
  }
  return sum;
}

type Scored = CandidateResult & {
  score: number;
  metrics: ModelMetrics;
  forecasts: Float64Array[];
  windowLoss: number[];
};

/**
 * Amazon Forecast's AutoPredictor choice: the candidate with the lowest average wQL over the
 * backtest, or the mean of the best {@link ENSEMBLE_SIZE} (those within
 * {@link ENSEMBLE_TOLERANCE} of the best) when that backtests lower still.
 *
 * With a `baseline` (families that choose their own form by information criterion, as AutoETS
 * and AutoARIMA do), their combination is the default, and another choice replaces it only
 * when it backtests significantly lower: a one-sided paired t-test on the per-window losses at
 * 5%, Bonferroni-corrected for the number of challengers (see {@link replacementMargin}). The
 * best of several challengers on a few noisy windows is usually luck (in the train bench,
 * letting a one-standard-error winner replace the default cost 7% MASE on monthly series),
 * while a candidate that wins window after window (a yearly season the defaults cannot see,
 * seasonal naive on a series that truly repeats) still does.
 * Returns null when no candidate could be scored.
 */
export function chooseModel(
  results: CandidateResult[],
  input: FitInput,
  plan: BacktestPlan,
  options: ScoreOptions,
  baseline: string[] = [],
): { choice: Choice; ensemble?: CandidateResult } | null {
  const ranked = results
    .filter((r): r is Scored => r.score !== null && r.windowLoss !== undefined)
    .sort(byScore);
  if (ranked.length === 0) return null;
  const best = ranked[0];
  const windows = `${plan.starts.length} backtest window(s) of ${plan.horizon} steps`;
  const [bestText, nextText] = ranked[1] ? fmtPair(best.score, ranked[1].score) : [fmt(best.score), ""];
  const runnerUp = ranked[1] ? `; next ${ranked[1].alias} ${nextText}` : "";
  const single: Choice = {
    alias: best.alias,
    metrics: best.metrics,
    forecasts: best.forecasts,
    reason:
      ranked.length === 1
        ? `only candidate scored: ${best.alias} (average wQL ${fmt(best.score)} over ${windows})`
        : `lowest average wQL: ${best.alias} ${bestText} over ${windows}${runnerUp}`,
  };
  const topMembers = ranked.slice(0, ENSEMBLE_SIZE).filter((r) => r.score <= best.score * ENSEMBLE_TOLERANCE);
  const top = topMembers.length >= 2 ? combine(topMembers, input, plan, options) : undefined;
  let challenger: Choice = single;
  if (top && top.score < best.score) {
    const names = topMembers.map((m) => m.alias);
    const [topText, bestText] = fmtPair(top.score, best.score);
    challenger = {
      alias: "Ensemble",
      members: names,
      metrics: top.metrics,
      forecasts: top.forecasts,
      reason: `mean of the best ${names.length} (${names.join(", ")}) backtests lower: average wQL ${topText} vs ${bestText} for ${best.alias} over ${windows}`,
    };
  }
  const ensemble: CandidateResult | undefined = top
    ? { alias: "Ensemble", score: top.score, metrics: top.metrics }
    : undefined;

  const baseMembers = ranked.filter((r) => baseline.includes(r.alias));
  if (baseMembers.length === 0) return { choice: challenger, ensemble };
  const base: Scored = baseMembers.length === 1 ? baseMembers[0] : combine(baseMembers, input, plan, options);
  const baseNames = baseMembers.map((m) => m.alias);
  const baseChoice: Choice = {
    alias: baseMembers.length === 1 ? baseMembers[0].alias : "Ensemble",
    members: baseMembers.length === 1 ? undefined : baseNames,
    metrics: base.metrics,
    forecasts: base.forecasts,
    reason: "",
  };
  const challengerLoss = challenger === single ? best.windowLoss : top!.windowLoss;
  const challengerScore = challenger === single ? best.score : top!.score;
  const sameAsBase =
    challenger.alias === baseChoice.alias &&
    (challenger.members ?? []).join() === (baseChoice.members ?? []).join();
  // Pruned candidates were challengers too: the correction counts them, so racing never makes
  // a replacement easier.
  const challengers = ranked.length - baseMembers.length + results.filter((r) => r.pruned).length;
  const margin = replacementMargin(base.windowLoss, challengerLoss, challengers + 1);
  const label = baseMembers.length === 1 ? baseNames[0] : `the mean of ${baseNames.join(", ")}`;
  if (sameAsBase || challengerScore >= base.score || base.score - challengerScore <= margin) {
    baseChoice.reason = sameAsBase
      ? `${label}, by information criterion within each family: average wQL ${fmt(base.score)} over ${windows}, the lowest`
      : `${label}, by information criterion within each family: average wQL ${fmt(base.score)} over ${windows}; ${challenger.alias === "Ensemble" ? `the mean of ${challenger.members!.join(", ")}` : challenger.alias} ${fmt(challengerScore)} is not significantly lower (${margin === Number.POSITIVE_INFINITY ? "too few windows to tell" : `needs a margin of ${fmt(margin)}`})`;
    return {
      choice: baseChoice,
      ensemble: baseMembers.length > 1 ? { ...ensemble, ...base, alias: "Ensemble" } : ensemble,
    };
  }
  challenger.reason += `, significantly lower than ${label} (${fmt(base.score)}; margin ${fmt(margin)})`;
  return { choice: challenger, ensemble };
}

/** Significance of a replacement of the default, before the Bonferroni correction. */
export const REPLACEMENT_LEVEL = 0.05;

/**
 * How much lower a challenger's average loss must be to replace the default: the one-sided
 * paired t critical value at {@link REPLACEMENT_LEVEL} / `comparisons` with W − 1 degrees of
 * freedom, times the standard error of the mean per-window difference. +∞ with fewer than three
 * windows, where no difference can be told from noise.
 *
 * @param comparisons - challengers the default was compared with (the Bonferroni factor).
 */
export function replacementMargin(a: number[], b: number[], comparisons: number): number {
  const w = Math.min(a.length, b.length);
  if (w < 3) return Number.POSITIVE_INFINITY;
  const d = Array.from({ length: w }, (_, i) => a[i] - b[i]);
  const mean = d.reduce((x, y) => x + y, 0) / w;
  const variance = d.reduce((x, y) => x + (y - mean) ** 2, 0) / (w - 1);
  const critical = studentTQuantile(1 - REPLACEMENT_LEVEL / Math.max(1, comparisons), w - 1);
  return critical * Math.sqrt(variance / w);
}

/** The mean of some candidates' backtest forecasts, scored as one candidate. */
function combine(members: Scored[], input: FitInput, plan: BacktestPlan, options: ScoreOptions): Scored {
  const forecasts = plan.starts.map((_, w) =>
    combineForecasts(
      members.map((m) => m.forecasts[w]),
      "mean",
    ),
  );
  const { metrics, windowLoss } = scoreBacktest(input.y, plan, forecasts, options);
  return {
    alias: "Ensemble",
    score: metrics.averageWql ?? Number.POSITIVE_INFINITY,
    metrics,
    forecasts,
    windowLoss,
  };
}

const fmt = (x: number) => x.toPrecision(4);

/** Two scores compared in a reason, with as many digits (4 to 8) as it takes to tell them apart. */
export function fmtPair(a: number, b: number): [string, string] {
  for (let digits = 4; digits < 8; digits++) {
    const [x, y] = [a.toPrecision(digits), b.toPrecision(digits)];
    if (x !== y) return [x, y];
  }
  return [a.toPrecision(8), b.toPrecision(8)];
}

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
