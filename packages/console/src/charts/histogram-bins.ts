import type { HistogramBin } from "../api/types.ts";

/** A histogram bin ready to draw: its label, count and bar height as a share of the tallest. */
export interface Bar {
  label: string;
  customers: number;
  /** 0–1 of the tallest bin; 0 for an empty histogram. */
  height: number;
}

/** An edge as written on the axis: `0.02`, `0.1`, `1`. */
const edge = (n: number) => String(Number(n.toPrecision(3)));

/** `< 0.02` for the first bin, `0.02–0.05` between, `≥ 1` for the open last bin. */
export function binLabel(bin: HistogramBin, first: boolean): string {
  if (bin.to === null) return `≥ ${edge(bin.from)}`;
  if (first && bin.from === 0) return `< ${edge(bin.to)}`;
  return `${edge(bin.from)}–${edge(bin.to)}`;
}

export function histogramBars(bins: HistogramBin[]): Bar[] {
  const tallest = Math.max(0, ...bins.map((b) => b.customers));
  return bins.map((bin, i) => ({
    label: binLabel(bin, i === 0),
    customers: bin.customers,
    height: tallest > 0 ? bin.customers / tallest : 0,
  }));
}
