import type { ExplainedPoint, ModelDriver } from "../api/types.ts";

/** An explained forecast as uPlot columns: one line per component on the points' time axis. */
export interface ComponentColumns {
  /** Unix seconds, ascending. */
  xs: number[];
  /** Component names, the largest contribution first. */
  names: string[];
  /** One column per name, null where a point lacks the component. */
  columns: (number | null)[][];
}

/**
 * Columns for the components chart, ordered by mean absolute contribution so the legend reads
 * from what matters most. Empty names when no point carries components (a model without
 * explain, or a cold-start forecast).
 */
export function componentColumns(points: readonly ExplainedPoint[]): ComponentColumns {
  const sorted = [...points]
    .map((p) => ({ x: Math.round(Date.parse(p.timestamp) / 1000), c: p.components ?? {} }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x);
  const weight = new Map<string, number>();
  for (const p of sorted) {
    for (const [name, v] of Object.entries(p.c))
      weight.set(name, (weight.get(name) ?? 0) + (Number.isFinite(v) ? Math.abs(v) : 0));
  }
  const names = [...weight.keys()].sort((a, b) => weight.get(b)! - weight.get(a)! || a.localeCompare(b));
  return {
    xs: sorted.map((p) => p.x),
    names,
    columns: names.map((name) =>
      sorted.map((p) => {
        const v = p.c[name];
        return typeof v === "number" && Number.isFinite(v) ? v : null;
      }),
    ),
  };
}

/** The fields a what-if can change: every driver but the holiday flags. */
export function relatedFields(drivers: readonly ModelDriver[] | undefined): string[] {
  return (drivers ?? []).map((d) => d.name).filter((name) => name !== "holiday");
}

/** `timeOfWeek` → `Time of week`, `temperature` → `Temperature`: component names as words. */
export function componentLabel(name: string): string {
  const words = name
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}
