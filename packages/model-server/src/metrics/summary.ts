/** Units as CloudWatch spells them; SageMaker reports its endpoint timings in microseconds. */
export const MetricUnit = {
  Microseconds: "Microseconds",
  Count: "Count",
  Bytes: "Bytes",
} as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One timing metric as a JSON snapshot: totals since start, percentiles over recent samples. */
export interface SummarySnapshot {
  unit: MetricUnit;
  /** Samples since start (CloudWatch's SampleCount). */
  count: number;
  sum: number;
  average: number;
  /** Percentiles over the last `window` samples, so they follow the current load. */
  p50: number;
  p99: number;
  max: number;
}

const DEFAULT_WINDOW = 4096;

/**
 * A running summary of one metric: count, sum and max since start, and p50/p99 over a ring of
 * the most recent samples. Recording is O(1); percentiles sort the ring when a snapshot is
 * taken, which happens on a metrics request, not on the hot path.
 */
export class Summary {
  readonly unit: MetricUnit;
  #ring: Float64Array;
  #next = 0;
  #filled = 0;
  #count = 0;
  #sum = 0;
  #max = 0;

  constructor(unit: MetricUnit, window = DEFAULT_WINDOW) {
    this.unit = unit;
    this.#ring = new Float64Array(window);
  }

  record(value: number): void {
    this.#ring[this.#next] = value;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#filled < this.#ring.length) this.#filled++;
    this.#count++;
    this.#sum += value;
    if (value > this.#max) this.#max = value;
  }

  get count(): number {
    return this.#count;
  }

  snapshot(): SummarySnapshot {
    const recent = this.#ring.slice(0, this.#filled).sort();
    const at = (q: number) =>
      recent.length === 0 ? 0 : recent[Math.min(recent.length - 1, Math.floor(q * recent.length))];
    return {
      unit: this.unit,
      count: this.#count,
      sum: Math.round(this.#sum),
      average: this.#count === 0 ? 0 : Math.round(this.#sum / this.#count),
      p50: Math.round(at(0.5)),
      p99: Math.round(at(0.99)),
      max: Math.round(this.#max),
    };
  }
}

/** Microseconds since `startMs` (a `performance.now()` reading), the unit SageMaker uses. */
export function microsSince(startMs: number): number {
  return (performance.now() - startMs) * 1000;
}
