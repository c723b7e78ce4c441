import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { TrainResult } from "@myriad/core/forecasting/train-job";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import { createS3Client, S3ObjectStore } from "@myriad/functions/aws/s3-object-store";
import {
  SageMakerTrainingBackend,
  type SageMakerTrainingOptions,
  trainingJobName,
} from "@myriad/functions/aws/sagemaker-training-backend";
import { isTrainingPending } from "@myriad/functions/aws/training-common";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { S3 } from "./functions-s3-sdk.ts";
import { hourlyCsv, jobsFor, VERSION } from "./fixtures.ts";
import { startS3rver } from "./s3rver-process.ts";

const OPTIONS: SageMakerTrainingOptions = {
  bucket: "myriad-bucket",
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/training:abc",
  roleArn: "arn:aws:iam::123456789012:role/training",
  instanceType: "ml.m5.xlarge",
  instanceCount: 3,
  maxRuntimeSeconds: 7200,
  pollMs: 1,
  waitMs: 5_000,
};
const CHECKPOINTS = `training/sales/${VERSION}/checkpoints/`;
const sagemakerClient = new SageMakerClient({ region: "us-east-1" });
const s3Client = createS3Client({
  region: "us-east-1",
  credentials: { accessKeyId: "a", secretAccessKey: "b" },
});
const sagemaker = mockClient(sagemakerClient);
const s3 = mockClient(s3Client);

const ok = (customerId: string, modelKey: string): TrainResult => ({
  ok: true,
  customerId,
  version: VERSION,
  modelKey,
  algorithm: "SeasonalNaive",
  metrics: {
    wape: 0.1,
    mape: 0.1,
    smape: 0.1,
    mase: 0.9,
    rmse: 1,
    wql: {},
    averageWql: 0.05,
    coverage: 0.8,
    backtestWindows: 3,
  },
  reason: "only candidate",
  trainedPoints: 336,
  durationMs: 12,
});

/** What the training hosts left in the checkpoint prefix: c1 trained, c2 failed, c3 on no host. */
async function hostResults(store: MemoryObjectStore) {
  const jobs = jobsFor("sales", ["c1", "c2", "c3"]);
  await store.put(`${CHECKPOINTS}results/algo-1.json`, JSON.stringify([ok("c1", jobs[0].modelKey)]));
  await store.put(
    `${CHECKPOINTS}results/algo-2.json`,
    JSON.stringify([{ ok: false, customerId: "c2", error: "series has no readings" }]),
  );
  return jobs;
}

