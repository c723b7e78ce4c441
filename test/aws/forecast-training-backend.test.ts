import {
  CreateAutoPredictorCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateForecastCommand,
  CreateForecastExportJobCommand,
  DeleteResourceTreeCommand,
  DescribeAutoPredictorCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeForecastCommand,
  DescribeForecastExportJobCommand,
  ForecastClient,
  GetAccuracyMetricsCommand,
  type GetAccuracyMetricsResponse,
} from "@aws-sdk/client-forecast";
import { unpackArtifact } from "@myriad/core/artifact/archive";
import { ingestMetadata } from "@myriad/core/drivers/metadata";
import { ingestRelated } from "@myriad/core/drivers/related";
import { errorAt } from "@myriad/core/forecasting/conformal";
import { forecastArtifact } from "@myriad/core/forecasting/forecast-artifact";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import {
  forecastAttributeName,
  MAX_METADATA_ATTRIBUTES,
  planMetadata,
} from "@myriad/functions/aws/forecast-drivers";
import { FORECAST_ALGORITHM, parseExportCsv } from "@myriad/functions/aws/forecast-export";
import {
  ForecastTrainingBackend,
  forecastName,
  holidayFeaturization,
} from "@myriad/functions/aws/forecast-training-backend";
import type { TrainResult } from "@myriad/core/forecasting/train-job";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { hourlyCsv, jobsFor, VERSION } from "./fixtures.ts";

const PREFIX = `training/sales/${VERSION}/forecast/`;
const ARN = (kind: string) => `arn:aws:forecast:us-east-1:123456789012:${kind}/myriad_sales_x`;
const forecastClient = new ForecastClient({ region: "us-east-1" });
const forecast = mockClient(forecastClient);

/** A recorded GetAccuracyMetrics answer of an AutoPredictor. */
const ACCURACY: GetAccuracyMetricsResponse = {
  IsAutoPredictor: true,
  PredictorEvaluationResults: [
    {
      TestWindows: [
        {
          EvaluationType: "SUMMARY",
          Metrics: {
            RMSE: 1.9,
            AverageWeightedQuantileLoss: 0.081,
            WeightedQuantileLosses: [
              { Quantile: 0.9, LossValue: 0.05 },
              { Quantile: 0.5, LossValue: 0.12 },
              { Quantile: 0.1, LossValue: 0.07 },
            ],
            ErrorMetrics: [{ ForecastType: "mean", WAPE: 0.11, RMSE: 1.8, MASE: 0.74, MAPE: 0.13 }],
          },
        },
        { EvaluationType: "COMPUTED", TestWindowStart: new Date("2024-01-13T00:00:00Z") },
        { EvaluationType: "COMPUTED", TestWindowStart: new Date("2024-01-14T00:00:00Z") },
      ],
    },
  ],
};

