import { customerPageUrl } from "./run-progress.ts";
import type { RealisedAccuracy } from "@myriad/core/forecasting/monitoring";

/** `GET …/customers/{id}/forecast` as the terminal reads it. */
export interface ForecastBody {
  dataset: string;
  customerId: string;
  model: { algorithm: string; version: string };
  coldStart?: boolean;
  cohort?: string | null;
  points: Record<string, string | number | Record<string, number>>[];
}

export interface HistoryPoint {
  timestamp: string;
  value: number;
}

interface Metrics {
  wape?: number | null;
  mase?: number | null;
  averageWql?: number | null;
  coverage?: number | null;
  backtestWindows?: number;
}

/** `GET …/customers/{id}/model`. */
export interface ModelBody {
  model: {
    algorithm: string;
    version: string;
    metrics: Metrics | null;
    selection: { reason?: string; members?: string[]; cohort?: string; fallback?: boolean } | null;
    activatedAt: string | null;
  };
}

/** `GET …/customers/{id}/accuracy`. */
export interface AccuracyBody {
  versions: RealisedAccuracy[];
  drift: { flagged: boolean; reason: string } | null;
}

const BAND = "░";
const DIVIDER = "┊";

/** The quantile keys of a point (`p10`, `p50`, `p97.5`…), lowest first. */
function quantileKeys(point: Record<string, unknown>): string[] {
  return Object.keys(point)
    .filter((k) => /^p\d+(\.\d+)?$/.test(k) && typeof point[k] === "number")
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** Means of consecutive runs of `k` values (the last run may be shorter). */
function buckets<T>(values: T[], k: number, read: (v: T) => number): number[] {
  const out: number[] = [];
  for (let from = 0; from < values.length; from += k) {
    const run = values.slice(from, from + k).map(read);
    out.push(run.reduce((a, b) => a + b, 0) / run.length);
  }
  return out;
}

/** Steps in a season of the series' step (a day of hours…), when the step is a usual one. */
function seasonOf(stepMs: number): number | undefined {
  const minutes = Math.round(stepMs / 60_000);
  if (minutes > 0 && minutes < 1440 && 1440 % minutes === 0) return 1440 / minutes;
  if (minutes === 1440) return 7;
  return undefined;
}

/**
 * Points a column: the smallest that fits `points` into `columns`, among the divisors of the
 * season when there is one, so every day is cut the same way (no moiré in a daily cycle).
 */
function pointsPerColumn(points: number, columns: number, season: number | undefined): number {
  const need = Math.max(1, Math.ceil(points / Math.max(1, columns)));
  if (season !== undefined) for (let k = need; k <= season; k++) if (season % k === 0) return k;
  return need;
}

/** A line through `values` from column `offset`, with box-drawing turns (asciichart's style). */
function drawLine(grid: string[][], values: number[], offset: number, rowOf: (v: number) => number): void {
  let previous: number | undefined;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      previous = undefined;
      return;
    }
    const x = offset + i;
    const y = rowOf(v);
    if (previous === undefined || previous === y) grid[y][x] = "─";
    else if (y > previous) {
      grid[previous][x] = "╯";
      for (let r = previous + 1; r < y; r++) grid[r][x] = "│";
      grid[y][x] = "╭";
    } else {
      grid[previous][x] = "╮";
      for (let r = y + 1; r < previous; r++) grid[r][x] = "│";
      grid[y][x] = "╰";
    }
    previous = y;
  });
}

function formatTime(iso: string, dateOnly: boolean): string {
  const s = new Date(iso).toISOString();
  return dateOnly ? s.slice(0, 10) : `${s.slice(5, 10)} ${s.slice(11, 16)}`;
}

/**
 * A terminal chart of recent history and the forecast: the history as a line, the forecast's
 * median as a line inside its shaded band (the lowest to the highest published quantile,
 * P10–P90 by default), a dotted divider where the forecast starts. The whole forecast is shown,
 * in at most two thirds of the width; the history fills the rest, its latest points. Long series
 * are averaged over a few steps a column, the same number for both.
 */