describe("SageMakerTrainingBackend", () => {
  beforeEach(() => {
    sagemaker.reset();
    s3.reset();
  });
  const backend = (store: MemoryObjectStore, options = OPTIONS) =>
    new SageMakerTrainingBackend(sagemakerClient, s3Client, store, options);

  it("starts one sharded job, waits for it, copies each artifact to its model key", async () => {
    const store = new MemoryObjectStore();
    const jobs = await hostResults(store);
    sagemaker
      .on(CreateTrainingJobCommand)
      .resolves({ TrainingJobArn: "arn:aws:sagemaker:us-east-1:1:training-job/x" });
    sagemaker
      .on(DescribeTrainingJobCommand)
      .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Downloading" })
      .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Training" })
      .resolves({ TrainingJobStatus: "Completed", SecondaryStatus: "Completed" });
    s3.on(S3.CopyObjectCommand).resolves({});

    const results = await backend(store).train(jobs);

    const request = sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input;
    expect(request.TrainingJobName).toBe(trainingJobName("sales", VERSION));
    expect(request.TrainingJobName).toMatch(/^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/);
    expect(request.InputDataConfig?.[0]).toMatchObject({
      ChannelName: "train",
      DataSource: {
        S3DataSource: {
          S3DataType: "ManifestFile",
          S3Uri: `s3://myriad-bucket/training/sales/${VERSION}/train.manifest`,
          S3DataDistributionType: "ShardedByS3Key",
        },
      },
    });
    expect(request.InputDataConfig?.[1].DataSource?.S3DataSource?.S3Uri).toBe(
      `s3://myriad-bucket/training/sales/${VERSION}/jobs.json`,
    );
    expect(request.ResourceConfig).toMatchObject({ InstanceType: "ml.m5.xlarge", InstanceCount: 3 });
    expect(request.CheckpointConfig).toEqual({
      S3Uri: `s3://myriad-bucket/${CHECKPOINTS}`,
      LocalPath: "/opt/ml/checkpoints",
    });
    expect(request.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
    expect(request.EnableNetworkIsolation).toBe(true);
    expect(request.HyperParameters).toEqual({ dataset: "sales", version: VERSION });
    expect(
      JSON.parse(new TextDecoder().decode(await store.get(`training/sales/${VERSION}/jobs.json`))),
    ).toEqual(jobs);
    expect(sagemaker.commandCalls(DescribeTrainingJobCommand)).toHaveLength(3);

    expect(results.map((r) => [r.customerId, r.ok])).toEqual([
      ["c1", true],
      ["c2", false],
      ["c3", false],
    ]);
    expect(results[2]).toMatchObject({ error: "no training host reported this customer" });
    const copies = s3.commandCalls(S3.CopyObjectCommand).map((c) => c.args[0].input);
    expect(copies).toEqual([
      expect.objectContaining({
        Bucket: "myriad-bucket",
        Key: jobs[0].modelKey,
        CopySource: `myriad-bucket/${CHECKPOINTS}${jobs[0].modelKey}`,
      }),
    ]);
  });

  it("waits on the existing job when a retried Train finds it (ResourceInUse)", async () => {
    const store = new MemoryObjectStore();
    const jobs = await hostResults(store);
    sagemaker
      .on(CreateTrainingJobCommand)
      .rejects(Object.assign(new Error("Training job names must be unique"), { name: "ResourceInUse" }));
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "Completed" });
    s3.on(S3.CopyObjectCommand).resolves({});
    expect((await backend(store).train(jobs)).filter((r) => r.ok)).toHaveLength(1);
  });

  it("fails the state with SageMaker's reason when the job fails or is stopped", async () => {
    const store = new MemoryObjectStore();
    const jobs = await hostResults(store);
    sagemaker.on(CreateTrainingJobCommand).resolves({});
    sagemaker.on(DescribeTrainingJobCommand).resolves({
      TrainingJobStatus: "Failed",
      FailureReason: "AlgorithmError: cannot read /opt/ml/input/data/jobs/jobs.json",
    });
    await expect(backend(store).train(jobs)).rejects.toThrow(/failed: AlgorithmError: cannot read/);
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "Stopped" });
    await expect(backend(store).train(jobs)).rejects.toThrow(/stopped/);
    expect(s3.commandCalls(S3.CopyObjectCommand)).toHaveLength(0);
  });

  it("starts the next attempt's job when a redrive follows a failed one", async () => {
    const store = new MemoryObjectStore();
    const jobs = await hostResults(store);
    sagemaker.on(CreateTrainingJobCommand).resolves({});
    sagemaker
      .on(DescribeTrainingJobCommand)
      .resolvesOnce({ TrainingJobStatus: "Failed", FailureReason: "OOM" });
    await expect(backend(store).train(jobs)).rejects.toThrow(/OOM/);
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "Completed" });
    s3.on(S3.CopyObjectCommand).resolves({});
    await backend(store).train(jobs);
    const names = sagemaker
      .commandCalls(CreateTrainingJobCommand)
      .map((c) => c.args[0].input.TrainingJobName);
    expect(names).toEqual([
      trainingJobName("sales", jobs[0].version),
      trainingJobName("sales", jobs[0].version, 2),
    ]);
    expect(names[1]).toMatch(/-2$/);
  });

  it("hands back with TrainingPending while the job still runs, and resumes on the next call", async () => {
    const store = new MemoryObjectStore();
    const jobs = await hostResults(store);
    sagemaker
      .on(CreateTrainingJobCommand)
      .resolvesOnce({})
      .rejects(Object.assign(new Error("in use"), { name: "ResourceInUse" }));
    sagemaker
      .on(DescribeTrainingJobCommand)
      .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Training" });
    const error = await backend(store, { ...OPTIONS, waitMs: 0 })
      .train(jobs)
      .catch((e) => e);
    expect(error.name).toBe("TrainingPending");
    expect(isTrainingPending(error)).toBe(true);
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "Completed" });
    s3.on(S3.CopyObjectCommand).resolves({});
    expect((await backend(store).train(jobs))[0].ok).toBe(true);
  });

  it("fails only the customer whose artifact copy fails", async () => {
    const store = new MemoryObjectStore();
    const jobs = await hostResults(store);
    sagemaker.on(CreateTrainingJobCommand).resolves({});
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "Completed" });
    s3.on(S3.CopyObjectCommand).rejects(
      Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey" }),
    );
    const [c1] = await backend(store).train(jobs);
    expect(c1).toMatchObject({ ok: false, error: expect.stringContaining("artifact copy failed") });
  });

  it("refuses jobs that mix datasets and does nothing for no jobs", async () => {
    const store = new MemoryObjectStore();
    expect(await backend(store).train([])).toEqual([]);
    const mixed = [...jobsFor("a", ["c1"]), ...jobsFor("b", ["c1"])];
    await expect(backend(store).train(mixed)).rejects.toThrow(/one dataset version/);
    expect(sagemaker.commandCalls(CreateTrainingJobCommand)).toHaveLength(0);
  });
});

