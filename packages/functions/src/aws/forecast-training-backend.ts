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
import { saveArtifact } from "@myriad/core/forecasting/run-train-job";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { createHash } from "node:crypto";
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
  datasetArn?: string;
  datasetGroupArn?: string;
  importJobArn?: string;
  predictorArn?: string;
  forecastArn?: string;
  exportJobArn?: string;
  /** Per customer: first timestamp and points imported, for the artifacts. */
  imported?: Record<string, { first: string; points: number }>;
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

/**
 * The `forecast` backend: Amazon Forecast's AutoPredictor for one dataset version.
 *
 * **Amazon Forecast is closed to new AWS customers** (existing customers keep it); SageMaker
 * is Myriad's default AWS backend and this one exists for accounts that already use Forecast.
 *
 * Steps, each created once and polled until ACTIVE: CreateDataset (TARGET_TIME_SERIES:
 * item_id, timestamp, target_value) → CreateDatasetGroup → CreateDatasetImportJob (every
 * customer's `data.csv` concatenated into one headerless CSV) → CreateAutoPredictor
 * (ForecastHorizon = the dataset's horizon, ForecastTypes = its quantiles, plus `mean` when
 * there is room: Forecast takes at most five; the dataset's holidays as Forecast's Holidays
 * featurization) → CreateForecast → CreateForecastExportJob.
 * Progress (the ARNs) is saved in the bucket after every create, so a retried Train resumes
 * instead of recreating. Training takes hours: a call that runs past `waitMs` throws
 * TransientError and the next call carries on. Then GetAccuracyMetrics and the export become
 * one artifact per customer (see forecast-export.ts for the mapping).
 */
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
    const base = `s3://${this.#o.bucket}/${trainingPrefix(dataset, version)}forecast/`;
    const role = this.#o.roleArn;
    const types = [...quantiles.map(forecastType), ...(quantiles.length < 5 ? ["mean"] : [])];

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
    if (!p.datasetGroupArn) {
      const out = await this.#forecast.send(
        new CreateDatasetGroupCommand({
          DatasetGroupName: name("dsg"),
          Domain: "CUSTOM",
          DatasetArns: [p.datasetArn!],
        }),
      );
      p.datasetGroupArn = out.DatasetGroupArn;
      await save();
    }
    if (!p.importJobArn) {
      p.imported = await this.#writeImport(jobs, `${trainingPrefix(dataset, version)}forecast/import.csv`);
      const out = await this.#forecast.send(
        new CreateDatasetImportJobCommand({
          DatasetImportJobName: name("imp"),
          DatasetArn: p.datasetArn,
          DataSource: { S3Config: { Path: `${base}import.csv`, RoleArn: role } },
          TimestampFormat: "yyyy-MM-dd HH:mm:ss",
          Format: "CSV",
        }),
      );
      p.importJobArn = out.DatasetImportJobArn;
      await save();
    }
    const importJob = await this.#forecast.send(
      new DescribeDatasetImportJobCommand({ DatasetImportJobArn: p.importJobArn }),
    );
    if (!this.#active("dataset import", importJob.Status, importJob.Message)) return p.importJobArn;

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
        let first: string | undefined;
        for (const line of lines) {
          const comma = line.indexOf(",");
          if (comma < 0) continue;
          const iso = new Date(line.slice(0, comma)).toISOString();
          first ??= iso;
          out += `${job.customerId},${iso.slice(0, 10)} ${iso.slice(11, 19)},${line.slice(comma + 1)}\n`;
          points++;
        }
        if (first) imported[job.customerId] = { first, points };
        yield encoder.encode(out);
      }
    }
    await store.putStream(key, rows(), "text/csv");
    return imported;
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
          return {
            ok: false,
            customerId: job.customerId,
            error: "Amazon Forecast exported no forecast for this customer",
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
