import type { TrainJob } from "@myriad/core/forecasting/train-job";
import { Keys } from "@myriad/core/dataset/keys";
import type { Frequency } from "@myriad/core/series/frequency";

export const VERSION = "20240115T000000Z-01234567";

/** `customers/<dataset>/<id>/data.csv`: a daily-cycle hourly series of `days` days. */
export function hourlyCsv(days: number, level = 10): string {
  const start = Date.UTC(2024, 0, 1);
  const lines = ["timestamp,value"];
  for (let i = 0; i < days * 24; i++) {
    const value = level + 5 * Math.sin((2 * Math.PI * (i % 24)) / 24) + (i % 7) * 0.1;
    lines.push(`${new Date(start + i * 3_600_000).toISOString()},${value.toFixed(3)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function jobsFor(
  dataset: string,
  ids: string[],
  frequency: Frequency = "H",
  horizon = 24,
): TrainJob[] {
  return ids.map((id) => ({
    dataset,
    customerId: id,
    dataKey: Keys.customerData(dataset, id),
    modelKey: Keys.model(dataset, id, VERSION),
    version: VERSION,
    frequency,
    horizon,
    quantiles: [0.1, 0.5, 0.9],
  }));
}
