import type { ForecastPoint } from "../api/types.ts";
import type { Reading } from "./forecast-series.ts";

/**
 * Readings of history drawn before a past forecast, for context: half its horizon, at least a
 * dozen and at most two weeks of hourly readings, so the forecast stays most of the chart.
 */
export function contextSteps(horizon: number): number {
  return Math.min(336, Math.max(12, Math.round(horizon / 2)));
}

/** First and last step of a forecast, in epoch milliseconds; undefined for an empty forecast. */
export function forecastSpan(
  forecast: readonly ForecastPoint[],
): { first: number; last: number } | undefined {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of forecast) {
    const t = Date.parse(p.timestamp);
    if (!Number.isFinite(t)) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  return first <= last ? { first, last } : undefined;
}

/**
 * The `GET …/history` query that brings a past forecast's actuals and `context` readings before
 * them: everything up to its last step (`to` is exclusive, hence the millisecond after it), the
 * latest `limit` readings of that. A regular series has one reading per step, so the forecast's
 * length plus the context covers both.
 */
export function actualsQuery(
  forecast: readonly ForecastPoint[],
  context: number,
): { to: string; limit: number } | undefined {
  const span = forecastSpan(forecast);
  if (!span) return undefined;
  return { to: new Date(span.last + 1).toISOString(), limit: Math.max(1, forecast.length + context) };
}

export interface PastForecastReadings {
  /** History before the forecast's first step (the last `context` readings), for context. */
  before: Reading[];
  /** The actuals over the forecast's steps, first to last inclusive. */
  actuals: Reading[];
}

/**
 * Splits history around a past forecast's window: the actuals on its steps, and up to `context`
 * readings before it. Readings are sorted by time, and those without a finite value or a
 * parseable timestamp, or after the forecast's last step, are dropped. With no forecast there is
 * no window and nothing to split.
 */
export function splitActuals(
  history: readonly Reading[],
  forecast: readonly ForecastPoint[],
  context: number,
): PastForecastReadings {
  const span = forecastSpan(forecast);
  if (!span) return { before: [], actuals: [] };
  const sorted = history
    .map((p) => ({ p, t: Date.parse(p.timestamp) }))
    .filter(({ p, t }) => Number.isFinite(t) && Number.isFinite(p.value))
    .sort((a, b) => a.t - b.t);
  const before = sorted.filter(({ t }) => t < span.first).map(({ p }) => p);
  const actuals = sorted.filter(({ t }) => t >= span.first && t <= span.last).map(({ p }) => p);
  return { before: context > 0 ? before.slice(-context) : [], actuals };
}

/**
 * The context line as drawn: the readings before the forecast and the first actual, so the
 * context line meets the actuals line instead of leaving a one-step gap between the two.
 */
export function joinedContext(readings: PastForecastReadings): Reading[] {
  return readings.before.length > 0 && readings.actuals.length > 0
    ? [...readings.before, readings.actuals[0]]
    : readings.before;
}