/** A recorded export part: c1 only (c2's series was too short for Forecast). */
function exportCsv(): string {
  const lines = ["item_id,date,p10,p50,p90,mean"];
  for (let h = 0; h < 24; h++) {
    const p50 = 10 + h / 10;
    const ts = new Date(Date.UTC(2024, 0, 15, h)).toISOString().replace(".000Z", "Z");
    lines.push(
      `c1,${ts},${(p50 - 2).toFixed(2)},${p50.toFixed(2)},${(p50 + 3).toFixed(2)},${(p50 + 0.2).toFixed(2)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function allActive() {
  forecast.on(CreateDatasetCommand).resolves({ DatasetArn: ARN("dataset") });
  forecast.on(CreateDatasetGroupCommand).resolves({ DatasetGroupArn: ARN("dataset-group") });
  forecast.on(CreateDatasetImportJobCommand).resolves({ DatasetImportJobArn: ARN("dataset-import-job") });
  forecast.on(CreateAutoPredictorCommand).resolves({ PredictorArn: ARN("predictor") });
  forecast.on(CreateForecastCommand).resolves({ ForecastArn: ARN("forecast") });
  forecast.on(CreateForecastExportJobCommand).resolves({ ForecastExportJobArn: ARN("forecast-export-job") });
  forecast
    .on(DescribeDatasetImportJobCommand)
    .resolvesOnce({ Status: "CREATE_IN_PROGRESS" })
    .resolves({ Status: "ACTIVE" });
  forecast.on(DescribeAutoPredictorCommand).resolves({ Status: "ACTIVE" });
  forecast.on(DescribeForecastCommand).resolves({ Status: "ACTIVE" });
  forecast.on(DescribeForecastExportJobCommand).resolves({ Status: "ACTIVE" });
  forecast.on(GetAccuracyMetricsCommand).resolves(ACCURACY);
  // The run's resources are deleted at once here: Describe finds none of them.
  const gone = (arn: string) => new ServiceError("ResourceNotFoundException", arn);
  forecast.on(DescribeDatasetGroupCommand).callsFake((i) => Promise.reject(gone(i.DatasetGroupArn)));
  forecast.on(DescribeDatasetCommand).callsFake((i) => Promise.reject(gone(i.DatasetArn)));
}

async function storeWithData() {
  const store = new MemoryObjectStore(4096);
  const jobs = jobsFor("sales", ["c1", "c2"]);
  await store.put(jobs[0].dataKey, hourlyCsv(14));
  await store.put(jobs[1].dataKey, hourlyCsv(2));
  await store.put(`${PREFIX}export/myriad_sales_x_exp_2024-01-15T00-00-00_part0.csv`, exportCsv());
  await store.put(`${PREFIX}export/_CHECK`, "ok");
  return { store, jobs };
}

const input = <T>(command: new (...args: never[]) => T) =>
  // biome-ignore lint/suspicious/noExplicitAny: request JSON, checked by the assertions
  forecast.commandCalls(command as never)[0].args[0].input as Record<string, any>;

describe("ForecastTrainingBackend", () => {
  beforeEach(() => forecast.reset());
  const backend = (store: MemoryObjectStore, waitMs = 5_000) =>
    new ForecastTrainingBackend(forecastClient, store, {
      bucket: "myriad-bucket",
      roleArn: "arn:aws:iam::123456789012:role/forecast",
      pollMs: 1,
      waitMs,
    });

  it("runs dataset → import → AutoPredictor → forecast → export and maps the export to artifacts", async () => {
    allActive();
    const { store, jobs } = await storeWithData();
    const results = await backend(store).train(jobs);

    expect(input(CreateDatasetCommand)).toMatchObject({
      Domain: "CUSTOM",
      DatasetType: "TARGET_TIME_SERIES",
      DataFrequency: "H",
      Schema: {
        Attributes: [
          { AttributeName: "item_id" },
          { AttributeName: "timestamp" },
          { AttributeName: "target_value" },
        ],
      },
    });
    expect(input(CreateDatasetGroupCommand).DatasetArns).toEqual([ARN("dataset")]);
    expect(input(CreateDatasetImportJobCommand)).toMatchObject({
      DataSource: {
        S3Config: {
          Path: `s3://myriad-bucket/${PREFIX}import.csv`,
          RoleArn: "arn:aws:iam::123456789012:role/forecast",
        },
      },
      TimestampFormat: "yyyy-MM-dd HH:mm:ss",
    });
    const imported = new TextDecoder().decode(await store.get(`${PREFIX}import.csv`)).split("\n");
    expect(imported[0]).toBe("c1,2024-01-01 00:00:00,10.000");
    expect(imported.filter((l) => l.startsWith("c2,"))).toHaveLength(48);
    expect(input(CreateAutoPredictorCommand)).toMatchObject({
      ForecastHorizon: 24,
      ForecastFrequency: "H",
      ForecastTypes: ["0.10", "0.50", "0.90", "mean"],
      DataConfig: { DatasetGroupArn: ARN("dataset-group") },
    });
    expect(input(CreateForecastExportJobCommand).Destination.S3Config.Path).toBe(
      `s3://myriad-bucket/${PREFIX}export/`,
    );
    expect(forecast.commandCalls(DescribeDatasetImportJobCommand)).toHaveLength(2);

    expect(results[1]).toEqual({
      ok: false,
      customerId: "c2",
      error: "Amazon Forecast exported no forecast for this customer",
    });
    expect(results[0]).toMatchObject({
      ok: true,
      customerId: "c1",
      modelKey: jobs[0].modelKey,
      algorithm: FORECAST_ALGORITHM,
      trainedPoints: 336,
      metrics: {
        wape: 0.11,
        mape: 0.13,
        mase: 0.74,
        rmse: 1.8,
        smape: null,
        coverage: null,
        averageWql: 0.081,
        wql: { p10: 0.07, p50: 0.12, p90: 0.05 },
        backtestWindows: 2,
      },
    });

    const artifact = await unpackArtifact((await store.get(jobs[0].modelKey))!);
    expect(artifact).toMatchObject({
      algorithm: FORECAST_ALGORITHM,
      trainStart: "2024-01-01T00:00:00.000Z",
      trainEnd: "2024-01-14T23:00:00.000Z",
      quantiles: [0.1, 0.5, 0.9],
    });
    const rows = parseExportCsv(exportCsv()).get("c1")!;
    const mean = (artifact.state as { mean: number[] }).mean;
    rows.forEach((row, s) => {
      expect(mean[s]).toBeCloseTo(row.values.mean, 9);
      for (const [q, col] of [
        [0.1, "p10"],
        [0.5, "p50"],
        [0.9, "p90"],
      ] as const) {
        expect(mean[s] + errorAt(artifact.errors, s + 1, q)).toBeCloseTo(row.values[col], 6);
      }
    });
    expect(await store.get(jobs[1].modelKey)).toBeUndefined();
  });

  it("hands back with TrainingPending while Forecast works, then resumes from the saved ARNs", async () => {
    allActive();
    forecast
      .on(DescribeAutoPredictorCommand)
      .resolvesOnce({ Status: "CREATE_IN_PROGRESS" })
      .resolves({ Status: "ACTIVE" });
    const { store, jobs } = await storeWithData();
    // Call 1 stops at the import (in progress), call 2 at the predictor, call 3 finishes.
    const first = await backend(store, 0)
      .train(jobs)
      .catch((e) => e);
    expect(first).toMatchObject({
      name: "TrainingPending",
      message: expect.stringContaining("dataset-import-job"),
    });
    const saved = JSON.parse(new TextDecoder().decode(await store.get(`${PREFIX}state.json`)));
    expect(saved).toMatchObject({ datasetArn: ARN("dataset"), importJobArn: ARN("dataset-import-job") });
    const second = await backend(store, 0)
      .train(jobs)
      .catch((e) => e);
    expect(second).toMatchObject({ name: "TrainingPending", message: expect.stringContaining("predictor") });
    const final = await backend(store, 0).train(jobs);
    expect(final[0].ok).toBe(true);
    for (const create of [
      CreateDatasetCommand,
      CreateDatasetGroupCommand,
      CreateDatasetImportJobCommand,
      CreateAutoPredictorCommand,
    ]) {
      expect(forecast.commandCalls(create as never), create.name).toHaveLength(1);
    }
  });

  it("fails with Forecast's message when a resource fails", async () => {
    allActive();
    forecast.on(DescribeAutoPredictorCommand).resolves({
      Status: "CREATE_FAILED",
      Message: "Too few observations: the dataset needs at least 300 data points",
    });
    const { store, jobs } = await storeWithData();
    await expect(backend(store).train(jobs)).rejects.toThrow(/predictor CREATE_FAILED: Too few observations/);
    expect(forecast.commandCalls(CreateForecastCommand)).toHaveLength(0);
  });

  it("rethrows service errors (e.g. an account Forecast is closed to)", async () => {
    forecast.on(CreateDatasetCommand).rejects(
      Object.assign(new Error("User is not authorized to access this resource"), {
        name: "AccessDeniedException",
      }),
    );
    const { store, jobs } = await storeWithData();
    await expect(backend(store).train(jobs)).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("rejects what Forecast cannot do before creating anything", async () => {
    const { store } = await storeWithData();
    await expect(backend(store).train(jobsFor("sales", ["c1"], "Q", 4))).rejects.toThrow(/no frequency Q/);
    const sixQuantiles = jobsFor("sales", ["c1"]).map((j) => ({
      ...j,
      quantiles: [0.05, 0.1, 0.25, 0.5, 0.75, 0.9],
    }));
    await expect(backend(store).train(sixQuantiles)).rejects.toThrow(/at most 5 quantiles/);
    const offGrid = jobsFor("sales", ["c1"]).map((j) => ({ ...j, quantiles: [0.025, 0.5] }));
    await expect(backend(store).train(offGrid)).rejects.toThrow(/steps of 0.01/);
    expect(forecast.calls()).toHaveLength(0);
  });

  it("serves the mapped artifact like any other model", async () => {
    allActive();
    const { store, jobs } = await storeWithData();
    await backend(store).train(jobs);
    const artifact = await unpackArtifact((await store.get(jobs[0].modelKey))!);
    expect(artifact.algorithm).toBe("AmazonForecast");
    const out = forecastArtifact(artifact, { horizon: 2 });
    expect(out.points[0].timestamp).toBe("2024-01-15T00:00:00.000Z");
    expect(out.points[0].p10).toBeCloseTo(8, 6);
  });

  it("sends the dataset's holidays as Forecast's Holidays featurization (one national calendar)", () => {
    // docs.aws.amazon.com/forecast/latest/dg/holidays.html: AdditionalDatasets [{Name: "holiday",
    // Configuration: {CountryCode: [<two letters>]}}], from 5-minute to monthly data.
    expect(holidayFeaturization({ countries: ["DE-BY", "FR"], dates: [] }, "H")).toEqual({
      AdditionalDatasets: [{ Name: "holiday", Configuration: { CountryCode: ["DE"] } }],
    });
    expect(holidayFeaturization({ countries: [], dates: ["2026-12-24"] }, "H")).toEqual({});
    expect(holidayFeaturization({ countries: ["US"], dates: [] }, "Q")).toEqual({});
    expect(holidayFeaturization(undefined, "D")).toEqual({});
  });
});

