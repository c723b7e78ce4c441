import type { ColumnType, Generated, Selectable } from "kysely";
import type { ForecastPoint } from "../ports/inference-endpoint.ts";

/** Timestamps are `timestamptz`; drivers return Date and accept Date or ISO strings. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in by default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: written as a JSON string, read back parsed. */
type Json<T> = ColumnType<T, string, string>;
/** jsonb with a database default. */
type DefaultJson<T> = ColumnType<T, string | undefined, string>;

export interface DatasetsTable {
  name: string;
  config: Json<Record<string, unknown>>;
  frequency: string | null;
  /** Bumped by every Publish transaction of the dataset. */
  generation: ColumnType<number, number | undefined, number>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface CustomersTable {
  dataset: string;
  customer_id: string;
  first_ts: Timestamp | null;
  last_ts: Timestamp | null;
  points: number;
  updated_at: DefaultTimestamp;
  /** The latest drift verdict of its model (forecast monitoring); null until one was scored. */
  drift: ColumnType<DriftState | null, string | null | undefined, string | null>;
  /** Anomalous history points at its last training (series/anomalies.ts); null before. */
  anomalies: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DriftState {
  flagged: boolean;
  reason: string;
  version: string;
  at: string;
}

export interface ForecastAccuracyTable {
  dataset: string;
  customer_id: string;
  version: string;
  run_id: string;
  from_ts: Timestamp;
  to_ts: Timestamp;
  points: number;
  wape: number | null;
  mase: number | null;
  wql: number | null;
  coverage: number | null;
  backtest_wql: number | null;
  scored_at: DefaultTimestamp;
}

export const RUN_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunsTable {
  run_id: string;
  dataset: string;
  status: RunStatus;
  input_key: string;
  input_size: number;
  input_etag: string;
  started_at: DefaultTimestamp;
  stopped_at: Timestamp | null;
  error: string | null;
  cause: string | null;
  counts: DefaultJson<Record<string, unknown>>;
  /** Step Functions execution ARN in AWS; null on the embedded stack. */
  execution_arn: string | null;
  /** How many times the run was redriven. */
  redrive_count: ColumnType<number, number | undefined, number>;
  /** Time between the run's ends and its redrives (ms): not part of its duration. */
  paused_ms: ColumnType<number, number | undefined, number>;
}

export interface RunEventsTable {
  id: Generated<number>;
  run_id: string;
  state: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  attempt: Generated<number>;
  started_at: Timestamp;
  stopped_at: Timestamp | null;
  duration_ms: number | null;
  error: string | null;
  summary: DefaultJson<Record<string, unknown>>;
}

export interface ModelsTable {
  dataset: string;
  customer_id: string;
  version: string;
  run_id: string;
  algorithm: string;
  metrics: Json<Record<string, unknown>>;
  selection: Json<Record<string, unknown>>;
  artifact_key: string;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  activated_at: Timestamp | null;
}

export interface ForecastsTable {
  dataset: string;
  customer_id: string;
  version: string;
  /** The whole forecast, as the API serves it: points with `timestamp`, `mean` and quantiles. */
  points: Json<ForecastPoint[]>;
}

export interface ApiKeysTable {
  id: string;
  /** SHA-256 of the secret, hex: the key itself is never stored. */
  hash: string;
  scope: string;
  name: string | null;
  created_at: DefaultTimestamp;
  revoked_at: Timestamp | null;
}

export interface Database {
  datasets: DatasetsTable;
  customers: CustomersTable;
  runs: RunsTable;
  run_events: RunEventsTable;
  models: ModelsTable;
  forecasts: ForecastsTable;
  api_keys: ApiKeysTable;
  forecast_accuracy: ForecastAccuracyTable;
}

export type Run = Selectable<RunsTable>;
export type RunEvent = Selectable<RunEventsTable>;
export type ModelRow = Selectable<ModelsTable>;
export type ForecastRow = Selectable<ForecastsTable>;
export type ForecastAccuracyRow = Selectable<ForecastAccuracyTable>;
