import type { HistoryPoint } from "../api/types.ts";
import { formatCount } from "../lib/format.ts";

/**
 * The history API's anomalies (outages, spikes, meter resets) as the forecast chart draws them:
 * a ring on each flagged reading, and one shaded span per run of consecutive flagged readings.
 * Pure functions, no DOM, so they are unit-tested in Node.
 */

/** A run of consecutive flagged readings, shaded as one span. */
export interface AnomalySpan {
  /** Unix seconds of the run's first and last flagged reading. */
  first: number;
  last: number;
  /**
   * Edges of the shading in Unix seconds: halfway to the readings either side, or half a step
   * past a run at either end of the history, so a lone spike is shaded one step wide.
   */
  start: number;
  end: number;
  /** Flagged readings in the run. */
  count: number;
  /** The run's highest score; null when the API gave none. */
  maxScore: number | null;
}

const seconds = (iso: string) => Math.round(Date.parse(iso) / 1000);

export function isAnomaly(point: HistoryPoint): boolean {
  return point.anomaly === true;
}

/** Flagged readings among `points`. */
export function countAnomalies(points: readonly HistoryPoint[]): number {
  let n = 0;
  for (const p of points) if (isAnomaly(p)) n++;
  return n;
}

/** The median spacing of ascending times, 0 with fewer than two. */
function typicalStep(xs: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[i - 1]) gaps.push(xs[i] - xs[i - 1]);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/**
 * Groups consecutive flagged readings (neighbours in the history, in time order) into spans:
 * a two-day outage of hourly zeros is one span of 48 readings, a lone spike a span of one.
 * Readings with an unreadable timestamp are left out.
 */
export function anomalySpans(points: readonly HistoryPoint[]): AnomalySpan[] {
  const readings = points
    .map((p) => ({ x: seconds(p.timestamp), flagged: isAnomaly(p), score: p.score }))
    .filter((r) => Number.isFinite(r.x))
    .sort((a, b) => a.x - b.x);
  const xs = readings.map((r) => r.x);
  const half = typicalStep(xs) / 2;
  const spans: AnomalySpan[] = [];
  let i = 0;
  while (i < readings.length) {
    if (!readings[i].flagged) {
      i++;
      continue;
    }
    let j = i;
    let maxScore: number | null = null;
    while (j < readings.length && readings[j].flagged) {
      const score = readings[j].score;
      if (typeof score === "number" && Number.isFinite(score)) maxScore = Math.max(maxScore ?? score, score);
      j++;
    }
    const first = xs[i];
    const last = xs[j - 1];
    spans.push({
      first,
      last,
      start: i > 0 ? (xs[i - 1] + first) / 2 : first - half,
      end: j < xs.length ? (last + xs[j]) / 2 : last + half,
      count: j - i,
      maxScore,
    });
    i = j;
  }
  return spans;
}

/** The flagged readings on the chart's x axis: their values (where rings go) and scores, null elsewhere. */
export interface AlignedAnomalies {
  values: (number | null)[];
  /** NaN on a flagged reading without a score. */
  scores: (number | null)[];
  count: number;
}

/** Puts the flagged readings of `points` on `xs` (Unix seconds, ascending, from alignSeries). */
export function alignAnomalies(xs: readonly number[], points: readonly HistoryPoint[]): AlignedAnomalies {
  const index = new Map(xs.map((x, i) => [x, i]));
  const values = new Array<number | null>(xs.length).fill(null);
  const scores = new Array<number | null>(xs.length).fill(null);
  let count = 0;
  for (const p of points) {
    if (!isAnomaly(p) || !Number.isFinite(p.value)) continue;
    const i = index.get(seconds(p.timestamp));
    if (i === undefined) continue;
    values[i] = p.value;
    scores[i] = typeof p.score === "number" && Number.isFinite(p.score) ? p.score : Number.NaN;
    count++;
  }
  return { values, scores, count };
}

/** The legend's readout of a flagged reading: `anomaly, score 7.3`. */
export function anomalyReadout(score: number | null | undefined): string {
  return typeof score === "number" && Number.isFinite(score)
    ? `anomaly, score ${score.toFixed(1)}`
    : "anomaly";
}

const readings = (n: number) => `${formatCount(n)} anomalous reading${n === 1 ? "" : "s"}`;

/** The chart caption's sentence on anomalies; empty when there are none. */
export function describeAnomalies(count: number, spans: number): string {
  if (count <= 0) return "";
  const runs = spans === 1 ? "1 shaded run" : `${formatCount(spans)} shaded runs`;
  return `Anomalies: ${readings(count)} ringed in red, in ${runs}.`;
}

/** The one-line note under the chart; null when nothing is flagged. */
export function anomalyNote(count: number): string | null {
  if (count <= 0) return null;
  return (
    `${readings(count)} flagged in the history shown (outages, spikes, meter resets); ` +
    "a dataset with anomalies: exclude trains on their expected values instead."
  );
}
