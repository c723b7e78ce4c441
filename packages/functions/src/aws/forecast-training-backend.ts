import {
  CreateAutoPredictorCommand,
  CreateDatasetCommand,
  type CreateDatasetCommandInput,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  type CreateDatasetImportJobCommandInput,
  CreateForecastCommand,
  CreateForecastExportJobCommand,
  DescribeAutoPredictorCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeForecastCommand,
  DescribeForecastExportJobCommand,
  GetAccuracyMetricsCommand,
} from "@aws-sdk/client-forecast";
import { loadDatasetDrivers } from "@myriad/core/drivers/customer-drivers";
import { saveArtifact } from "@myriad/core/forecasting/run-train-job";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { ModelMetrics } from "@myriad/core/models/model";
import { type ObjectStore, readStoredJson } from "@myriad/core/ports/object-store";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { stepsBetween } from "@myriad/core/series/frequency";
import { createHash } from "node:crypto";
import {
  type CustomerGrid,
  type DriverPlan,
  forecastTimestamp,
  metadataRow,
  metadataSchema,
  planMetadata,
  planRelated,
  relatedAttributeConfigs,
  relatedRows,
  relatedSchema,
} from "./forecast-drivers.ts";
import {
  accuracyToMetrics,
  type ExportRow,
  exportToArtifact,
  forecastType,
  parseExportCsv,
} from "./forecast-export.ts";
import {
  createOrFind,
  deleteRunResources,
  type ForecastAccount,
  type ForecastSlice,
  forecastAccount,
  forecastArn,
  type RunResources,
} from "./forecast-resources.ts";
import pMap from "p-map";
import { sleep } from "./sleep.ts";
import { TrainingStillRunning, trainingPrefix } from "./training-common.ts";

export type { ForecastSlice } from "./forecast-resources.ts";

export interface ForecastTrainingOptions {
  bucket: string;
  /** Role Amazon Forecast assumes to read the import file and write the export. */
  roleArn: string;
  /** How long `train` waits in this process before handing back with TrainingPending. */
  waitMs?: number;
  pollMs?: number;
}

/** ARNs of what this run created so far: `training/<dataset>/<version>/forecast/state.json`. */
export interface ForecastProgress {
  /** The TARGET_TIME_SERIES dataset and its import. */
  datasetArn?: string;
  datasetGroupArn?: string;
  importJobArn?: string;
  /** The ITEM_METADATA dataset and its import, when `drivers.metadata` is set. */
  metadataDatasetArn?: string;
  metadataImportJobArn?: string;
  /** The RELATED_TIME_SERIES dataset and its import, when `drivers.related` is set. */
  relatedDatasetArn?: string;
  relatedImportJobArn?: string;
  predictorArn?: string;
  forecastArn?: string;
  exportJobArn?: string;
  /** Per customer: first and last timestamp and points imported, for the artifacts and drivers. */
  imported?: Record<string, { first: string; last?: string; points: number }>;
  /**
   * What the run sends besides the target (see forecast-drivers.ts), decided once with its files
   * written, before the first dataset is created: a retried Train sends the same even when the
   * drivers changed meanwhile. `{}` for a run whose dataset group was created before drivers
   * were sent: that run carries on with its target alone.
   */
  drivers?: DriverPlan;
  /**
   * The predictor's accuracy, read before its resources are deleted; set with `collected` once
   * every customer's artifact was saved from the export (which stays in the bucket), so a retried
   * Train returns the same results without Forecast.
   */
  metrics?: ModelMetrics;
  collected?: boolean;
}

/**
 * `training/<dataset>/forecast-runs/<version>`: one object per run whose Forecast resources may
 * still exist, written before its first create and removed once they are all deleted. Every
 * Train of the dataset deletes those of earlier runs (runs of a dataset are ordered, so none of
 * them is still running), and its own once its forecasts are read.
 */
export const forecastRunsPrefix = (dataset: string) => `training/${dataset}/forecast-runs/`;

/** Forecast frequencies: Myriad's, less `Q`, which Amazon Forecast does not have. */
const FORECAST_FREQUENCIES = new Set(["1min", "5min", "10min", "15min", "30min", "H", "D", "W", "M", "Y"]);
const FAILED = new Set([
  "CREATE_FAILED",
  "CREATE_STOPPED",
  "DELETE_PENDING",
  "DELETE_IN_PROGRESS",
  "DELETE_FAILED",
]);

