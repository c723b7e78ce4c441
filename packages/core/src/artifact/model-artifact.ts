import type { Frequency } from "../series/frequency.ts";
import type { ModelMetrics } from "../models/model.ts";
import type { ErrorQuantiles } from "../forecasting/conformal.ts";
import type { CustomerDrivers } from "../drivers/customer-drivers.ts";

/**
 * Bump when a reader could misread an older `model.json`; readers reject unknown formats.
 * 2: `errors` became a location-scale error model (grid, z, growth, profile, steps) instead of
 * one row of error quantiles per horizon step.
 * 3: `errors` may carry the model's own error distribution (`prior`), which a format-2 reader
 * would ignore and so publish intervals too narrow; new algorithms (AutoETS, AutoARIMA…).
 */
export const MODEL_FORMAT = "myriad.model/3";

/** Formats this code reads: every artifact a format-2 reader wrote still forecasts the same. */
export const READABLE_MODEL_FORMATS: readonly string[] = ["myriad.model/2", MODEL_FORMAT];

/**
 * `model.json`: everything needed to forecast without refitting, plus where it came from and
 * how good it is. One per customer and version, in its own `.tar.gz`.
 */
export interface ModelArtifact {
  format: string;
  dataset: string;
  customerId: string;
  version: string;
  algorithm: string;
  /** Hyper-parameters the algorithm was configured with. */
  params: Record<string, unknown>;
  /** The fitted state the algorithm's `predict` takes. */
  state: unknown;
  frequency: Frequency;
  /** ISO timestamps of the first and last training step. */
  trainStart: string;
  trainEnd: string;
  trainedPoints: number;
  horizon: number;
  quantiles: number[];
  /** Forecast errors per horizon step, for intervals at any quantile. */
  errors: ErrorQuantiles;
  /**
   * The customer's drivers over the horizon (steps 1..h after `trainEnd`) when it had any: what
   * a model fitted with drivers forecasts from, and what a what-if changes.
   */
  drivers?: {
    fields: Record<string, number[]>;
    holiday?: number[];
    /** Where each related field came from and how much of the grid it covered. */
    coverage?: CustomerDrivers["coverage"];
  };
  metrics: ModelMetrics;
  selection: Selection;
  /** Set when the customer was forecast from its cohort (history too short for its own model). */
  coldStart?: { cohort: string; peers: number };
  /**
   * Set when the dataset trains with `anomalies: "exclude"`: how many history points were
   * flagged (series/anomalies.ts) and how many replaced by their expected value before fitting.
   * Optional and informational, so no format bump: the state was fitted on the cleaned series
   * and forecasts the same whether or not a reader knows the field, and readers (unpackArtifact,
   * the model server's loader) parse `model.json` without a schema, checking only `format`.
   */
  anomalies?: { flagged: number; excluded: number };
  createdAt: string;
}

/** Why `algorithm` was chosen: the AutoPredictor's backtest of every candidate. */
export interface Selection {
  reason: string;
  /**
   * Every candidate backtested (and the ensemble of the best, when tried), with its average wQL;
   * a candidate pruned after the latest window has no score and says why.
   */
  candidates: {
    alias: string;
    score: number | null;
    error?: string;
    pruned?: string;
    metrics?: ModelMetrics;
  }[];
  /** Members when `algorithm` is "Ensemble". */
  members?: string[];
  /** True when every candidate failed and SeasonalNaive stood in. */
  fallback?: boolean;
  /** The rolling-origin backtest: how many windows of how many steps. */
  backtest?: { windows: number; horizon: number };
}