/*
 * Drivers: item metadata and related time series as Forecast's ITEM_METADATA and
 * RELATED_TIME_SERIES datasets. These tests run against `fakeForecast`, an in-memory Forecast
 * that keeps the rules of the API reference the backend depends on (each rule names its page).
 */

const ACCOUNT = "arn:aws:forecast:us-east-1:123456789012";
/** Schema attribute names: ^[a-zA-Z][a-zA-Z0-9_]*, 1–63 (API_SchemaAttribute). */
const ATTRIBUTE_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;
/** A few of Forecast's reserved field names (reserved-field-names.html), compared case-insensitively. */
const SOME_RESERVED = new Set(["TEMP", "VALUE", "TYPE", "NAME", "MIN", "MAX", "SUM", "AVG"]);
const REQUIRED = new Set(["item_id", "timestamp", "target_value"]);
/** Related time series filling values (API_AttributeConfig: "there are no defaults"). */
const RELATED_FILLS = new Set(["zero", "value", "median", "mean", "min", "max"]);

type Kind = "TARGET_TIME_SERIES" | "RELATED_TIME_SERIES" | "ITEM_METADATA";

class ServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * An in-memory Amazon Forecast. `inProgress` is how many DescribeDatasetImportJob calls see an
 * import of that dataset type still CREATE_IN_PROGRESS before it is ACTIVE; `failOnce` maps an
 * import job name to the error its first CreateDatasetImportJob fails with.
 *
 * Every resource is named once per account and region: a Create with a taken name fails with
 * ResourceAlreadyExistsException "There is already a resource with this name. Try again with a
 * different name." (API_CreateDataset and the other Create pages). Describe of a missing ARN
 * fails with ResourceNotFoundException. DeleteResourceTree (API_DeleteResourceTree,
 * delete-resource.html) deletes a dataset group with its predictors, forecasts and export jobs,
 * or a dataset with its import jobs (datasets are not in a group's tree); deletes are
 * asynchronous (the root describes as DELETE_IN_PROGRESS `deleteDescribes` times, then is
 * gone), and the call fails with ResourceInUseException while a resource of the tree is being
 * created or deleted, or, for a dataset, while a predictor trained on it exists.
 */
function fakeForecast(
  store: MemoryObjectStore,
  inProgress: Partial<Record<Kind, number>> = {},
  failOnce = new Map<string, Error>(),
  deleteDescribes = 1,
) {
  const datasets = new Map<
    string,
    { type: Kind; attributes: { AttributeName: string; AttributeType: string }[] }
  >();
  const groups = new Map<string, string[]>();
  const imports = new Map<string, { dataset: string; type: Kind; describes: number; active: boolean }>();
  /** Every import job's dataset type, kept after the job is deleted. */
  const importTypes = new Map<string, Kind>();
  const predictors = new Map<string, { group: string }>();
  const forecasts = new Map<string, { predictor: string }>();
  const exports = new Map<string, { forecast: string }>();
  /** Roots being deleted: describes left before they and their trees are gone. */
  const deleting = new Map<string, number>();
  const all = [datasets, groups, imports, predictors, forecasts, exports] as Map<string, unknown>[];
  const taken = (arn: string) => {
    if (all.some((m) => m.has(arn))) {
      throw new ServiceError(
        "ResourceAlreadyExistsException",
        "There is already a resource with this name. Try again with a different name.",
      );
    }
  };
  const treeOf = (root: string): string[] => {
    if (groups.has(root)) {
      const ps = [...predictors].filter(([, p]) => p.group === root).map(([arn]) => arn);
      const fs = [...forecasts].filter(([, f]) => ps.includes(f.predictor)).map(([arn]) => arn);
      const es = [...exports].filter(([, e]) => fs.includes(e.forecast)).map(([arn]) => arn);
      return [root, ...ps, ...fs, ...es];
    }
    return [root, ...[...imports].filter(([, j]) => j.dataset === root).map(([arn]) => arn)];
  };
  /** The root's status as Describe sees it: throws NotFound once a delete has finished. */
  const describe = (arn: string, exists: boolean): string => {
    const left = deleting.get(arn);
    if (left !== undefined && left <= 0) {
      for (const member of treeOf(arn)) for (const m of all) m.delete(member);
      deleting.delete(arn);
    }
    if (!exists || (left !== undefined && left <= 0))
      throw new ServiceError("ResourceNotFoundException", arn);
    if (left !== undefined) {
      deleting.set(arn, left - 1);
      return "DELETE_IN_PROGRESS";
    }
    return "ACTIVE";
  };

  forecast.on(CreateDatasetCommand).callsFake((i) => {
    // CreateDataset: DatasetName and every AttributeName match ^[a-zA-Z][a-zA-Z0-9_]* (≤ 63);
    // reserved names are refused (reserved-field-names.html); DataFrequency "is required for
    // RELATED_TIME_SERIES datasets".
    const attributes = i.Schema.Attributes as { AttributeName: string; AttributeType: string }[];
    const names = attributes.map((a) => a.AttributeName);
    for (const n of [i.DatasetName, ...names]) {
      if (!ATTRIBUTE_NAME.test(n)) throw new ServiceError("InvalidInputException", `invalid name ${n}`);
    }
    for (const n of names) {
      if (!REQUIRED.has(n) && SOME_RESERVED.has(n.toUpperCase())) {
        throw new ServiceError("InvalidInputException", `${n} is a reserved field name`);
      }
    }
    if (new Set(names).size !== names.length)
      throw new ServiceError("InvalidInputException", "repeated name");
    if (i.DatasetType === "RELATED_TIME_SERIES") {
      if (!i.DataFrequency) throw new ServiceError("InvalidInputException", "DataFrequency is required");
      // related-time-series-datasets.html: item_id, timestamp and int/float features, at most 13.
      const features = attributes.slice(2);
      if (names[0] !== "item_id" || names[1] !== "timestamp" || features.length === 0 || features.length > 13)
        throw new ServiceError("InvalidInputException", "bad related time series schema");
      if (features.some((a) => a.AttributeType !== "float" && a.AttributeType !== "integer"))
        throw new ServiceError("InvalidInputException", "related features must be int or float");
    }
    // limits.html: "Maximum number of columns in an item metadata dataset: 10".
    if (i.DatasetType === "ITEM_METADATA" && (names[0] !== "item_id" || names.length > 10)) {
      throw new ServiceError("InvalidInputException", "bad item metadata schema");
    }
    const arn = `${ACCOUNT}:dataset/${i.DatasetName}`;
    taken(arn);
    datasets.set(arn, { type: i.DatasetType, attributes });
    return { DatasetArn: arn };
  });
  forecast.on(DescribeDatasetCommand).callsFake((i) => ({
    DatasetArn: i.DatasetArn,
    Status: describe(i.DatasetArn, datasets.has(i.DatasetArn)),
  }));
  forecast.on(CreateDatasetGroupCommand).callsFake((i) => {
    // limits.html: "Maximum number of datasets in a dataset group: 3 (1 for each type)".
    const types = (i.DatasetArns as string[]).map((arn) => {
      const d = datasets.get(arn);
      if (!d) throw new ServiceError("ResourceNotFoundException", arn);
      return d.type;
    });
    if (new Set(types).size !== types.length) {
      throw new ServiceError("InvalidInputException", "one dataset of each type per dataset group");
    }
    const arn = `${ACCOUNT}:dataset-group/${i.DatasetGroupName}`;
    taken(arn);
    groups.set(arn, i.DatasetArns);
    return { DatasetGroupArn: arn };
  });
  forecast.on(DescribeDatasetGroupCommand).callsFake((i) => ({
    DatasetGroupArn: i.DatasetGroupArn,
    Status: describe(i.DatasetGroupArn, groups.has(i.DatasetGroupArn)),
  }));
  forecast.on(CreateDatasetImportJobCommand).callsFake(async (i) => {
    // CreateDatasetImportJob: the dataset exists and the S3 file is there to read.
    const failure = failOnce.get(i.DatasetImportJobName);
    failOnce.delete(i.DatasetImportJobName);
    if (failure) throw failure;
    const d = datasets.get(i.DatasetArn);
    if (!d) throw new ServiceError("ResourceNotFoundException", i.DatasetArn);
    const key = (i.DataSource.S3Config.Path as string).replace("s3://myriad-bucket/", "");
    if (!(await store.head(key))) throw new ServiceError("InvalidInputException", `no file at ${key}`);
    const arn = `${ACCOUNT}:dataset-import-job/${i.DatasetArn.split("/")[1]}/${i.DatasetImportJobName}`;
    taken(arn);
    imports.set(arn, { dataset: i.DatasetArn, type: d.type, describes: 0, active: false });
    importTypes.set(arn, d.type);
    return { DatasetImportJobArn: arn };
  });
  forecast.on(DescribeDatasetImportJobCommand).callsFake((i) => {
    const job = imports.get(i.DatasetImportJobArn);
    if (!job) throw new ServiceError("ResourceNotFoundException", i.DatasetImportJobArn);
    job.active = job.describes++ >= (inProgress[job.type] ?? 0);
    return { Status: job.active ? "ACTIVE" : "CREATE_IN_PROGRESS" };
  });
  forecast.on(CreateAutoPredictorCommand).callsFake((i) => {
    // CreateAutoPredictor: ResourceInUseException while a dataset of the group is still being
    // imported (howitworks-datasets-groups.html: import, then train).
    const group = groups.get(i.DataConfig.DatasetGroupArn);
    if (!group) throw new ServiceError("ResourceNotFoundException", i.DataConfig.DatasetGroupArn);
    for (const dataset of group) {
      if (![...imports.values()].some((job) => job.dataset === dataset && job.active)) {
        throw new ServiceError("ResourceInUseException", `${dataset} has no ACTIVE import`);
      }
    }
    // API_AttributeConfig: the target field or a related time series attribute; related
    // attributes take no aggregation and fill with zero, value, median, mean, min or max.
    const related = group.map((arn) => datasets.get(arn)!).find((d) => d.type === "RELATED_TIME_SERIES");
    for (const c of i.DataConfig.AttributeConfigs ?? []) {
      if (c.AttributeName === "target_value") continue;
      if (!related?.attributes.slice(2).some((a) => a.AttributeName === c.AttributeName)) {
        throw new ServiceError("InvalidInputException", `no attribute ${c.AttributeName}`);
      }
      const t = c.Transformations as Record<string, string>;
      if ("aggregation" in t) throw new ServiceError("InvalidInputException", "related: no aggregation");
      for (const fill of ["middlefill", "backfill", "futurefill"]) {
        if (!RELATED_FILLS.has(t[fill]))
          throw new ServiceError("InvalidInputException", `${fill} ${t[fill]}`);
      }
    }
    const arn = `${ACCOUNT}:predictor/${i.PredictorName}`;
    taken(arn);
    predictors.set(arn, { group: i.DataConfig.DatasetGroupArn });
    return { PredictorArn: arn };
  });
  const found = (map: Map<string, unknown>, arn: string) => {
    if (!map.has(arn)) throw new ServiceError("ResourceNotFoundException", arn);
    return { Status: "ACTIVE" };
  };
  forecast.on(DescribeAutoPredictorCommand).callsFake((i) => found(predictors, i.PredictorArn));
  forecast.on(CreateForecastCommand).callsFake((i) => {
    if (!predictors.has(i.PredictorArn)) throw new ServiceError("ResourceNotFoundException", i.PredictorArn);
    const arn = `${ACCOUNT}:forecast/${i.ForecastName}`;
    taken(arn);
    forecasts.set(arn, { predictor: i.PredictorArn });
    return { ForecastArn: arn };
  });
  forecast.on(DescribeForecastCommand).callsFake((i) => found(forecasts, i.ForecastArn));
  forecast.on(CreateForecastExportJobCommand).callsFake((i) => {
    if (!forecasts.has(i.ForecastArn)) throw new ServiceError("ResourceNotFoundException", i.ForecastArn);
    const arn = `${ACCOUNT}:forecast-export-job/${i.ForecastArn.split("/")[1]}/${i.ForecastExportJobName}`;
    taken(arn);
    exports.set(arn, { forecast: i.ForecastArn });
    return { ForecastExportJobArn: arn };
  });
  forecast.on(DescribeForecastExportJobCommand).callsFake((i) => found(exports, i.ForecastExportJobArn));
  forecast.on(GetAccuracyMetricsCommand).callsFake((i) => {
    if (!predictors.has(i.PredictorArn)) throw new ServiceError("ResourceNotFoundException", i.PredictorArn);
    return ACCURACY;
  });
  forecast.on(DeleteResourceTreeCommand).callsFake((i) => {
    const root = i.ResourceArn as string;
    if (!groups.has(root) && !datasets.has(root)) throw new ServiceError("ResourceNotFoundException", root);
    const busy = treeOf(root).some((arn) => deleting.has(arn));
    const predictorOn = [...predictors].some(([, p]) => groups.get(p.group)?.includes(root));
    if (busy || predictorOn) throw new ServiceError("ResourceInUseException", `${root} is in use`);
    deleting.set(root, deleteDescribes);
    return {};
  });
  /** Every resource that exists (being deleted included). */
  const live = () => all.flatMap((m) => [...m.keys()]);
  return { datasets, imports, importTypes, live };
}

const NOW = new Date("2024-01-10T00:00:00Z");
const RELATED = { aggregation: { rain: "sum" as const }, keys: {} };
const dailyCsv = (from: number, to: number) => {
  const lines = ["timestamp,value"];
  for (let d = from; d <= to; d++) lines.push(`${new Date(Date.UTC(2024, 0, d)).toISOString()},${10 + d}`);
  return `${lines.join("\n")}\n`;
};

/**
 * Daily data, horizon 2: c1 1–5 January, c2 3–5, c3 1–4, c4 1–5. Metadata: c1 north/home,
 * c2 north, c3 south/shop, c4 east. A region-keyed weather file (temp, rain) for north 1–7
 * January (temp unknown on the 3rd) and south 2–7; none for east. The export forecasts c1–c3.
 */
async function storeWithDrivers() {
  const store = new MemoryObjectStore(4096);
  const jobs = jobsFor("sales", ["c1", "c2", "c3", "c4"], "D", 2).map((j) => ({ ...j, related: RELATED }));
  const spans: Record<string, [number, number]> = { c1: [1, 5], c2: [3, 5], c3: [1, 4], c4: [1, 5] };
  for (const job of jobs) await store.put(job.dataKey, dailyCsv(...spans[job.customerId]));
  await store.put(
    "raw/sales/metadata.csv",
    "customer_id,region,segment\nc1,north,home\nc2,north,\nc3,south,shop\nc4,east,\n",
  );
  await ingestMetadata(store, "sales", "raw/sales/metadata.csv", { quarantineTag: "m", now: NOW });
  const weather = ["timestamp,region,temp,rain"];
  const rain = [0, 0.5, 1, 0, 0, 2, 0];
  for (let d = 1; d <= 7; d++) weather.push(`2024-01-0${d},north,${d === 3 ? "" : d},${rain[d - 1]}`);
  for (let d = 2; d <= 7; d++) weather.push(`2024-01-0${d},south,${d * 10},${d % 2}`);
  await store.put("raw/sales/related/weather.csv", `${weather.join("\n")}\n`);
  await ingestRelated(store, "sales", "weather", "raw/sales/related/weather.csv", {
    frequency: "D",
    related: RELATED,
    quarantineTag: "w",
    now: NOW,
  });
  const exported = ["item_id,date,p10,p50,p90,mean"];
  for (const id of ["c1", "c2", "c3"]) {
    for (const d of [6, 7]) exported.push(`${id},2024-01-0${d}T00:00:00Z,${d - 1},${d},${d + 2},${d}`);
  }
  await store.put(
    `${PREFIX}export/myriad_sales_x_exp_2024-01-06T00-00-00_part0.csv`,
    `${exported.join("\n")}\n`,
  );
  return { store, jobs };
}

const text = async (store: MemoryObjectStore, key: string) => new TextDecoder().decode(await store.get(key));
const inputs = <T>(command: new (...args: never[]) => T) =>
  // biome-ignore lint/suspicious/noExplicitAny: request JSON, checked by the assertions
  forecast.commandCalls(command as never).map((c) => c.args[0].input as Record<string, any>);
const dsName = (suffix: string) => `${ACCOUNT}:dataset/${forecastNameOf(suffix)}`;
const forecastNameOf = (suffix: string) => forecastName("sales", VERSION, suffix);

describe("ForecastTrainingBackend with drivers", () => {
  beforeEach(() => forecast.reset());
  const backend = (store: MemoryObjectStore, waitMs = 5_000) =>
    new ForecastTrainingBackend(forecastClient, store, {
      bucket: "myriad-bucket",
      roleArn: "arn:aws:iam::123456789012:role/forecast",
      pollMs: 1,
      waitMs,
    });

  it("sends metadata and a region-keyed related series as ITEM_METADATA and RELATED_TIME_SERIES datasets", async () => {
    // Follows CreateDataset (DatasetType, Schema; DataFrequency required for related series),
    // item-metadata-datasets.html (item_id + string attributes, every item present),
    // related-time-series-datasets.html (start at or before the target, run ForecastHorizon
    // steps past its end, same frequency), CreateDatasetGroup (DatasetArns),
    // CreateDatasetImportJob (headerless CSV in schema order, TimestampFormat) and
    // CreateAutoPredictor (DataConfig.AttributeConfigs, related fills without aggregation).
    const { store, jobs } = await storeWithDrivers();
    fakeForecast(store);
    const results = await backend(store).train(jobs);

    const created = inputs(CreateDatasetCommand);
    expect(created.map((d) => [d.DatasetType, d.DatasetName])).toEqual([
      ["TARGET_TIME_SERIES", forecastNameOf("ds")],
      ["ITEM_METADATA", forecastNameOf("md")],
      ["RELATED_TIME_SERIES", forecastNameOf("rts")],
    ]);
    expect(created[1]).toEqual({
      DatasetName: forecastNameOf("md"),
      Domain: "CUSTOM",
      DatasetType: "ITEM_METADATA",
      Schema: {
        Attributes: [
          { AttributeName: "item_id", AttributeType: "string" },
          { AttributeName: "region", AttributeType: "string" },
          { AttributeName: "segment", AttributeType: "string" },
        ],
      },
    });
    // `temp` is a reserved name: it is sent as `temp_`.
    expect(created[2]).toEqual({
      DatasetName: forecastNameOf("rts"),
      Domain: "CUSTOM",
      DatasetType: "RELATED_TIME_SERIES",
      DataFrequency: "D",
      Schema: {
        Attributes: [
          { AttributeName: "item_id", AttributeType: "string" },
          { AttributeName: "timestamp", AttributeType: "timestamp" },
          { AttributeName: "rain", AttributeType: "float" },
          { AttributeName: "temp_", AttributeType: "float" },
        ],
      },
    });
    expect(inputs(CreateDatasetGroupCommand)[0].DatasetArns).toEqual([
      dsName("ds"),
      dsName("md"),
      dsName("rts"),
    ]);
    const imports = inputs(CreateDatasetImportJobCommand);
    expect(imports.map((i) => [i.DatasetArn, i.DataSource.S3Config.Path, i.TimestampFormat])).toEqual([
      [dsName("ds"), `s3://myriad-bucket/${PREFIX}import.csv`, "yyyy-MM-dd HH:mm:ss"],
      [dsName("md"), `s3://myriad-bucket/${PREFIX}metadata.csv`, undefined],
      [dsName("rts"), `s3://myriad-bucket/${PREFIX}related.csv`, "yyyy-MM-dd HH:mm:ss"],
    ]);

    // Every customer is in the item metadata; an attribute it lacks is `_missing`.
    expect(await text(store, `${PREFIX}metadata.csv`)).toBe(
      "c1,north,home\nc2,north,_missing\nc3,south,shop\nc4,east,_missing\n",
    );
    // north's weather for c1 and c2, south's for c3, each from its first target step to the
    // dataset's last (5 January) plus the 2-step horizon. The unknown temp of 3 January is an
    // empty cell for Forecast's mean fill, except where it is c2's first step: Forecast has no
    // front fill, so the first known value is written. Before south's first reading (c3 on 1
    // January) rain (a sum) is 0 and temp the first known value. c4 (east) has no weather.
    expect((await text(store, `${PREFIX}related.csv`)).split("\n")).toEqual([
      "c1,2024-01-01 00:00:00,0,1",
      "c1,2024-01-02 00:00:00,0.5,2",
      "c1,2024-01-03 00:00:00,1,",
      "c1,2024-01-04 00:00:00,0,4",
      "c1,2024-01-05 00:00:00,0,5",
      "c1,2024-01-06 00:00:00,2,6",
      "c1,2024-01-07 00:00:00,0,7",
      "c2,2024-01-03 00:00:00,1,4",
      "c2,2024-01-04 00:00:00,0,4",
      "c2,2024-01-05 00:00:00,0,5",
      "c2,2024-01-06 00:00:00,2,6",
      "c2,2024-01-07 00:00:00,0,7",
      "c3,2024-01-01 00:00:00,0,20",
      "c3,2024-01-02 00:00:00,0,20",
      "c3,2024-01-03 00:00:00,1,30",
      "c3,2024-01-04 00:00:00,0,40",
      "c3,2024-01-05 00:00:00,1,50",
      "c3,2024-01-06 00:00:00,0,60",
      "c3,2024-01-07 00:00:00,1,70",
      "",
    ]);
    expect((await text(store, `${PREFIX}import.csv`)).split("\n")[0]).toBe("c1,2024-01-01 00:00:00,11");

    expect(inputs(CreateAutoPredictorCommand)[0].DataConfig).toEqual({
      DatasetGroupArn: `${ACCOUNT}:dataset-group/${forecastNameOf("dsg")}`,
      AttributeConfigs: [
        {
          AttributeName: "rain",
          Transformations: { middlefill: "zero", backfill: "zero", futurefill: "zero" },
        },
        {
          AttributeName: "temp_",
          Transformations: { middlefill: "mean", backfill: "mean", futurefill: "mean" },
        },
      ],
    });

    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results[3]).toMatchObject({
      customerId: "c4",
      error: expect.stringMatching(/left out of the related time series, where rain, temp does not cover/),
    });
    const state = JSON.parse(await text(store, `${PREFIX}state.json`));
    expect(state.drivers).toEqual({
      metadata: {
        attributes: [
          { name: "region", attribute: "region" },
          { name: "segment", attribute: "segment" },
        ],
        dropped: [],
      },
      related: {
        fields: [
          { name: "rain", attribute: "rain", fill: "zero" },
          { name: "temp", attribute: "temp_", fill: "mean" },
        ],
        dropped: [],
        leftOut: { c4: ["rain", "temp"] },
      },
    });
  });

  it("creates the predictor only when all three imports are ACTIVE", async () => {
    // CreateDatasetImportJob / DescribeDatasetImportJob: an import is usable once ACTIVE;
    // CreateAutoPredictor trains on the dataset group's data, so the fake refuses it
    // (ResourceInUseException) while any import of the group is in progress.
    const { store, jobs } = await storeWithDrivers();
    const fake = fakeForecast(store, { TARGET_TIME_SERIES: 1, ITEM_METADATA: 2, RELATED_TIME_SERIES: 4 });
    await backend(store).train(jobs);

    const calls = forecast.calls().map((c) => c.args[0]);
    const predictorAt = calls.findIndex((c) => c instanceof CreateAutoPredictorCommand);
    const describes = calls
      .map((c, at) => ({ c, at }))
      .filter(({ c }) => c instanceof DescribeDatasetImportJobCommand);
    expect(describes.at(-1)!.at).toBeLessThan(predictorAt);
    const byType = (type: Kind) =>
      describes.filter(
        ({ c }) =>
          fake.importTypes.get((c.input as { DatasetImportJobArn: string }).DatasetImportJobArn) === type,
      ).length;
    // Polled in order each round, until each is ACTIVE: the related import is the last.
    expect(byType("RELATED_TIME_SERIES")).toBe(5);
    expect(fake.importTypes.size).toBe(3);
    expect(forecast.commandCalls(CreateAutoPredictorCommand)).toHaveLength(1);
  });

  it("resumes from the saved ARNs after TrainingPending and after a service error, creating nothing twice", async () => {
    // CreateDataset, CreateDatasetGroup and CreateDatasetImportJob each create a new resource
    // (a second call with the same name fails with ResourceAlreadyExistsException), so a
    // retried Train must go on from state.json.
    const { store, jobs } = await storeWithDrivers();
    // LimitExceededException (limits.html: at most 3 parallel CreateDatasetImportJob tasks) on
    // the related import the first time.
    const limit = new ServiceError("LimitExceededException", "too many running imports");
    fakeForecast(store, { RELATED_TIME_SERIES: 2 }, new Map([[forecastNameOf("rtsimp"), limit]]));

    await expect(backend(store, 0).train(jobs)).rejects.toMatchObject({ name: "LimitExceededException" });
    const saved = JSON.parse(await text(store, `${PREFIX}state.json`));
    expect(saved).toMatchObject({
      datasetArn: dsName("ds"),
      metadataDatasetArn: dsName("md"),
      relatedDatasetArn: dsName("rts"),
      datasetGroupArn: `${ACCOUNT}:dataset-group/${forecastNameOf("dsg")}`,
      importJobArn: expect.stringContaining("_imp"),
      metadataImportJobArn: expect.stringContaining("_mdimp"),
    });
    expect(saved.relatedImportJobArn).toBeUndefined();

    const pending: string[] = [];
    for (;;) {
      const out = await backend(store, 0)
        .train(jobs)
        .catch((e: Error) => e);
      if (!(out instanceof Error)) {
        expect(out.filter((r) => r.ok)).toHaveLength(3);
        break;
      }
      expect(out.name).toBe("TrainingPending");
      pending.push(out.message);
      expect(pending.length).toBeLessThan(10);
    }
    expect(pending[0]).toBe(
      `${ACCOUNT}:dataset-import-job/${forecastNameOf("rts")}/${forecastNameOf("rtsimp")} is still in progress`,
    );
    expect(forecast.commandCalls(CreateDatasetCommand)).toHaveLength(3);
    expect(forecast.commandCalls(CreateDatasetGroupCommand)).toHaveLength(1);
    // Three imports plus the one refused.
    expect(forecast.commandCalls(CreateDatasetImportJobCommand)).toHaveLength(4);
    expect(forecast.commandCalls(CreateAutoPredictorCommand)).toHaveLength(1);
  });

  it("without drivers makes exactly the calls it made before drivers were sent", async () => {
    // The calls and requests recorded from the backend before this change (CreateDataset →
    // CreateDatasetGroup with one DatasetArn → one import → CreateAutoPredictor without
    // AttributeConfigs → forecast → export).
    allActive();
    const store = new MemoryObjectStore(4096);
    const jobs = jobsFor("sales", ["c1", "c2"]).map((j) => ({
      ...j,
      holidays: { countries: ["US"], dates: [] },
    }));
    await store.put(jobs[0].dataKey, hourlyCsv(14));
    await store.put(jobs[1].dataKey, hourlyCsv(2));
    // Drivers that reach no customer of the run: metadata of others, weather that ended in 2023.
    await store.put("raw/sales/metadata.csv", "customer_id,region\nc9,north\n");
    await ingestMetadata(store, "sales", "raw/sales/metadata.csv", { quarantineTag: "m", now: NOW });
    await store.put("raw/sales/related/weather.csv", "timestamp,customer_id,temp\n2023-12-31,c1,3\n");
    await ingestRelated(store, "sales", "weather", "raw/sales/related/weather.csv", {
      frequency: "H",
      quarantineTag: "w",
      now: NOW,
    });
    await backend(store).train(jobs);

    expect(forecast.calls().map((c) => c.args[0].constructor.name)).toEqual([
      "CreateDatasetCommand",
      "CreateDatasetGroupCommand",
      "CreateDatasetImportJobCommand",
      "DescribeDatasetImportJobCommand",
      "DescribeDatasetImportJobCommand",
      "CreateAutoPredictorCommand",
      "DescribeAutoPredictorCommand",
      "CreateForecastCommand",
      "DescribeForecastCommand",
      "CreateForecastExportJobCommand",
      "DescribeForecastExportJobCommand",
      "GetAccuracyMetricsCommand",
      // Deleting the run's resources once read: the dataset group's tree, then each dataset's.
      "DescribeDatasetGroupCommand",
      "DescribeDatasetCommand",
      "DescribeDatasetCommand",
      "DescribeDatasetCommand",
    ]);
    expect(input(CreateDatasetGroupCommand)).toEqual({
      DatasetGroupName: forecastNameOf("dsg"),
      Domain: "CUSTOM",
      DatasetArns: [ARN("dataset")],
    });
    expect(input(CreateDatasetImportJobCommand)).toEqual({
      DatasetImportJobName: forecastNameOf("imp"),
      DatasetArn: ARN("dataset"),
      DataSource: {
        S3Config: {
          Path: `s3://myriad-bucket/${PREFIX}import.csv`,
          RoleArn: "arn:aws:iam::123456789012:role/forecast",
        },
      },
      TimestampFormat: "yyyy-MM-dd HH:mm:ss",
      Format: "CSV",
    });
    expect(input(CreateAutoPredictorCommand)).toEqual({
      PredictorName: forecastNameOf("pred"),
      ForecastHorizon: 24,
      ForecastTypes: ["0.10", "0.50", "0.90", "mean"],
      ForecastFrequency: "H",
      DataConfig: {
        DatasetGroupArn: ARN("dataset-group"),
        AdditionalDatasets: [{ Name: "holiday", Configuration: { CountryCode: ["US"] } }],
      },
      OptimizationMetric: "AverageWeightedQuantileLoss",
    });
    expect(await store.get(`${PREFIX}metadata.csv`)).toBeUndefined();
    expect(await store.get(`${PREFIX}related.csv`)).toBeUndefined();
  });

  it("carries on with the target alone when its dataset group was created before drivers were sent", async () => {
    // A dataset group's datasets are fixed here at CreateDatasetGroup: a run resumed from a
    // state.json written before this change does not add datasets to its group.
    allActive();
    const { store, jobs } = await storeWithDrivers();
    await store.put(
      `${PREFIX}state.json`,
      JSON.stringify({ datasetArn: ARN("dataset"), datasetGroupArn: ARN("dataset-group") }),
    );
    await backend(store).train(jobs);
    expect(forecast.commandCalls(CreateDatasetCommand)).toHaveLength(0);
    expect(forecast.commandCalls(CreateDatasetImportJobCommand)).toHaveLength(1);
    expect(input(CreateAutoPredictorCommand).DataConfig.AttributeConfigs).toBeUndefined();
    expect(JSON.parse(await text(store, `${PREFIX}state.json`)).drivers).toEqual({});
  });

  it("fails before creating anything when no customer has every related field over the horizon", async () => {
    // related-time-series-datasets.html: one schema for every item, and the model and forecasts
    // are limited to the items of the related time series.
    const { store, jobs } = await storeWithDrivers();
    await store.put(
      "raw/sales/related/promo.csv",
      "timestamp,customer_id,promo\n2024-01-01,c4,1\n2024-01-06,c4,0\n2024-01-07,c4,0\n",
    );
    await ingestRelated(store, "sales", "promo", "raw/sales/related/promo.csv", {
      frequency: "D",
      quarantineTag: "p",
      now: NOW,
    });
    // Only c4 has promo over the horizon, and c4 has no weather.
    fakeForecast(store);
    await expect(backend(store).train(jobs)).rejects.toThrow(/no customer has all of promo, rain, temp/);
    expect(forecast.calls()).toHaveLength(0);
  });
});

