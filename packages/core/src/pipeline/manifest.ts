import type { Backend, RetrainPolicy } from "../dataset/dataset-config.ts";
import type { HolidaySpec, RelatedConfig } from "../drivers/dataset-drivers-config.ts";
import type { Frequency } from "../series/frequency.ts";
import type { TrainShard } from "./train-shards.ts";

/** One customer's clean series, as Preprocess wrote it. */
export interface ManifestCustomer {
  id: string;
  dataKey: string;
  /** Readings in the merged series (after aggregation to the frequency). */
  points: number;
  /** Steps of the grid with no reading. */
  gaps: number;
  first: string;
  last: string;
}

/**
 * `manifests/<dataset>/<runId>.json`: what Preprocess produced, read by Train. It lives in the
 * store rather than in the execution's state because state payloads are limited to 256 KiB.
 */
export interface Manifest {
  runId: string;
  dataset: string;
  sourceKey: string;
  frequency: Frequency;
  frequencyInferred: boolean;
  horizon: number;
  quantiles: number[];
  aggregation: "sum" | "mean";
  /** The dataset's training backend; absent means the deployment's default. */
  backend?: Backend;
  algorithm?: string;
  /** From `_dataset.json`; absent in manifests written before it existed (then the default). */
  toleratedFailurePercentage?: number;
  /** `_dataset.json` `retrain` and `anomalies`; absent in older manifests (then `always`, `flag`). */
  retrain?: RetrainPolicy;
  anomalies?: "flag" | "exclude";
  /** `_dataset.json` drivers settings, for Train (absent: none). */
  holidays?: HolidaySpec;
  related?: RelatedConfig;
  /** Set for a run started by a related file: active models are forecast again, not refitted. */
  reforecast?: { cause: string };
  customers: ManifestCustomer[];
  rows: { in: number; out: number; quarantined: number };
  /** Quarantined rows per reason. */
  reasons: Record<string, number>;
  quarantineKey: string | null;
  timeRange: { start: string; end: string };
  /** Prefixes that split training across instances (SageMaker ShardedByS3Key). */
  shards: string[];
  createdAt: string;
}

/** What Preprocess returns into the execution state: small, the manifest holds the rest. */
export interface PreprocessResult {
  manifestKey: string;
  frequency: Frequency;
  horizon: number;
  quantiles: number[];
  backend?: Backend;
  customers: number;
  rows: Manifest["rows"];
  reasons: Record<string, number>;
  quarantineKey: string | null;
  /**
   * Steps of the customers' stored history this upload gave another value (the later reading
   * replaced the earlier one), and steps it sent again unchanged. Absent from re-forecast runs
   * and from results written before they were counted.
   */
  readingsReplaced?: number;
  readingsResent?: number;
  /**
   * The items of the TrainShards map, added by the Preprocess state (the preprocessor itself
   * does not shard). Not the manifest's `shards`, which are S3 prefixes for SageMaker.
   */
  shards?: TrainShard[];
}