/** `training/<dataset>/<version>/forecast/state.json`: the run's progress. */
const forecastStateKey = (dataset: string, version: string) =>
  `${trainingPrefix(dataset, version)}forecast/state.json`;

/** `myriad_<dataset>_<hash>_<suffix>`: Forecast names are `[A-Za-z][A-Za-z0-9_]*`, ≤ 63. */
export function forecastName(dataset: string, version: string, suffix: string): string {
  const hash = createHash("sha256").update(`${dataset}\n${version}`).digest("hex").slice(0, 10);
  const slug = dataset.replace(/[^A-Za-z0-9]+/g, "_").slice(0, 30);
  return `myriad_${slug}_${hash}_${suffix}`;
}

/** Frequencies Forecast's holiday featurization accepts: from 5 minutes to a month. */
const HOLIDAY_FREQUENCIES = new Set(["5min", "10min", "15min", "30min", "H", "D", "W", "M"]);

/**
 * `_dataset.json` `holidays` as Amazon Forecast's Holidays featurization: the national calendar
 * of the first country named (`DE-BY` → `DE`). Forecast takes one national calendar; the
 * subdivisions, further countries and custom dates are Myriad's own and are not sent.
 */
export function holidayFeaturization(
  holidays: TrainJob["holidays"],
  frequency: string,
): { AdditionalDatasets?: { Name: string; Configuration: Record<string, string[]> }[] } {
  const country = holidays?.countries[0]?.split("-")[0];
  if (!country || !HOLIDAY_FREQUENCIES.has(frequency)) return {};
  return {
    AdditionalDatasets: [{ Name: "holiday", Configuration: { CountryCode: [country.toUpperCase()] } }],
  };
}

/**
 * The `forecast` backend: Amazon Forecast's AutoPredictor for one dataset version.
 *
 * **Amazon Forecast is closed to new AWS customers** (existing customers keep it); SageMaker
 * is Myriad's default AWS backend and this one exists for accounts that already use Forecast.
 *
 * First the import files are written under `training/<dataset>/<version>/forecast/`: every
 * customer's `data.csv` concatenated into one headerless `import.csv`, and from the dataset's
 * drivers (`drivers/<dataset>/`) `metadata.csv` and `related.csv` when there is something to
 * send (see forecast-drivers.ts for that mapping: which attributes and fields, their names,
 * customers left out of the related series, missing values).
 *
 * Then these steps, each created once: CreateDataset (TARGET_TIME_SERIES: item_id, timestamp,
 * target_value; with drivers also ITEM_METADATA: item_id + one string attribute per metadata
 * attribute, and RELATED_TIME_SERIES: item_id, timestamp + one float attribute per related
 * field) → CreateDatasetGroup (with every dataset's ARN) → CreateDatasetImportJob, one per
 * dataset, polled until every import is ACTIVE → CreateAutoPredictor (ForecastHorizon = the
 * dataset's horizon, ForecastTypes = its quantiles, plus `mean` when there is room: Forecast
 * takes at most five; the dataset's holidays as Forecast's Holidays featurization; the related
 * fields' filling as AttributeConfigs) → CreateForecast → CreateForecastExportJob, each polled
 * until ACTIVE. Without drivers the calls are the same as with the target alone.
 * Progress (the ARNs) is saved in the bucket after every create, so a retried Train resumes
 * instead of recreating; a Train that died between a create and its save finds the resource by
 * name (Forecast names are unique per account and region: ResourceAlreadyExistsException, then
 * Describe of the ARN built from the name). Training takes hours: a call that runs past `waitMs`
 * throws TrainingPending and the next call carries on. Then GetAccuracyMetrics and the export
 * become one artifact per customer (see forecast-export.ts for the mapping); a customer without
 * an exported forecast fails, with the reason when it was left out of the related series.
 *
 * Nothing outlives its run in Forecast, where every dataset, predictor and forecast counts
 * against the account's quotas and a forecast is billed until deleted: once the artifacts are
 * saved, the run deletes its dataset group's tree (predictor, forecast, export job), then its
 * datasets' trees (import jobs), pass after pass while time remains; the next Train of the
 * dataset finishes what is left (see forecast-resources.ts). The exported files stay in the bucket.
 */
export class ForecastTrainingBackend implements TrainingBackend {
  readonly #forecast: ForecastSlice;
  readonly #store: ObjectStore;
  readonly #o: ForecastTrainingOptions;