/*
 * What a run leaves in Amazon Forecast. Each dataset, dataset group, predictor and forecast
 * counts against the account's quotas (limits.html) until deleted, and Forecast names are unique
 * per account and region: these tests run against `fakeForecast`, which keeps both rules.
 */

/** A bucket whose first put of a state.json holding `dieOn` fails, as a Lambda that times out between a Create and its save. */
class DyingStore extends MemoryObjectStore {
  dieOn: string | undefined;
  override async put(key: string, body: Uint8Array | string, contentType?: string) {
    if (this.dieOn && key.endsWith("state.json") && String(body).includes(`"${this.dieOn}"`)) {
      this.dieOn = undefined;
      throw new Error("Task timed out after 900.00 seconds");
    }
    return super.put(key, body, contentType);
  }
}

const V2 = "20240201T000000Z-89abcdef";

/** The two-customer hourly data and an export for `version`. */
async function runData(store: MemoryObjectStore, version: string) {
  const jobs = jobsFor("sales", ["c1", "c2"]).map((j) => ({
    ...j,
    version,
    modelKey: j.modelKey.replace(VERSION, version),
  }));
  await store.put(jobs[0].dataKey, hourlyCsv(14));
  await store.put(jobs[1].dataKey, hourlyCsv(2));
  const prefix = `training/sales/${version}/forecast/`;
  await store.put(`${prefix}export/myriad_sales_x_exp_2024-01-15T00-00-00_part0.csv`, exportCsv());
  return jobs;
}

