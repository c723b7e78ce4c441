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
  ForecastClient,
  GetAccuracyMetricsCommand,
  type GetAccuracyMetricsResponse,
} from "@aws-sdk/client-forecast";
import { unpackArtifact } from "@myriad/core/artifact/archive";
import { errorAt } from "@myriad/core/forecasting/conformal";
import { forecastArtifact } from "@myriad/core/forecasting/forecast-artifact";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import { FORECAST_ALGORITHM, parseExportCsv } from "@myriad/functions/aws/forecast-export";
import {
  ForecastTrainingBackend,
  holidayFeaturization,
} from "@myriad/functions/aws/forecast-training-backend";
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
