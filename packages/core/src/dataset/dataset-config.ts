import { z } from "zod";
import { FREQUENCIES } from "../series/frequency.ts";
import { badRequest } from "../errors/myriad-error.ts";
import { DriversConfigShape } from "../drivers/dataset-drivers-config.ts";

export const BACKENDS = ["local", "sagemaker", "forecast"] as const;
export type Backend = (typeof BACKENDS)[number];

export const DEFAULT_QUANTILES = [0.1, 0.5, 0.9];
export const RETRAIN_POLICIES = ["always", "drift", "never"] as const;
export type RetrainPolicy = (typeof RETRAIN_POLICIES)[number];
/** As a Distributed Map's ToleratedFailurePercentage: a few broken series do not fail a run. */
export const DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 10;

/** `raw/<dataset>/_dataset.json`: every field optional; see README "Dataset configuration". */
export const DatasetConfigSchema = z
  .object({
    frequency: z.enum(FREQUENCIES).optional(),
    horizon: z.number().int().min(1).max(10_000).optional(),
    aggregation: z.enum(["sum", "mean"]).default("sum"),
    quantiles: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .max(20)
      .default(DEFAULT_QUANTILES)
      .transform((qs) => [...new Set(qs)].sort((a, b) => a - b)),
    columns: z
      .object({
        customerId: z.string().min(1).default("customer_id"),
        timestamp: z.string().min(1).default("timestamp"),
        value: z.string().min(1).default("consumption"),
      })
      .default({ customerId: "customer_id", timestamp: "timestamp", value: "consumption" }),
    delimiter: z.enum([",", ";", "\t"]).optional(),
    /** Absent: the deployment's default backend (`local` on the embedded stack). */
    backend: z.enum(BACKENDS).optional(),
    algorithm: z.string().optional(),
    /** Train fails the run only when more than this share of customers fail to train. */
    toleratedFailurePercentage: z.number().min(0).max(100).default(DEFAULT_TOLERATED_FAILURE_PERCENTAGE),
    /** Public holidays (ISO 3166 codes) and custom dates: drivers/dataset-drivers-config.ts. */
    holidays: DriversConfigShape.holidays,
    /** Related time series settings (fields, aggregation, key columns). */
    related: DriversConfigShape.related,
    /**
     * Which customers an upload refits: `always` every one; `drift` only new ones and those
     * whose model drifted, the others re-forecast from the new data; `never` none.
     */
    retrain: z.enum(RETRAIN_POLICIES).default("always"),
    /** Anomalies in the history: `flag` them only, or `exclude` them from training too. */
    anomalies: z.enum(["flag", "exclude"]).default("flag"),
  })
  .strict();

export type DatasetConfig = z.infer<typeof DatasetConfigSchema>;

export function parseDatasetConfig(json: unknown): DatasetConfig {
  const result = DatasetConfigSchema.safeParse(json ?? {});
  if (!result.success) {
    throw badRequest("invalid_dataset_config", `_dataset.json: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Default horizon when `_dataset.json` gives none: one week of the dataset's frequency. */
export function defaultHorizon(frequency: string): number {
  const table: Record<string, number> = {
    "1min": 1440,
    "5min": 288,
    "10min": 144,
    "15min": 96 * 7,
    "30min": 48 * 7,
    H: 168,
    D: 28,
    W: 13,
    M: 12,
    Q: 4,
    Y: 3,
  };
  return table[frequency] ?? 28;
}