  constructor(forecast: ForecastSlice, store: ObjectStore, options: ForecastTrainingOptions) {
    this.#forecast = forecast;
    this.#store = store;
    this.#o = options;
  }

  async train(jobs: TrainJob[], onProgress?: (done: number, total: number) => void): Promise<TrainResult[]> {
    if (jobs.length === 0) return [];
    const { dataset, version, frequency, quantiles } = jobs[0];
    if (jobs.some((j) => j.dataset !== dataset || j.version !== version)) {
      throw new Error(
        "an Amazon Forecast predictor trains one dataset version: jobs mix datasets or versions",
      );
    }
    if (!FORECAST_FREQUENCIES.has(frequency))
      throw new Error(`Amazon Forecast has no frequency ${frequency}`);
    if (quantiles.length > 5 || quantiles.some((q) => Math.abs(q * 100 - Math.round(q * 100)) > 1e-9)) {
      throw new Error("Amazon Forecast takes at most 5 quantiles, in steps of 0.01");
    }
    const deadline = Date.now() + (this.#o.waitMs ?? 10 * 60_000);
    const account = await forecastAccount(this.#forecast, this.#o.roleArn);
    await this.#deleteRuns(dataset, account, 0, version);
    const stateKey = forecastStateKey(dataset, version);
    const progress = await this.#load(stateKey);
    const save = () => this.#store.put(stateKey, JSON.stringify(progress), "application/json");
    if (!progress.collected) {
      await this.#store.put(`${forecastRunsPrefix(dataset)}${version}`, version, "text/plain");
      for (;;) {
        const pending = await this.#advance(jobs, progress, save, account);
        if (pending === undefined) break;
        if (Date.now() >= deadline) throw new TrainingStillRunning(pending, "in progress");
        await sleep(this.#o.pollMs ?? 60_000);
      }
      progress.metrics ??= accuracyToMetrics(
        await this.#forecast.send(new GetAccuracyMetricsCommand({ PredictorArn: progress.predictorArn })),
      );
      await save();
    }
    const results = await this.#collect(jobs, progress);
    if (!progress.collected) {
      progress.collected = true;
      await save();
    }
    await this.#deleteRuns(dataset, account, deadline);
    onProgress?.(jobs.length, jobs.length);
    return results;
  }

  /** The run's two roots, by name: what an invocation created before it could save an ARN is found too. */
  #resources(dataset: string, version: string, account: ForecastAccount): RunResources {
    const name = (suffix: string) => forecastName(dataset, version, suffix);
    return {
      datasetGroup: forecastArn.datasetGroup(account, name("dsg")),
      datasets: ["ds", "md", "rts"].map((suffix) => forecastArn.dataset(account, name(suffix))),
    };
  }

  /**
   * Deletes the resources of the dataset's runs once this one's forecasts are read, pass after
   * pass until they are gone or the call's time is up (at least one pass); what is left, the
   * next Train of the dataset deletes. Before its own creates, a Train makes one pass over the
   * earlier runs only (`except` its own).
   */
  async #deleteRuns(dataset: string, account: ForecastAccount, deadline: number, except?: string) {
    for (;;) {
      let left = 0;
      for await (const o of this.#store.list(forecastRunsPrefix(dataset))) {
        const version = o.key.slice(forecastRunsPrefix(dataset).length);
        if (version !== except && !(await this.#deleteRunPass(dataset, version, account))) left++;
      }
      if (left === 0 || Date.now() >= deadline) return;
      await sleep(this.#o.pollMs ?? 60_000);
    }
  }

  /**
   * True once none of the run's resources is left; its marker goes then, and so does the state of
   * a run that never finished (a redrive of it starts again, under the same, free names).
   */
  async #deleteRunPass(dataset: string, version: string, account: ForecastAccount): Promise<boolean> {
    if (!(await deleteRunResources(this.#forecast, this.#resources(dataset, version, account)))) return false;
    const stateKey = forecastStateKey(dataset, version);
    if (!(await this.#load(stateKey)).collected) await this.#store.delete(stateKey);
    await this.#store.delete(`${forecastRunsPrefix(dataset)}${version}`);
    return true;
  }

  /**
   * Creates or polls the next resource; undefined when the export is ACTIVE, else what is pending.
   * Each Create that finds its name taken resumes the resource of that name (see createOrFind).
   */
  async #advance(
    jobs: TrainJob[],
    p: ForecastProgress,
    save: () => Promise<unknown>,
    account: ForecastAccount,
  ): Promise<string | undefined> {
    const { dataset, version, frequency, horizon, quantiles } = jobs[0];
    const name = (suffix: string) => forecastName(dataset, version, suffix);
    const prefix = `${trainingPrefix(dataset, version)}forecast/`;
    const base = `s3://${this.#o.bucket}/${prefix}`;
    const role = this.#o.roleArn;
    const types = [...quantiles.map(forecastType), ...(quantiles.length < 5 ? ["mean"] : [])];
    const importFrom = (file: string) => ({ S3Config: { Path: `${base}${file}`, RoleArn: role } });
    const forecast = this.#forecast;
    const describeDataset = (DatasetArn: string) => forecast.send(new DescribeDatasetCommand({ DatasetArn }));
    const describeImport = (DatasetImportJobArn: string) =>
      forecast.send(new DescribeDatasetImportJobCommand({ DatasetImportJobArn }));
    const createDataset = (suffix: string, input: Omit<CreateDatasetCommandInput, "DatasetName">) =>
      createOrFind(
        async () =>
          (await forecast.send(new CreateDatasetCommand({ DatasetName: name(suffix), ...input }))).DatasetArn,
        forecastArn.dataset(account, name(suffix)),
        describeDataset,
      );
    const createImport = (
      suffix: string,
      datasetSuffix: string,
      input: Omit<CreateDatasetImportJobCommandInput, "DatasetImportJobName">,
    ) =>
      createOrFind(
        async () =>
          (
            await forecast.send(
              new CreateDatasetImportJobCommand({ DatasetImportJobName: name(suffix), ...input }),
            )
          ).DatasetImportJobArn,
        forecastArn.datasetImportJob(account, name(datasetSuffix), name(suffix)),
        describeImport,
      );

    if (!p.drivers) {
      if (p.datasetGroupArn) {
        // A run whose dataset group was created before drivers were sent: the target alone.
        p.imported ??= await this.#writeImport(jobs, `${prefix}import.csv`);
        p.drivers = {};
      } else {
        p.imported = await this.#writeImport(jobs, `${prefix}import.csv`);
        p.drivers = await this.#writeDrivers(jobs, p.imported, prefix);
      }
      await save();
    }
    const { metadata, related } = p.drivers;

    if (!p.datasetArn) {
      p.datasetArn = await createDataset("ds", {
        Domain: "CUSTOM",
        DatasetType: "TARGET_TIME_SERIES",
        DataFrequency: frequency,
        Schema: {
          Attributes: [
            { AttributeName: "item_id", AttributeType: "string" },
            { AttributeName: "timestamp", AttributeType: "timestamp" },
            { AttributeName: "target_value", AttributeType: "float" },
          ],
        },
      });
      await save();
    }
    if (metadata && !p.metadataDatasetArn) {
      p.metadataDatasetArn = await createDataset("md", {
        Domain: "CUSTOM",
        DatasetType: "ITEM_METADATA",
        Schema: metadataSchema(metadata),
      });
      await save();
    }
    if (related && !p.relatedDatasetArn) {
      p.relatedDatasetArn = await createDataset("rts", {
        Domain: "CUSTOM",
        DatasetType: "RELATED_TIME_SERIES",
        DataFrequency: frequency,
        Schema: relatedSchema(related),
      });
      await save();
    }
    if (!p.datasetGroupArn) {
      const DatasetArns = [
        p.datasetArn,
        ...(metadata ? [p.metadataDatasetArn!] : []),
        ...(related ? [p.relatedDatasetArn!] : []),
      ];
      p.datasetGroupArn = await createOrFind(
        async () =>
          (
            await forecast.send(
              new CreateDatasetGroupCommand({ DatasetGroupName: name("dsg"), Domain: "CUSTOM", DatasetArns }),
            )
          ).DatasetGroupArn,
        forecastArn.datasetGroup(account, name("dsg")),
        (DatasetGroupArn) => forecast.send(new DescribeDatasetGroupCommand({ DatasetGroupArn })),
      );
      await save();
    }
    if (!p.importJobArn) {
      p.importJobArn = await createImport("imp", "ds", {
        DatasetArn: p.datasetArn,
        DataSource: importFrom("import.csv"),
        TimestampFormat: "yyyy-MM-dd HH:mm:ss",
        Format: "CSV",
      });
      await save();
    }
    if (metadata && !p.metadataImportJobArn) {
      p.metadataImportJobArn = await createImport("mdimp", "md", {
        DatasetArn: p.metadataDatasetArn,
        DataSource: importFrom("metadata.csv"),
        Format: "CSV",
      });
      await save();
    }
    if (related && !p.relatedImportJobArn) {
      p.relatedImportJobArn = await createImport("rtsimp", "rts", {
        DatasetArn: p.relatedDatasetArn,
        DataSource: importFrom("related.csv"),
        TimestampFormat: "yyyy-MM-dd HH:mm:ss",
        Format: "CSV",
      });
      await save();
    }
    // The predictor trains on what the group's datasets hold: every import must be ACTIVE.
    const imports = [
      { what: "dataset import", arn: p.importJobArn },
      ...(metadata ? [{ what: "item metadata import", arn: p.metadataImportJobArn! }] : []),
      ...(related ? [{ what: "related time series import", arn: p.relatedImportJobArn! }] : []),
    ];
    for (const { what, arn } of imports) {
      const job = await describeImport(arn);
      if (!this.#active(what, job.Status, job.Message)) return arn;
    }

    const describePredictor = (PredictorArn: string) =>
      forecast.send(new DescribeAutoPredictorCommand({ PredictorArn }));
    if (!p.predictorArn) {
      p.predictorArn = await createOrFind(
        async () =>
          (
            await forecast.send(
              new CreateAutoPredictorCommand({
                PredictorName: name("pred"),
                ForecastHorizon: horizon,
                ForecastTypes: types,
                ForecastFrequency: frequency,
                DataConfig: {
                  DatasetGroupArn: p.datasetGroupArn,
                  ...holidayFeaturization(jobs[0].holidays, frequency),
                  ...(related ? { AttributeConfigs: relatedAttributeConfigs(related) } : {}),
                },
                OptimizationMetric: "AverageWeightedQuantileLoss",
              }),
            )
          ).PredictorArn,
        forecastArn.predictor(account, name("pred")),
        describePredictor,
      );
      await save();
    }
    const predictor = await describePredictor(p.predictorArn);
    if (!this.#active("predictor", predictor.Status, predictor.Message)) return p.predictorArn;

    const describeForecast = (ForecastArn: string) =>
      forecast.send(new DescribeForecastCommand({ ForecastArn }));
    if (!p.forecastArn) {
      p.forecastArn = await createOrFind(
        async () =>
          (
            await forecast.send(
              new CreateForecastCommand({
                ForecastName: name("fc"),
                PredictorArn: p.predictorArn,
                ForecastTypes: types,
              }),
            )
          ).ForecastArn,
        forecastArn.forecast(account, name("fc")),
        describeForecast,
      );
      await save();
    }
    const created = await describeForecast(p.forecastArn);
    if (!this.#active("forecast", created.Status, created.Message)) return p.forecastArn;

    const describeExport = (ForecastExportJobArn: string) =>
      forecast.send(new DescribeForecastExportJobCommand({ ForecastExportJobArn }));
    if (!p.exportJobArn) {
      p.exportJobArn = await createOrFind(
        async () =>
          (
            await forecast.send(
              new CreateForecastExportJobCommand({
                ForecastExportJobName: name("exp"),
                ForecastArn: p.forecastArn,
                Destination: { S3Config: { Path: `${base}export/`, RoleArn: role } },
                Format: "CSV",
              }),
            )
          ).ForecastExportJobArn,
        forecastArn.forecastExportJob(account, name("fc"), name("exp")),
        describeExport,
      );
      await save();
    }
    const exportJob = await describeExport(p.exportJobArn);
    if (!this.#active("forecast export", exportJob.Status, exportJob.Message)) return p.exportJobArn;
    return undefined;
  }

  #active(what: string, status: string | undefined, message: string | undefined): boolean {
    if (status === "ACTIVE") return true;
    if (status && FAILED.has(status))
      throw new Error(`Amazon Forecast ${what} ${status}: ${message ?? "no message"}`);
    return false;
  }

  async #load(key: string): Promise<ForecastProgress> {
    return (await readStoredJson<ForecastProgress>(this.#store, key)) ?? {};
  }

  /** One headerless CSV, `item_id,timestamp,target_value`, streamed from every customer's series. */
  async #writeImport(jobs: TrainJob[], key: string): Promise<NonNullable<ForecastProgress["imported"]>> {
    const imported: NonNullable<ForecastProgress["imported"]> = {};
    const store = this.#store;
    const encoder = new TextEncoder();
    async function* rows() {
      for (const job of jobs) {
        const bytes = await store.get(job.dataKey);
        if (!bytes) continue;
        const lines = new TextDecoder().decode(bytes).split("\n").slice(1);
        let out = "";
        let points = 0;
        let first: number | undefined;
        let last = 0;
        for (const line of lines) {
          const comma = line.indexOf(",");
          if (comma < 0) continue;
          const t = Date.parse(line.slice(0, comma));
          first ??= t;
          last = t;
          out += `${job.customerId},${forecastTimestamp(t)},${line.slice(comma + 1)}\n`;
          points++;
        }
        if (first !== undefined) {
          const iso = (t: number) => new Date(t).toISOString();
          imported[job.customerId] = { first: iso(first), last: iso(last), points };
        }
        yield encoder.encode(out);
      }
    }
    await store.putStream(key, rows(), "text/csv");
    return imported;
  }

  /**
   * The dataset's item metadata and related series as `metadata.csv` and `related.csv` beside
   * the target's import, for the customers imported; the plan says what was written. Related
   * fields are laid on each customer's grid from its first step to the run's last, plus the
   * horizon (Forecast forecasts every item from the end of the whole target dataset).
   */
  async #writeDrivers(
    jobs: TrainJob[],
    imported: NonNullable<ForecastProgress["imported"]>,
    prefix: string,
  ): Promise<DriverPlan> {
    const { dataset, frequency, horizon, related: config } = jobs[0];
    const ids = jobs.map((j) => j.customerId).filter((id) => imported[id] !== undefined);
    if (ids.length === 0) return {};
    const drivers = await loadDatasetDrivers(this.#store, dataset);
    const end = ids.reduce(
      (max, id) => Math.max(max, Date.parse(imported[id].last ?? imported[id].first)),
      0,
    );
    const customers: CustomerGrid[] = ids.map((id) => {
      const start = Date.parse(imported[id].first);
      const length = stepsBetween(start, end, frequency) + 1;
      return { id, grid: { frequency, start, length, horizon, related: config } };
    });
    const taken = new Set<string>();
    const plan: DriverPlan = {};
    const metadata = planMetadata(drivers.metadata, ids, taken);
    if (metadata) {
      const rows = ids.map((id) => metadataRow(metadata, drivers.metadata, id)).join("");
      await this.#store.put(`${prefix}metadata.csv`, rows, "text/csv");
      plan.metadata = metadata;
    }
    const related = planRelated(drivers, customers, config, taken);
    if (related) {
      const encoder = new TextEncoder();
      async function* rows() {
        for (const customer of customers) {
          if (related!.leftOut[customer.id] === undefined) {
            yield encoder.encode(relatedRows(drivers, customer, related!));
          }
        }
      }
      await this.#store.putStream(`${prefix}related.csv`, rows(), "text/csv");
      plan.related = related;
    }
    return plan;
  }

  async #collect(jobs: TrainJob[], p: ForecastProgress): Promise<TrainResult[]> {
    const { dataset, version } = jobs[0];
    const metrics = p.metrics!;
    const byItem = new Map<string, ExportRow[]>();
    for await (const o of this.#store.list(`${trainingPrefix(dataset, version)}forecast/export/`)) {
      if (!o.key.endsWith(".csv")) continue;
      const bytes = await this.#store.get(o.key);
      if (bytes) parseExportCsv(new TextDecoder().decode(bytes), byItem);
    }
    return pMap(
      jobs,
      async (job): Promise<TrainResult> => {
        const started = performance.now();
        const rows = byItem.get(job.customerId);
        const imported = p.imported?.[job.customerId];
        if (!rows || rows.length === 0 || !imported) {
          const lacking = p.drivers?.related?.leftOut[job.customerId];
          return {
            ok: false,
            customerId: job.customerId,
            error:
              "Amazon Forecast exported no forecast for this customer" +
              (lacking
                ? `: it was left out of the related time series, where ${lacking.join(", ")} does not cover the forecast horizon (Forecast trains and forecasts only the items of its related time series)`
                : ""),
          };
        }
        try {
          const artifact = exportToArtifact(job, rows, {
            trainStart: imported.first,
            trainedPoints: imported.points,
            metrics,
            predictorArn: p.predictorArn!,
          });
          return await saveArtifact(this.#store, job, artifact, started);
        } catch (e) {
          return { ok: false, customerId: job.customerId, error: (e as Error).message };
        }
      },
      { concurrency: 16 },
    );
  }
}