export function renderForecastChart(
  history: HistoryPoint[],
  forecast: ForecastBody["points"],
  options: { width?: number; height?: number } = {},
): string[] {
  const height = Math.max(4, options.height ?? 12);
  const qs = forecast.length > 0 ? quantileKeys(forecast[0]) : [];
  const lowKey = qs[0];
  const highKey = qs.at(-1);
  const midKey = qs.includes("p50")
    ? "p50"
    : "mean" in (forecast[0] ?? {})
      ? "mean"
      : qs[Math.floor(qs.length / 2)];
  const num = (p: Record<string, unknown>, k: string | undefined) =>
    k !== undefined && typeof p[k] === "number" ? (p[k] as number) : Number.NaN;

  // Columns first (labels are at most 12 characters), then the values they show.
  const plotWidth = Math.max(12, (options.width ?? 80) - 14);
  const stamps = forecast.length > 1 ? forecast : history;
  const stepMs =
    stamps.length > 1 ? Date.parse(String(stamps[1].timestamp)) - Date.parse(String(stamps[0].timestamp)) : 0;
  const forecastRoom = history.length > 0 ? Math.floor((plotWidth * 2) / 3) : plotWidth;
  const k = pointsPerColumn(
    forecast.length || history.length,
    forecast.length ? forecastRoom : plotWidth,
    seasonOf(stepMs),
  );
  const fcCols = Math.ceil(forecast.length / k);
  const histCols = Math.min(Math.floor(history.length / k), plotWidth - fcCols - (fcCols > 0 ? 1 : 0));
  const shownHistory = histCols > 0 ? history.slice(history.length - histCols * k) : [];
  const hist = buckets(shownHistory, k, (h) => h.value);
  const lo = buckets(forecast, k, (p) => num(p, lowKey));
  const mid = buckets(forecast, k, (p) => num(p, midKey));
  const hi = buckets(forecast, k, (p) => num(p, highKey));

  const all = [...hist, ...lo, ...mid, ...hi].filter(Number.isFinite);
  if (all.length === 0) return ["(nothing to chart: no history and no forecast points)"];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (max === min) {
    min -= 1;
    max += 1;
  }
  const step = (max - min) / (height - 1);
  const rowOf = (v: number) => Math.round((v - min) / step);
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  const label = (v: number) =>
    v.toLocaleString("en-US", { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
  const labelled = new Set([0, Math.round((height - 1) / 2), height - 1]);
  const labelWidth = Math.max(...[...labelled].map((r) => label(min + r * step).length));

  const divider = hist.length > 0 && mid.length > 0;
  const offset = hist.length + (divider ? 1 : 0);
  const width = offset + mid.length;
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(" "));
  drawLine(grid, hist, 0, rowOf);
  if (divider) for (let r = 0; r < height; r++) grid[r][hist.length] = DIVIDER;
  mid.forEach((_, c) => {
    if (Number.isFinite(lo[c]) && Number.isFinite(hi[c]))
      for (let r = rowOf(lo[c]); r <= rowOf(hi[c]); r++) grid[r][offset + c] = BAND;
  });
  drawLine(grid, mid, offset, rowOf);

  const lines: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const text = labelled.has(r) ? label(min + r * step) : "";
    lines.push(`${text.padStart(labelWidth)} ${labelled.has(r) ? "┤" : "│"}${grid[r].join("")}`);
  }
  const axis = Array<string>(width).fill("─");
  if (divider) axis[hist.length] = "┴";
  lines.push(`${" ".repeat(labelWidth)} └${axis.join("")}`);

  const times = [...shownHistory.map((h) => h.timestamp), ...forecast.map((p) => String(p.timestamp))];
  const dateOnly = times.every((t) => t.slice(11, 19) === "00:00:00" || !t.includes("T"));
  const ticks: [number, string][] = [];
  if (shownHistory.length) ticks.push([0, formatTime(shownHistory[0].timestamp, dateOnly)]);
  if (forecast.length) {
    ticks.push([offset, formatTime(String(forecast[0].timestamp), dateOnly)]);
    const end = formatTime(String(forecast.at(-1)?.timestamp), dateOnly);
    ticks.push([Math.max(offset, width - end.length), end]);
  }
  let axisLabels = "";
  for (const [at, text] of ticks) {
    const col = Math.max(at, axisLabels.length + (axisLabels ? 2 : 0));
    axisLabels = axisLabels.padEnd(col) + text;
  }
  lines.push(`${" ".repeat(labelWidth + 2)}${axisLabels}`);
  const median = midKey === "mean" ? "mean" : (midKey ?? "").toUpperCase();
  const band =
    lowKey && highKey && lowKey !== highKey
      ? ` in ${BAND} ${lowKey.toUpperCase()}–${highKey.toUpperCase()}`
      : "";
  const every = k > 1 ? `   (${k} steps a column)` : "";
  lines.push(
    `${" ".repeat(labelWidth + 2)}${shownHistory.length ? "─ history   " : ""}─ forecast ${median}${band}${every}`,
  );
  return lines;
}

