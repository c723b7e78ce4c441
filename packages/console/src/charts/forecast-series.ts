import type { ForecastPoint } from "../api/types.ts";

/** A reading of the customer's series. */
export interface Reading {
  timestamp: string;
  value: number;
}

/** Which keys of a forecast point to draw: the centre line and the outermost band. */
export interface BandKeys {
  center: string;
  lower?: string;
  upper?: string;
}

/** Quantile keys (`p10`, `p97.5`…) of a point, lowest level first. */
export function quantileKeys(point: ForecastPoint | undefined): string[] {
  if (!point) return [];
  return Object.keys(point)
    .filter((k) => /^p\d+(\.\d+)?$/.test(k))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/**
 * The median as the centre line (the mean when no P50 was published), and the lowest and
 * highest quantiles as the band: P10–P90 by default, whatever the dataset published otherwise.
 */
export function bandKeys(points: readonly ForecastPoint[]): BandKeys {
  const keys = quantileKeys(points[0]);
  const center = keys.includes("p50") ? "p50" : "mean";
  const outer = keys.filter((k) => k !== "p50");
  if (outer.length < 2) return { center };
  return { center, lower: outer[0], upper: outer[outer.length - 1] };
}

/** One forecast's columns on the shared x axis (null where it has no point). */
export interface AlignedForecast {
  keys: BandKeys;
  center: (number | null)[];
  lower: (number | null)[] | null;
  upper: (number | null)[] | null;
}

export interface AlignedSeries {
  /** Unix seconds, ascending: uPlot's time axis. */
  xs: number[];
  history: (number | null)[];
  forecast: AlignedForecast | null;
  prediction: AlignedForecast | null;
  /** The actuals over a past forecast's steps, when given: a line of its own. */
  actuals: (number | null)[] | null;
}

/**
 * Puts history, the published forecast, a live prediction and (for a past forecast) the actuals
 * that came later on one time axis, as uPlot needs (one x array, one y array per series, null
 * for gaps). A forecast's first point is joined to the last history point by nothing: the gap
 * shows where the data ends.
 */
export function alignSeries(
  history: readonly Reading[],
  forecast: readonly ForecastPoint[] | null,
  prediction: readonly ForecastPoint[] | null,
  actuals: readonly Reading[] | null = null,
): AlignedSeries {
  const seconds = (iso: string) => Math.round(Date.parse(iso) / 1000);
  const xsSet = new Set<number>();
  for (const p of history) xsSet.add(seconds(p.timestamp));
  for (const p of forecast ?? []) xsSet.add(seconds(p.timestamp));
  for (const p of prediction ?? []) xsSet.add(seconds(p.timestamp));
  for (const p of actuals ?? []) xsSet.add(seconds(p.timestamp));
  const xs = [...xsSet].filter(Number.isFinite).sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const column = () => new Array<number | null>(xs.length).fill(null);

  function readings(points: readonly Reading[]): (number | null)[] {
    const out = column();
    for (const p of points) {
      const i = index.get(seconds(p.timestamp));
      if (i !== undefined && Number.isFinite(p.value)) out[i] = p.value;
    }
    return out;
  }

  function align(points: readonly ForecastPoint[] | null): AlignedForecast | null {
    if (!points || points.length === 0) return null;
    const keys = bandKeys(points);
    const center = column();
    const lower = keys.lower ? column() : null;
    const upper = keys.upper ? column() : null;
    for (const p of points) {
      const i = index.get(seconds(p.timestamp));
      if (i === undefined) continue;
      center[i] = toNumber(p[keys.center]);
      if (lower && keys.lower) lower[i] = toNumber(p[keys.lower]);
      if (upper && keys.upper) upper[i] = toNumber(p[keys.upper]);
    }
    return { keys, center, lower, upper };
  }

  return {
    xs,
    history: readings(history),
    forecast: align(forecast),
    prediction: align(prediction),
    actuals: actuals ? readings(actuals) : null,
  };
}

function toNumber(v: string | number | undefined): number | null {
  const n = typeof v === "number" ? v : v === undefined ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** `p10` → `P10`, `mean` → `Mean`. */
export function keyLabel(key: string): string {
  return key === "mean" ? "Mean" : key.toUpperCase();
}