describe("ForecastTrainingBackend resources", () => {
  beforeEach(() => forecast.reset());
  const backend = (store: MemoryObjectStore, waitMs = 5_000) =>
    new ForecastTrainingBackend(forecastClient, store, {
      bucket: "myriad-bucket",
      roleArn: "arn:aws:iam::123456789012:role/forecast",
      pollMs: 1,
      waitMs,
    });
  const runsLeft = async (store: MemoryObjectStore) => {
    const versions: string[] = [];
    for await (const o of store.list("training/sales/forecast-runs/"))
      versions.push(o.key.split("/").at(-1)!);
    return versions;
  };

  it.each([
    ["datasetArn", CreateDatasetCommand],
    ["datasetGroupArn", CreateDatasetGroupCommand],
    ["importJobArn", CreateDatasetImportJobCommand],
    ["predictorArn", CreateAutoPredictorCommand],
    ["forecastArn", CreateForecastCommand],
    ["exportJobArn", CreateForecastExportJobCommand],
  ] as const)(
    "resumes by name when Train died after creating %s and before saving it",
    async (field, create) => {
      // The Create pages: a taken name fails with ResourceAlreadyExistsException; the retried
      // Train describes the ARN built from the name (arn:…:<type>/<name>, import and export jobs
      // under their dataset's and forecast's names) and carries on with that resource.
      const store = new DyingStore(4096);
      const jobs = await runData(store, VERSION);
      const fake = fakeForecast(store);
      store.dieOn = field;
      await expect(backend(store).train(jobs)).rejects.toThrow(/timed out/);

      const results = await backend(store).train(jobs);
      expect(results.map((r) => r.ok)).toEqual([true, false]);
      // The second Create was refused; nothing was created twice, and nothing is left.
      expect(forecast.commandCalls(create as never)).toHaveLength(2);
      expect(fake.live()).toEqual([]);
    },
  );

  it("deletes the run's resources once its forecasts are read, and the next run finishes what time cut short", async () => {
    // DeleteResourceTree is asynchronous (DELETE_IN_PROGRESS, then ResourceNotFoundException)
    // and leaves a dataset group's datasets (delete-resource.html): the group's tree goes
    // first, then each dataset's, which Forecast refuses (ResourceInUseException) while a
    // predictor trained on it exists.
    const store = new MemoryObjectStore(4096);
    const fake = fakeForecast(store, {}, new Map(), 2);
    const first = await backend(store, 0).train(await runData(store, VERSION));
    expect(first[0].ok).toBe(true);
    // No time left after the export: one pass started the group's deletion.
    expect(fake.live()).toContain(`${ACCOUNT}:dataset/${forecastNameOf("ds")}`);
    expect(await runsLeft(store)).toEqual([VERSION]);
    expect(inputs(DeleteResourceTreeCommand)).toEqual([
      { ResourceArn: `${ACCOUNT}:dataset-group/${forecastNameOf("dsg")}` },
    ]);

    const second = await backend(store).train(await runData(store, V2));
    expect(second[0].ok).toBe(true);
    expect(fake.live()).toEqual([]);
    expect(await runsLeft(store)).toEqual([]);
    const roots = inputs(DeleteResourceTreeCommand).map((i) => i.ResourceArn.split(":").at(-1));
    expect(roots.sort()).toEqual(
      [
        `dataset-group/${forecastNameOf("dsg")}`,
        `dataset-group/${forecastName("sales", V2, "dsg")}`,
        `dataset/${forecastNameOf("ds")}`,
        `dataset/${forecastName("sales", V2, "ds")}`,
      ].sort(),
    );
    // The exports stay in the bucket: a retried Train returns the same results without Forecast.
    const calls = forecast.calls().length;
    const same = (r: TrainResult) => (r.ok ? [r.customerId, r.modelKey, r.metrics] : [r.customerId, r.error]);
    expect((await backend(store).train(await runData(store, V2))).map(same)).toEqual(second.map(same));
    expect(forecast.calls().slice(calls)).toEqual([]);
  });

  it("deletes an earlier run that never finished, and its state, so a redrive of it starts afresh", async () => {
    const store = new MemoryObjectStore(4096);
    const fake = fakeForecast(store, { TARGET_TIME_SERIES: 1 });
    await expect(backend(store, 0).train(await runData(store, VERSION))).rejects.toMatchObject({
      name: "TrainingPending",
    });
    expect(fake.live().length).toBeGreaterThan(0);

    expect((await backend(store).train(await runData(store, V2)))[0].ok).toBe(true);
    expect(fake.live()).toEqual([]);
    expect(await runsLeft(store)).toEqual([]);
    expect(await store.get(`${PREFIX}state.json`)).toBeUndefined();
    expect(await store.get(`training/sales/${V2}/forecast/state.json`)).toBeDefined();
  });
});