const metric = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined || !Number.isFinite(n)
    ? "—"
    : Math.abs(n) >= 100
      ? n.toFixed(1)
      : Number(n.toPrecision(digits)).toString();
const percent = (n: number | null | undefined) =>
  n === null || n === undefined || !Number.isFinite(n) ? "—" : `${(n * 100).toFixed(1)}%`;

/** What follows the chart: the model, its accuracy (backtest and realised), why it was chosen. */
export function forecastReport(input: {
  forecast: ForecastBody;
  model?: ModelBody;
  accuracy?: AccuracyBody;
  apiUrl: string;
}): string[] {
  const { forecast, model, accuracy } = input;
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(9)} ${text}`);
  const first = forecast.points[0]?.timestamp;
  row(
    "customer",
    `${forecast.customerId} · dataset ${forecast.dataset} · ${forecast.points.length} steps${first ? ` from ${String(first).replace(".000Z", "Z")}` : ""}`,
  );
  const m = model?.model;
  const algorithm = m?.algorithm ?? forecast.model.algorithm;
  const members = m?.selection?.members?.length ? ` of ${m.selection.members.join(", ")}` : "";
  row(
    "model",
    `${algorithm}${members} · version ${m?.version ?? forecast.model.version}${m?.activatedAt ? ` · active since ${m.activatedAt.replace(".000Z", "Z")}` : ""}`,
  );
  if (forecast.coldStart)
    row("", `cold start: forecast from the cohort ${forecast.cohort ?? "of all customers"}`);
  const b = m?.metrics;
  if (b && ![b.averageWql, b.wape, b.mase].some((v) => typeof v === "number" && Number.isFinite(v))) {
    row("backtest", "none (see why)");
  } else if (b) {
    row(
      "backtest",
      `wQL ${metric(b.averageWql)} · WAPE ${percent(b.wape)} · MASE ${metric(b.mase)} · coverage ${percent(b.coverage)}${b.backtestWindows ? ` (${b.backtestWindows} windows)` : ""}`,
    );
  }
  const realised = accuracy?.versions.find((v) => v.points > 0 && v.wql !== null);
  if (realised) {
    row(
      "realised",
      `wQL ${metric(realised.wql)} · WAPE ${percent(realised.wape)} · MASE ${metric(realised.mase)} · coverage ${percent(realised.coverage)} over ${realised.points} points (version ${realised.version})`,
    );
  } else if (accuracy) {
    row("realised", "not yet: measured when a later upload brings the actuals of this forecast");
  }
  if (accuracy?.drift) row("drift", `${accuracy.drift.flagged ? "FLAGGED: " : ""}${accuracy.drift.reason}`);
  if (m?.selection?.reason) row("why", m.selection.reason);
  row("console", customerPageUrl(input.apiUrl, forecast.dataset, forecast.customerId));
  return lines;
}
