import {
  CreateAutoPredictorCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateForecastCommand,
  CreateForecastExportJobCommand,
  DescribeAutoPredictorCommand,
  DescribeDatasetImportJobCommand,
  DescribeForecastCommand,
  DescribeForecastExportJobCommand,
  type ForecastClient,
  GetAccuracyMetricsCommand,
} from "@aws-sdk/client-forecast";
import { loadDatasetDrivers } from "@myriad/core/drivers/customer-drivers";
import { saveArtifact } from "@myriad/core/forecasting/run-train-job";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { ObjectStore } from "@myriad/core/ports/object-store";
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
import pMap from "p-map";
import { sleep } from "./sleep.ts";
import { TrainingStillRunning, trainingPrefix } from "./training-common.ts";

/** The slice of ForecastClient this adapter uses. */
export type ForecastSlice = Pick<ForecastClient, "send">;

export interface ForecastTrainingOptions {
  bucket: string;
  /** Role Amazon Forecast assumes to read the import file and write the export. */
  roleArn: string;
  /** How long `train` waits in this process before handing back with TransientError. */
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
}

/** Forecast frequencies: Myriad's, less `Q`, which Amazon Forecast does not have. */
const FORECAST_FREQUENCIES = new Set(["1min", "5min", "10min", "15min", "30min", "H", "D", "W", "M", "Y"]);
const FAILED = new Set([
  "CREATE_FAILED",
  "CREATE_STOPPED",
  "DELETE_PENDING",
  "DELETE_IN_PROGRESS",
  "DELETE_FAILED",
]);

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
 * instead of recreating. Training takes hours: a call that runs past `waitMs` throws
 * TransientError and the next call carries on. Then GetAccuracyMetrics and the export become
 * one artifact per customer (see forecast-export.ts for the mapping); a customer without an
 * exported forecast fails, with the reason when it was left out of the related series.
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
    const stateKey = `${trainingPrefix(dataset, version)}forecast/state.json`;
    const progress = await this.#load(stateKey);
    for (;;) {
      const pending = await this.#advance(jobs, progress, stateKey);
      if (pending === undefined) break;
      if (Date.now() >= deadline) throw new TrainingStillRunning(pending, "in progress");
      await sleep(this.#o.pollMs ?? 60_000);
    }
    const results = await this.#collect(jobs, progress);
    onProgress?.(jobs.length, jobs.length);
    return results;
  }

  /** Creates or polls the next resource; undefined when the export is ACTIVE, else what is pending. */
  async #advance(jobs: TrainJob[], p: ForecastProgress, stateKey: string): Promise<string | undefined> {
    const { dataset, version, frequency, horizon, quantiles } = jobs[0];
    const name = (suffix: string) => forecastName(dataset, version, suffix);
    const save = () => this.#store.put(stateKey, JSON.stringify(p), "application/json");
    const prefix = `${trainingPrefix(dataset, version)}forecast/`;
    const base = `s3://${this.#o.bucket}/${prefix}`;
    const role = this.#o.roleArn;
    const types = [...quantiles.map(forecastType), ...(quantiles.length < 5 ? ["mean"] : [])];
    const importFrom = (file: string) => ({ S3Config: { Path: `${base}${file}`, RoleArn: role } });

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
      const out = await this.#forecast.send(
        new CreateDatasetCommand({
          DatasetName: name("ds"),
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
        }),
      );
      p.datasetArn = out.DatasetArn;
      await save();
    }
    if (metadata && !p.metadataDatasetArn) {
      const out = await this.#forecast.send(
        new CreateDatasetCommand({
          DatasetName: name("md"),
          Domain: "CUSTOM",
          DatasetType: "ITEM_METADATA",
          Schema: metadataSchema(metadata),
        }),
      );
      p.metadataDatasetArn = out.DatasetArn;
      await save();
    }
    if (related && !p.relatedDatasetArn) {
      const out = await this.#forecast.send(
        new CreateDatasetCommand({
          DatasetName: name("rts"),
          Domain: "CUSTOM",
          DatasetType: "RELATED_TIME_SERIES",
          DataFrequency: frequency,
          Schema: relatedSchema(related),
        }),
      );
      p.relatedDatasetArn = out.DatasetArn;
      await save();
    }
    if (!p.datasetGroupArn) {
      const out = await this.#forecast.send(
        new CreateDatasetGroupCommand({
          DatasetGroupName: name("dsg"),
          Domain: "CUSTOM",
          DatasetArns: [
            p.datasetArn!,
            ...(metadata ? [p.metadataDatasetArn!] : []),
            ...(related ? [p.relatedDatasetArn!] : []),
          ],
        }),
      );
      p.datasetGroupArn = out.DatasetGroupArn;
      await save();
    }
    if (!p.importJobArn) {
      const out = await this.#forecast.send(
        new CreateDatasetImportJobCommand({
          DatasetImportJobName: name("imp"),
          DatasetArn: p.datasetArn,
          DataSource: importFrom("import.csv"),
          TimestampFormat: "yyyy-MM-dd HH:mm:ss",
          Format: "CSV",
        }),
      );
      p.importJobArn = out.DatasetImportJobArn;
      await save();
    }
    if (metadata && !p.metadataImportJobArn) {
      const out = await this.#forecast.send(
        new CreateDatasetImportJobCommand({
          DatasetImportJobName: name("mdimp"),
          DatasetArn: p.metadataDatasetArn,
          DataSource: importFrom("metadata.csv"),
          Format: "CSV",
        }),
      );
      p.metadataImportJobArn = out.DatasetImportJobArn;
      await save();
    }
    if (related && !p.relatedImportJobArn) {
      const out = await this.#forecast.send(
        new CreateDatasetImportJobCommand({
          DatasetImportJobName: name("rtsimp"),
          DatasetArn: p.relatedDatasetArn,
          DataSource: importFrom("related.csv"),
          TimestampFormat: "yyyy-MM-dd HH:mm:ss",
          Format: "CSV",
        }),
      );
      p.relatedImportJobArn = out.DatasetImportJobArn;
      await save();
    }
    // The predictor trains on what the group's datasets hold: every import must be ACTIVE.
    const imports = [
      { what: "dataset import", arn: p.importJobArn },
      ...(metadata ? [{ what: "item metadata import", arn: p.metadataImportJobArn }] : []),
      ...(related ? [{ what: "related time series import", arn: p.relatedImportJobArn }] : []),
    ];
    for (const { what, arn } of imports) {
      const job = await this.#forecast.send(
        new DescribeDatasetImportJobCommand({ DatasetImportJobArn: arn }),
      );
      if (!this.#active(what, job.Status, job.Message)) return arn;
    }

    if (!p.predictorArn) {
      const out = await this.#forecast.send(
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
      );
      p.predictorArn = out.PredictorArn;
      await save();
    }
    const predictor = await this.#forecast.send(
      new DescribeAutoPredictorCommand({ PredictorArn: p.predictorArn }),
    );
    if (!this.#active("predictor", predictor.Status, predictor.Message)) return p.predictorArn;

    if (!p.forecastArn) {
      const out = await this.#forecast.send(
        new CreateForecastCommand({
          ForecastName: name("fc"),
          PredictorArn: p.predictorArn,
          ForecastTypes: types,
        }),
      );
      p.forecastArn = out.ForecastArn;
      await save();
    }
    const forecast = await this.#forecast.send(new DescribeForecastCommand({ ForecastArn: p.forecastArn }));
    if (!this.#active("forecast", forecast.Status, forecast.Message)) return p.forecastArn;

    if (!p.exportJobArn) {
      const out = await this.#forecast.send(
        new CreateForecastExportJobCommand({
          ForecastExportJobName: name("exp"),
          ForecastArn: p.forecastArn,
          Destination: { S3Config: { Path: `${base}export/`, RoleArn: role } },
          Format: "CSV",
        }),
      );
      p.exportJobArn = out.ForecastExportJobArn;
      await save();
    }
    const exportJob = await this.#forecast.send(
      new DescribeForecastExportJobCommand({ ForecastExportJobArn: p.exportJobArn }),
    );
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
    const bytes = await this.#store.get(key);
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as ForecastProgress) : {};
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
    const metrics = accuracyToMetrics(
      await this.#forecast.send(new GetAccuracyMetricsCommand({ PredictorArn: p.predictorArn })),
    );
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