describe("Forecast attribute names and limits", () => {
  it("makes valid, unreserved, unique attribute names", () => {
    // API_SchemaAttribute: AttributeName ^[a-zA-Z][a-zA-Z0-9_]*, 1–63 characters;
    // reserved-field-names.html: names Forecast reserves cannot be schema fields.
    const taken = new Set<string>();
    const names = [
      "temperature",
      "temp",
      "Rain (mm)",
      "rain-mm",
      "2nd_shift",
      "item_id",
      "Value",
      "x".repeat(80),
    ];
    const mapped = names.map((n) => forecastAttributeName(n, taken));
    expect(mapped.slice(0, 7)).toEqual([
      "temperature",
      "temp_",
      "rain_mm",
      "rain_mm_2",
      "f_2nd_shift",
      "item_id_",
      "value_",
    ]);
    for (const m of mapped) expect(m).toMatch(ATTRIBUTE_NAME);
  });

  it("sends at most 9 metadata attributes, in name order", () => {
    // limits.html: "Maximum number of columns in an item metadata dataset: 10", item_id included.
    const attributes = Array.from({ length: 12 }, (_, i) => `a${String(i + 1).padStart(2, "0")}`);
    const metadata = {
      attributes,
      customers: { c1: Object.fromEntries(attributes.map((a) => [a, "x"])) },
      updatedAt: null,
    };
    const plan = planMetadata(metadata, ["c1", "c2"], new Set());
    expect(plan?.attributes.map((a) => a.attribute)).toEqual(attributes.slice(0, MAX_METADATA_ATTRIBUTES));
    expect(plan?.dropped).toEqual(["a10", "a11", "a12"]);
    expect(planMetadata(metadata, ["c2"], new Set())).toBeUndefined();
  });
});
