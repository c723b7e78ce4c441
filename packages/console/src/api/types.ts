import type { RunCounts } from "@myriad/core/registry/run-counts";
import type { RealisedAccuracy as VersionAccuracy } from "@myriad/core/forecasting/monitoring";
import type { FleetSummary, HistogramBin, Ranked as RankedCustomer } from "@myriad/core/registry/fleet";

/**
 * The API's response shapes, as far as the console reads them. The server's zod schemas
 * (packages/functions/src/api) are the source of truth; these mirror them without importing
 * the server code into the browser bundle. A run's counts are core's own type, imported as a
 * type only: it is erased at build time, so zod never reaches the bundle.
 */

/** Facts the pipeline merges into a run as it goes; every field is absent until its state ran. */
export type { RunCounts };

export type RunStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

export interface RunSummary {
  runId: string;
  dataset: string;
  status: RunStatus;
  startedAt: string;
  stoppedAt: string | null;
  /** Active time: the sum of the run's attempts, without the time it stood ended before a redrive. */
  durationMs: number | null;
  /** Time the run stood ended before its redrives (absent from older servers). */
  pausedMs?: number;
  input: { key: string; size: number };
  counts: RunCounts;
  error: string | null;
  cause: string | null;
  /** The Step Functions console for runs executed in AWS; null on the embedded stack. */
  consoleUrl: string | null;
}

/** One state of a run: its latest attempt, with the number of attempts (retries + 1). */
export interface StateSummary {
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
  attempts: number;
  error?: string;
  summary: Record<string, unknown>;
}

export interface RunDetail extends RunSummary {
  states: StateSummary[];
}

export interface RunPage {
  runs: RunSummary[];
  nextCursor: string | null;
}

export interface DatasetInfo {
  dataset: string;
  frequency: string | null;
  customers: number;
  updatedAt: string;
}

/** Backtest accuracy as the trainer reports it (null when it could not be computed). */
export interface ModelMetrics {
  mase?: number | null;
  averageWql?: number | null;
  wql?: Record<string, number | null>;
  wape?: number | null;
  rmse?: number | null;
  mape?: number | null;
  smape?: number | null;
  coverage?: number | null;
  backtestWindows?: number;
}

/** A customer's latest drift verdict: its realised wQL against what its backtest promised. */
export interface DriftFlag {
  flagged: boolean;
  reason: string;
  version: string;
  at: string;
}

export interface CustomerSummary {
  customerId: string;
  points: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  model: { algorithm: string; version: string; metrics: ModelMetrics | string | null } | null;
  /** Null until actuals scored one of its forecasts. */
  drift?: DriftFlag | null;
  /** Realised wQL of its most recently forecast scored version. */
  realisedWql?: number | null;
}

/** How `GET …/customers` orders: natural id order, or worst first by a metric. */
export type CustomerSort = "id" | "backtestWql" | "realisedWql";

export const CUSTOMER_SORTS: readonly CustomerSort[] = ["id", "backtestWql", "realisedWql"];

export interface CustomerPage {
  customers: CustomerSummary[];
  nextCursor: string | null;
}

/** A forecast step: `timestamp`, `mean` and one `p<q>` key per quantile (`p10`, `p97.5`…). */
export interface ForecastPoint {
  timestamp: string;
  [key: string]: string | number;
}

export interface Forecast {
  model: { algorithm: string; version: string };
  points: ForecastPoint[];
}

/** `GET …/versions/{version}/forecast`: what any version published, a past one reproduced from its artifact. */
export interface VersionForecast {
  model: { algorithm: string; version: string; active: boolean };
  points: ForecastPoint[];
}

/** A related field or the holiday flags a model used; importance only on an explained forecast. */
export interface ModelDriver {
  name: string;
  /** Mean absolute contribution over the horizon, in the series' units. */
  importance?: number;
}

/** A published point with its named contributions (`components` sum to `mean`). */
export interface ExplainedPoint {
  timestamp: string;
  mean: number;
  components?: Record<string, number>;
}

/** `GET …/forecast?explain=true`. */
export interface ExplainedForecast {
  model: { algorithm: string; version: string; drivers?: ModelDriver[] };
  points: ExplainedPoint[];
}

/** One related field's change in a what-if: set, then multiply, then add, between from and to. */
export interface WhatIfChange {
  set?: number;
  multiply?: number;
  add?: number;
  from?: string;
  to?: string;
}

/** `POST …/what-if`: the scenario's points beside the baseline's. */
export interface WhatIfForecast {
  model: { algorithm: string; version: string; drivers?: ModelDriver[] };
  points: ForecastPoint[];
  baseline: { points: ForecastPoint[] };
}

/**
 * A reading of `GET …/history`. `anomaly` and `score` appear only on a flagged point (an outage,
 * a spike, a meter reset): `score` is |value − expected| in robust standard deviations (above 5).
 */
export interface HistoryPoint {
  timestamp: string;
  value: number;
  anomaly?: true;
  score?: number;
}

export interface History {
  points: HistoryPoint[];
}

export interface ModelSelection {
  reason?: string;
  candidates?: { alias: string; score: number | null; error?: string; pruned?: string }[];
}

export interface ModelInfo {
  model: {
    algorithm: string;
    version: string;
    metrics: ModelMetrics | string | null;
    selection: ModelSelection | string | null;
    artifactKey: string;
    activatedAt: string | null;
  };
  versions: {
    version: string;
    algorithm: string;
    active: boolean;
    createdAt: string;
    metrics: ModelMetrics | string | null;
  }[];
}

export interface UploadTicket {
  key: string;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresAt: string;
}

/** `GET /v1/endpoint/metrics`: SageMaker metric names → a number or a statistics object. */
export type EndpointMetrics = Record<string, unknown>;

/** `GET /v1/endpoint/metrics/history`: readings of the last `windowSeconds`, oldest first. */
export interface EndpointMetricsHistory {
  windowSeconds: number;
  intervalSeconds: number;
  samples: { timestamp: string; metrics: EndpointMetrics }[];
}

// The fleet summary and realised accuracy are typed where the API builds them.
export type { FleetSummary, HistogramBin, RankedCustomer, VersionAccuracy };

/** `GET …/customers/{id}/accuracy`: newest version first. */
export interface CustomerAccuracy {
  dataset: string;
  customerId: string;
  versions: VersionAccuracy[];
  drift: DriftFlag | null;
}
