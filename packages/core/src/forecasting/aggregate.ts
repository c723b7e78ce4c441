import { addSteps, stepsBetween } from "../series/frequency.ts";
import { type RegularSeries, seriesEnd } from "../series/series.ts";
import { errorAt } from "./conformal.ts";
import { trainCustomer } from "./train-customer.ts";

export interface AggregatePoint {
  timestamp: string;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
}

export interface GroupForecast {
  customers: number;
  points: AggregatePoint[];
  /** The model whose backtest errors gave the group's intervals. */
  algorithm: string;
}

/**
 * A group's totals, added to one customer at a time so that a group of 100,000 customers costs
 * one series, not 100,000: the summed history on a grid that grows to cover every member, and
 * the summed published means at the timestamps every member forecasts.
 */
export class GroupTotal {
  customers = 0;
  #start = 0;
  #values = new Float64Array(0);
  #frequency: RegularSeries["frequency"] | undefined;
  readonly #forecast = new Map<number, { sum: number; count: number }>();

  add(series: RegularSeries, forecast: Map<number, number>): void {
    this.customers++;
    for (const [t, mean] of forecast) {
      const f = this.#forecast.get(t);
      if (f) {
        f.sum += mean;
        f.count++;
      } else this.#forecast.set(t, { sum: mean, count: 1 });
    }
    if (series.values.length === 0) return;
    const frequency = (this.#frequency ??= series.frequency);
    if (this.#values.length === 0) this.#start = series.start;
    const start = Math.min(this.#start, series.start);
    const end = Math.max(
      this.#values.length > 0 ? addSteps(this.#start, this.#values.length - 1, frequency) : series.start,
      seriesEnd(series),
    );
    const length = stepsBetween(start, end, frequency) + 1;
    if (start !== this.#start || length !== this.#values.length) {
      const grown = new Float64Array(length).fill(Number.NaN);
      grown.set(this.#values, stepsBetween(start, this.#start, frequency));
      this.#values = grown;
      this.#start = start;
    }
    const offset = stepsBetween(start, series.start, frequency);
    for (let i = 0; i < series.values.length; i++) {
      const v = series.values[i];
      if (!Number.isFinite(v)) continue;
      const j = offset + i;
      this.#values[j] = Number.isNaN(this.#values[j]) ? v : this.#values[j] + v;
    }
  }

  /** The summed history: a step where no member has a reading stays a gap. */
  history(): RegularSeries | undefined {
    return this.#frequency && { start: this.#start, frequency: this.#frequency, values: this.#values };
  }

  /** Summed means at the timestamps every member forecasts, in time order. */
  forecast(): [number, number][] {
    return [...this.#forecast]
      .filter(([, f]) => f.count === this.customers)
      .map(([t, f]): [number, number] => [t, f.sum])
      .sort((a, b) => a[0] - b[0]);
  }
}

/**
 * The forecast of a group's total. Its mean is the sum of the members' published means, so it
 * agrees with the customer forecasts. Its P10–P90 come from the total's own backtest errors:
 * the AutoPredictor is trained on the group's summed history, and its calibrated error
 * quantiles are laid around that mean. Summing the members' quantiles would treat their errors
 * as moving together. Adding their variances would treat them as independent. Customers of
 * one region share the weather and the calendar, so neither holds; the total's own errors
 * carry whatever correlation there is.
 *
 * Undefined when the group has no history or no timestamp that every member forecasts.
 */
export function aggregateForecast(total: GroupTotal, horizon: number): GroupForecast | undefined {
  const history = total.history();
  const forecast = total.forecast();
  if (!history || forecast.length === 0) return undefined;
  const artifact = trainCustomer(
    history,
    {
      dataset: "aggregate",
      customerId: "total",
      dataKey: "",
      modelKey: "",
      version: "aggregate",
      frequency: history.frequency,
      horizon,
      quantiles: [0.1, 0.5, 0.9],
    },
    new Date(0),
  );
  const first = addSteps(seriesEnd(history), 1, history.frequency);
  const floor = artifact.params.nonNegative ? 0 : Number.NEGATIVE_INFINITY;
  const points = forecast.map(([t, mean]) => {
    // The step of the total's horizon this timestamp is (1 for the first after its history).
    const step = Math.max(1, stepsBetween(first, t, history.frequency) + 1);
    const at = (q: number) => Math.max(floor, mean + errorAt(artifact.errors, step, q));
    return { timestamp: new Date(t).toISOString(), mean, p10: at(0.1), p50: at(0.5), p90: at(0.9) };
  });
  return { customers: total.customers, points, algorithm: artifact.algorithm };
}