describe("SageMakerTrainingBackend's train channel against s3rver", () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let store: S3ObjectStore;
  beforeAll(async () => {
    server = await startS3rver(OPTIONS.bucket);
    const client = createS3Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    store = new S3ObjectStore(client, OPTIONS.bucket);
  });
  afterAll(async () => server?.stop());
  beforeEach(() => {
    sagemaker.reset();
    s3.reset();
  });

  it("sends a ManifestFile of this run's customers, not the dataset's whole prefix", async () => {
    // API_S3DataSource: S3DataType ManifestFile names an S3 object holding a JSON array, its
    // first element {"prefix": "s3://…"} and then keys relative to it; with ShardedByS3Key each
    // host gets about 1/n of the objects it lists. An S3Prefix channel on customers/<dataset>/
    // downloads every customer ever uploaded to the dataset.
    for (const id of ["old1", "old2", "old3"])
      await store.put(`customers/sales/${id}/data.csv`, hourlyCsv(2), "text/csv");
    const jobs = jobsFor("sales", ["c1", "c2", "c3"]);
    for (const job of jobs) await store.put(job.dataKey, hourlyCsv(2), "text/csv");
    sagemaker.on(CreateTrainingJobCommand).resolves({});
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "Completed" });

    await new SageMakerTrainingBackend(sagemakerClient, s3Client, store, OPTIONS).train(jobs);

    const train = sagemaker.commandCalls(CreateTrainingJobCommand)[0].args[0].input.InputDataConfig?.[0];
    const source = train?.DataSource?.S3DataSource;
    expect(source).toMatchObject({ S3DataType: "ManifestFile", S3DataDistributionType: "ShardedByS3Key" });
    const manifestKey = source!.S3Uri!.replace(`s3://${OPTIONS.bucket}/`, "");
    const [head, ...suffixes] = JSON.parse(new TextDecoder().decode(await store.get(manifestKey)));
    expect(head).toEqual({ prefix: `s3://${OPTIONS.bucket}/customers/sales/` });
    // What SageMaker downloads: prefix + each suffix, every one an object of this run.
    const objects = suffixes.map((suffix: string) =>
      `${head.prefix}${suffix}`.replace(`s3://${OPTIONS.bucket}/`, ""),
    );
    expect(objects).toEqual(jobs.map((j) => j.dataKey));
    for (const key of objects) expect(await store.head(key)).toBeDefined();
    let everyCustomer = 0;
    for await (const _ of store.list("customers/sales/")) everyCustomer++;
    expect(everyCustomer).toBe(6);
  });
});
