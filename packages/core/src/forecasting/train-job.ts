import type { Frequency } from "../series/frequency.ts";
import type { CohortProfile, ModelMetrics } from "../models/model.ts";
import type { Backend } from "../dataset/dataset-config.ts";
import type { HolidaySpec, RelatedConfig } from "../drivers/dataset-drivers-config.ts";
import type { DriftVerdict, RealisedAccuracy } from "./monitoring.ts";

/** One customer to train, as the Train state hands it to a backend. */
export interface TrainJob {
  dataset: string;
  customerId: string;
  /** Key of the customer's clean series (`customers/<dataset>/<id>/data.csv`). */
  dataKey: string;
  /** Key to write the artifact to (`models/<dataset>/<id>/<version>.tar.gz`). */
  modelKey: string;
  version: string;
  frequency: Frequency;
  horizon: number;
  quantiles: number[];
  /** Pin one algorithm instead of letting the AutoPredictor choose. */
  algorithm?: string;
  /** The dataset's backend; absent means the deployment's default. */
  backend?: Backend;
  /** `_dataset.json` drivers settings: holiday calendars and which related fields to use. */
  holidays?: HolidaySpec;
  related?: RelatedConfig;
  /** Customers like this one, when its history is too short for its own model (cold start). */
  cohort?: CohortProfile;
  /** `_dataset.json` `retrain` when not `always`: who keeps its algorithm (see refresh.ts). */
  retrain?: "drift" | "never";
  /** `_dataset.json` `anomalies: "exclude"`: flagged history points do not train the model. */
  anomalies?: "exclude";
  /** The active version before this run, whose published forecast the new actuals score. */
  previous?: { version: string; modelKey: string };
  /**
   * Return the new model's forecast (`horizon`, `quantiles`) with the result, for Publish.
   * Only where results stay small enough to carry it (see trainShardStep).
   */
  forecast?: true;
}

/** The previous version's forecast against the actuals that arrived since, and the verdict. */
export interface Monitoring {
  realised: RealisedAccuracy;
  drift: DriftVerdict;
}

export type TrainResult =
  | {
      ok: true;
      customerId: string;
      version: string;
      modelKey: string;
      algorithm: string;
      metrics: ModelMetrics;
      /** Why this algorithm was chosen, for the registry. */
      reason: string;
      /** A cold start's cohort (`region=north`), for the registry and the forecast API. */
      cohort?: string;
      trainedPoints: number;
      durationMs: number;
      monitoring?: Monitoring;
      /** True when the algorithm was kept and refitted without reselection (`retrain`). */
      refreshed?: boolean;
      /** History points flagged as anomalies (series/anomalies.ts), for the fleet view. */
      anomalies?: number;
      /**
       * With `job.forecast`: the points' JSON text, exactly what forecastArtifact gives on the
       * stored artifact. Taken out into the shard's forecasts object before results are stored.
       */
      forecast?: string;
    }
  | { ok: false; customerId: string; error: string; monitoring?: Monitoring };
