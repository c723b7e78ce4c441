/**
 * Data and scoring shared by `bench/train.ts` and its pool worker: the seed's synthetic hourly
 * customers (the recipe of packages/core/src/ingest/generate.ts, one PRNG stream per customer
 * so a worker can rebuild any customer alone).
 */
import { forecastArtifact } from "../packages/core/src/forecasting/forecast-artifact.ts";
import { trainCustomer } from "../packages/core/src/forecasting/train-customer.ts";
import type { TrainJob } from "../packages/core/src/forecasting/train-job.ts";
import { mulberry32 } from "../packages/core/src/ingest/generate.ts";
import type { Frequency } from "../packages/core/src/series/frequency.ts";
import type { RegularSeries } from "../packages/core/src/series/series.ts";

const TWO_PI = 2 * Math.PI;
/** 2024-01-01, a Monday, 00:00 UTC. */
export const SYNTHETIC_START = Date.UTC(2024, 0, 1);

/**
 * Customer `c` of the synthetic dataset: `days` days of hourly consumption in [0, 1000], a
 * per-customer level, daily and weekly sinusoids with their own amplitude and phase, Gaussian
 * noise, one reading at a random second of each hour (as generateRows draws them).
 */
export function syntheticCustomer(c: number, days = 365, seed = 1): RegularSeries {
  const random = mulberry32((seed * 1_000_003 + c * 7_919) >>> 0);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(TWO_PI * random());
  const level = 150 + 450 * random();
  const dailyAmplitude = level * (0.2 + 0.4 * random());
  const dailyPhase = TWO_PI * random();
  const weeklyAmplitude = level * (0.05 + 0.15 * random());
  const weeklyPhase = TWO_PI * random();
  const noise = level * (0.02 + 0.08 * random());
  const values = new Float64Array(days * 24);
  for (let i = 0; i < values.length; i++) {
    const day = Math.floor(i / 24);
    const hourOfDay = (i % 24) + random();
    const weekday = day % 7; // the series starts on a Monday
    const daily = Math.sin((TWO_PI * hourOfDay) / 24 + dailyPhase);
    const weekly = Math.sin((TWO_PI * (weekday + hourOfDay / 24)) / 7 + weeklyPhase);
    const raw = level + dailyAmplitude * daily + weeklyAmplitude * weekly + noise * gaussian();
    values[i] = Math.round(Math.min(1000, Math.max(0, raw)) * 1000) / 1000;
  }
  return { start: SYNTHETIC_START, frequency: "H", values };
}

/** The first `length` steps of a series. */
export function head(series: RegularSeries, length: number): RegularSeries {
  return { ...series, values: series.values.subarray(0, length) };
}

export function job(customerId: string, frequency: Frequency, horizon: number, algorithm?: string): TrainJob {
  return {
    dataset: "bench",
    customerId,
    dataKey: "",
    modelKey: "",
    version: "bench",
    frequency,
    horizon,
    quantiles: [0.1, 0.5, 0.9],
    algorithm,
  };
}

/** Trains and forecasts one series, as the pipeline and the model server would. */
export function trainAndForecast(series: RegularSeries, horizon: number, algorithm?: string) {
  const artifact = trainCustomer(series, job("c", series.frequency, horizon, algorithm), new Date(0));
  const forecast = forecastArtifact(artifact, { horizon });
  return { artifact, forecast, bytes: JSON.stringify(artifact).length };
}

/** A pool task: train and forecast synthetic customers [from, to). */
export interface Task {
  kind: "synthetic";
  from: number;
  to: number;
  horizon: number;
}

export interface TaskResult {
  models: number;
  algorithms: Record<string, number>;
  bytes: number;
}

export function runTask(task: Task): TaskResult {
  const result: TaskResult = { models: 0, algorithms: {}, bytes: 0 };
  const record = (r: ReturnType<typeof trainAndForecast>) => {
    result.models++;
    result.algorithms[r.artifact.algorithm] = (result.algorithms[r.artifact.algorithm] ?? 0) + 1;
    result.bytes += r.bytes;
  };
  for (let c = task.from; c < task.to; c++) record(trainAndForecast(syntheticCustomer(c), task.horizon));
  return result;
}
