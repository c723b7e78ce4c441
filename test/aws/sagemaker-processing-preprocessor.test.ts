import {
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  DescribeProcessingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { Kysely } from "kysely";
import { migrateToLatest } from "@myriad/core/db/migrations";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { generateRows } from "@myriad/core/ingest/generate";
import { InProcessPreprocessor } from "@myriad/core/ingest/in-process-preprocessor";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import { runPreprocessJob } from "@myriad/core/ingest/preprocess-job";
import type { RunInput } from "@myriad/core/ports/pipeline-runner";
import { PreprocessPending, type Preprocessor } from "@myriad/core/ports/preprocessor";
import { getRun } from "@myriad/core/registry/run-queries";
import { createRun } from "@myriad/core/registry/runs";
import { DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES, readAwsConfig } from "@myriad/functions/aws/env";
import {
  ALL_REJECTED_SPILL_RATIO,
  LAMBDA_MB_PER_VCPU,
  LAMBDA_VCPU_SPEED,
  MEASURED_CSV_BYTES_PER_CPU_SECOND,
  PREPROCESS_LAMBDA,
} from "@myriad/functions/aws/preprocess-lambda-sizing";
import { preprocess } from "@myriad/core/ingest/preprocess";
import { createAwsPorts, createPreprocessor } from "@myriad/functions/aws/ports";
import { PreprocessRouter } from "@myriad/functions/aws/preprocess-router";
import {
  processingJobName,
  processingKeys,
  isMissingJob,
  SageMakerProcessingPreprocessor,
  type SageMakerProcessingOptions,
} from "@myriad/functions/aws/sagemaker-processing-preprocessor";
import { run as preprocessHandler } from "@myriad/functions/preprocess";
import { openDatabase } from "@myriad/local/database";
import { mockClient } from "aws-sdk-client-mock";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

/** How the deployed Preprocess Lambda plans training shards with the default configuration. */
const AWS_SHARDING = createAwsPorts(["trainSharding"], readAwsConfig({})).trainSharding;

const OPTIONS: SageMakerProcessingOptions = {
  bucket: "myriad-bucket",
  region: "eu-west-1",
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/training:abc",
  roleArn: "arn:aws:iam::123456789012:role/preprocess",
  instanceType: "ml.m5.xlarge",
  maxRuntimeSeconds: 7200,
  pollMs: 1,
  waitMs: 5_000,
};
const sagemakerClient = new SageMakerClient({ region: "eu-west-1" });
const sagemaker = mockClient(sagemakerClient);
/**
 * What SageMaker answers DescribeProcessingJob for a job that does not exist (yet): a
 * ValidationException, as the service sends it (the API reference's ResourceNotFound is not
 * what this call returns; see the SageMaker API reference, DescribeProcessingJob, Errors, and
 * the service's observed message).
 */
const notFound = () =>
  Object.assign(new Error("Could not find requested job with name myriad-preprocess-x"), {
    name: "ValidationException",
  });

const CSV = [...generateRows({ customers: 3, days: 4, start: new Date("2025-01-01"), seed: 7 })].join("");

function upload(store: MemoryObjectStore, key: string, body: string | Uint8Array, runId = "run-1"): RunInput {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  void store.put(key, bytes);
  return { runId, dataset: key.split("/")[1], bucket: "myriad-bucket", key, size: bytes.length, etag: "e" };
}

const processing = (store: MemoryObjectStore, options = OPTIONS) =>
  new SageMakerProcessingPreprocessor(sagemakerClient, store, options);

/** CreateProcessingJob answered as SageMaker would, then the container: core's job on the same bucket. */
function jobRunsOn(store: MemoryObjectStore) {
  sagemaker.on(CreateProcessingJobCommand).callsFake(async (request: CreateProcessingJobCommandInput) => {
    const env = request.Environment ?? {};
    await runPreprocessJob(store, {
      request: env.MYRIAD_PREPROCESS_REQUEST ?? "",
      outcome: env.MYRIAD_PREPROCESS_OUTCOME ?? "",
    });
    return { ProcessingJobArn: `arn:aws:sagemaker:eu-west-1:1:processing-job/${request.ProcessingJobName}` };
  });
}

describe("PreprocessRouter", () => {
  const never: Preprocessor = {
    run: () => Promise.reject(new Error("the remote job must not be used")),
  };
  const router = (store: MemoryObjectStore, mode: "auto" | "lambda" | "processing", remote = never) =>
    new PreprocessRouter({
      mode,
      maxLambdaBytes: 8_000,
      store,
      local: new InProcessPreprocessor(store),
      remote,
    });

  beforeEach(() => sagemaker.reset());

  it("preprocesses an input under the threshold in the Lambda, without SageMaker", async () => {
    const store = new MemoryObjectStore(4096);
    const input = upload(store, "raw/sales/small.csv", CSV);
    const result = await router(store, "auto").run({ ...input, size: 7_999 });
    expect(result).toMatchObject({ manifestKey: "manifests/sales/run-1.json", customers: 3 });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it("routes by size (gzip counting 8× by its bytes, not its name) and by MYRIAD_PREPROCESS_MODE", async () => {
    const store = new MemoryObjectStore();
    const csv = upload(store, "raw/sales/a.csv", "customer_id,timestamp,consumption\n");
    const gz = upload(store, "raw/sales/b.csv.gz", gzipSync("customer_id,timestamp,consumption\n"));
    const gzNamedCsv = upload(store, "raw/sales/c.csv", gzipSync("customer_id,timestamp,consumption\n"));
    const auto = router(store, "auto");
    expect(await auto.remote({ ...csv, size: 7_999 })).toBe(false);
    expect(await auto.remote({ ...csv, size: 8_000 })).toBe(true);
    expect(await auto.remote({ ...csv, size: 4_000 })).toBe(false);
    expect(await auto.remote({ ...gz, size: 999 })).toBe(false);
    expect(await auto.remote({ ...gz, size: 1_000 })).toBe(true);
    expect(await auto.remote({ ...gzNamedCsv, size: 1_000 })).toBe(true);
    expect(await router(store, "processing").remote({ ...csv, size: 1 })).toBe(true);
    expect(await router(store, "lambda").remote({ ...csv, size: 10 ** 12 })).toBe(false);
  });

  it("is what the AWS ports wire from MYRIAD_PREPROCESS_*; routing to the job needs its image and role", async () => {
    const store = new MemoryObjectStore(4096);
    const input = upload(store, "raw/sales/a.csv", CSV);
    const config = (env: Record<string, string>) => readAwsConfig({ MYRIAD_BUCKET: "b", ...env });
    expect(readAwsConfig({}).preprocess).toMatchObject({
      mode: "auto",
      maxLambdaBytes: DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES,
    });
    expect(() => readAwsConfig({ MYRIAD_PREPROCESS_MODE: "batch" })).toThrow(/MYRIAD_PREPROCESS_MODE/);
    await expect(
      createPreprocessor(config({ MYRIAD_PREPROCESS_MODE: "lambda" }), store).run(input),
    ).resolves.toMatchObject({ customers: 3 });
    // Fail-fast: a mode that may route to the job refuses to wire without its image and role.
    expect(() => createPreprocessor(config({ MYRIAD_PREPROCESS_MODE: "processing" }), store)).toThrow(
      /MYRIAD_PREPROCESS_IMAGE/,
    );
    expect(() =>
      createPreprocessor(
        config({ MYRIAD_PREPROCESS_IMAGE: "image", MYRIAD_PREPROCESS_MAX_LAMBDA_BYTES: "10" }),
        store,
      ),
    ).toThrow(/MYRIAD_PREPROCESS_ROLE_ARN/);
    const routed = createPreprocessor(
      config({ MYRIAD_PREPROCESS_IMAGE: "image", MYRIAD_PREPROCESS_ROLE_ARN: "arn:aws:iam::1:role/r" }),
      store,
    );
    expect(routed).toBeInstanceOf(PreprocessRouter);
    await expect(routed.run(input)).resolves.toMatchObject({ customers: 3 });
  });
});

describe("isMissingJob", () => {
  it("reads SageMaker's not-found answers as a missing job, and no other ValidationException", () => {
    expect(isMissingJob(notFound())).toBe(true);
    expect(isMissingJob(Object.assign(new Error("gone"), { name: "ResourceNotFound" }))).toBe(true);
    const invalid = Object.assign(
      new Error("1 validation error detected: Value 'x!' at 'processingJobName'"),
      {
        name: "ValidationException",
      },
    );
    expect(isMissingJob(invalid)).toBe(false);
  });
});

describe("SageMakerProcessingPreprocessor", () => {
  beforeEach(() => sagemaker.reset());

  it("starts a Processing job that runs the same preprocess and returns its result from the bucket", async () => {
    const store = new MemoryObjectStore(4096);
    const input = upload(store, "raw/sales/big.csv", CSV, "run-big");
    const name = processingJobName("sales", "run-big");
    const keys = processingKeys(input, name);
    jobRunsOn(store);
    sagemaker
      .on(DescribeProcessingJobCommand, { ProcessingJobName: name })
      .rejectsOnce(notFound())
      .resolvesOnce({ ProcessingJobStatus: "InProgress" })
      .resolves({ ProcessingJobStatus: "Completed" });

    const result = await processing(store).run(input);

    const request = sagemaker.commandCalls(CreateProcessingJobCommand)[0].args[0].input;
    expect(name).toMatch(/^myriad-pre-sales-[0-9a-f]{12}$/);
    expect(request).toEqual({
      ProcessingJobName: name,
      RoleArn: OPTIONS.roleArn,
      AppSpecification: { ImageUri: OPTIONS.image, ContainerEntrypoint: ["preprocess"] },
      ProcessingResources: {
        ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
      },
      StoppingCondition: { MaxRuntimeInSeconds: 7200 },
      Environment: {
        MYRIAD_BUCKET: "myriad-bucket",
        MYRIAD_PREPROCESS_REQUEST: "runs/sales/run-big/preprocess-request.json",
        MYRIAD_PREPROCESS_OUTCOME: `runs/sales/run-big/preprocess/${name}.json`,
        AWS_REGION: "eu-west-1",
        TMPDIR: "/opt/ml/processing/tmp",
      },
      Tags: [
        { Key: "myriad:dataset", Value: "sales" },
        { Key: "myriad:run", Value: "run-big" },
      ],
    });
    expect(JSON.parse(store.text(keys.request) ?? "null")).toMatchObject({ input });
    // The same result, and the same files, as preprocessing in this process.
    const local = new MemoryObjectStore(4096);
    const expected = await new InProcessPreprocessor(local).run(upload(local, input.key, CSV, "run-big"));
    expect(result).toEqual(expected);
    for (const key of ["customers/sales/0/data.csv", "customers/sales/2/data.csv"]) {
      expect(store.text(key), key).toBe(local.text(key));
    }
  });

  it("sizes the job's volume to spill a quarantine as large as the CSV", async () => {
    const store = new MemoryObjectStore();
    const input = { ...upload(store, "raw/sales/huge.csv", CSV), size: 100 * 1024 ** 3 };
    sagemaker
      .on(DescribeProcessingJobCommand)
      .rejectsOnce(notFound())
      .resolves({ ProcessingJobStatus: "InProgress" });
    sagemaker.on(CreateProcessingJobCommand).resolves({});
    await expect(processing(store, { ...OPTIONS, waitMs: 0 }).run(input)).rejects.toBeInstanceOf(
      PreprocessPending,
    );
    const request = sagemaker.commandCalls(CreateProcessingJobCommand)[0].args[0].input;
    // Room for the quarantine of 100 GiB of all-rejected rows (2.5 bytes per byte) and 10 GB.
    expect(request.ProcessingResources?.ClusterConfig?.VolumeSizeInGB).toBe(260);
  });

  it("throws PreprocessPending while the job runs past the wait", async () => {
    const store = new MemoryObjectStore();
    const input = upload(store, "raw/sales/big.csv", CSV, "run-wait");
    sagemaker.on(CreateProcessingJobCommand).resolves({});
    sagemaker
      .on(DescribeProcessingJobCommand)
      .rejectsOnce(notFound())
      .resolves({ ProcessingJobStatus: "InProgress" });
    const error = await processing(store, { ...OPTIONS, waitMs: 0 })
      .run(input)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreprocessPending);
    expect((error as Error).message).toBe(
      `processing job ${processingJobName("sales", "run-wait")} is still InProgress`,
    );
  });

  it("follows the existing job when called again for the same run, without creating another", async () => {
    const store = new MemoryObjectStore(4096);
    const input = upload(store, "raw/sales/big.csv", CSV, "run-again");
    // The job the first call started has finished: its request and outcome are in the bucket.
    const keys = processingKeys(input, processingJobName("sales", "run-again"));
    await store.put(keys.request, JSON.stringify({ input, now: new Date().toISOString() }));
    const outcome = await runPreprocessJob(store, keys);
    sagemaker.on(DescribeProcessingJobCommand).resolves({ ProcessingJobStatus: "Completed" });
    expect(await processing(store).run(input)).toEqual(outcome.ok && outcome.result);
    expect(sagemaker.commandCalls(CreateProcessingJobCommand)).toHaveLength(0);
  });

  it("follows the job another call created a moment before (ResourceInUse)", async () => {
    const store = new MemoryObjectStore(4096);
    const input = upload(store, "raw/sales/big.csv", CSV, "run-race");
    const name = processingJobName("sales", "run-race");
    sagemaker
      .on(CreateProcessingJobCommand)
      .rejects(Object.assign(new Error("Job name must be unique"), { name: "ResourceInUse" }));
    sagemaker
      .on(DescribeProcessingJobCommand)
      .rejectsOnce(notFound())
      .resolves({ ProcessingJobStatus: "Completed" });
    // The other call's job wrote its outcome.
    await store.put(
      processingKeys(input, name).outcome,
      JSON.stringify({ ok: true, result: { manifestKey: "manifests/sales/run-race.json", customers: 3 } }),
    );
    await expect(processing(store).run(input)).resolves.toMatchObject({ customers: 3 });
  });

  it("fails with SageMaker's FailureReason and the exit message, then a redrive starts the next job", async () => {
    const store = new MemoryObjectStore();
    const input = upload(store, "raw/sales/big.csv", CSV, "run-fail");
    const first = processingJobName("sales", "run-fail");
    const second = processingJobName("sales", "run-fail", 2);
    sagemaker.on(DescribeProcessingJobCommand, { ProcessingJobName: first }).resolves({
      ProcessingJobStatus: "Failed",
      FailureReason: "AlgorithmError: See job logs for more information",
      ExitMessage: "AccessDenied: raw/sales/big.csv\n",
    });
    await expect(processing(store).run(input)).rejects.toThrow(
      `processing job ${first} failed: AlgorithmError: See job logs for more information (AccessDenied: raw/sales/big.csv)`,
    );
    expect(sagemaker.commandCalls(CreateProcessingJobCommand)).toHaveLength(0);

    // Redrive: the failure was reported, so the next attempt gets a job of its own.
    sagemaker
      .on(DescribeProcessingJobCommand, { ProcessingJobName: second })
      .rejectsOnce(notFound())
      .resolves({
        ProcessingJobStatus: "InProgress",
      });
    sagemaker.on(CreateProcessingJobCommand).resolves({});
    await expect(processing(store, { ...OPTIONS, waitMs: 0 }).run(input)).rejects.toBeInstanceOf(
      PreprocessPending,
    );
    const created = sagemaker
      .commandCalls(CreateProcessingJobCommand)
      .map((c) => c.args[0].input.ProcessingJobName);
    expect(created).toEqual([second]);
    expect(second).toBe(`${first}-2`);
  });

  it("rethrows a bad input as the same MyriadError the Lambda would have thrown", async () => {
    const bad = "customer_id,timestamp,consumption\nc1,not a time,1\n";
    const store = new MemoryObjectStore();
    const input = upload(store, "raw/sales/bad.csv", bad, "run-bad");
    jobRunsOn(store);
    sagemaker
      .on(DescribeProcessingJobCommand)
      .rejectsOnce(notFound())
      .resolves({ ProcessingJobStatus: "Failed", FailureReason: "AlgorithmError: exit code 1" });
    const remote = await processing(store)
      .run(input)
      .catch((e: unknown) => e);
    const local = new MemoryObjectStore();
    const inProcess = await new InProcessPreprocessor(local)
      .run(upload(local, input.key, bad, "run-bad"))
      .catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(MyriadError);
    expect(inProcess).toBeInstanceOf(MyriadError);
    const fields = (e: unknown) => {
      const { status, code, message, details } = e as MyriadError;
      return { status, code, message, details };
    };
    expect(fields(remote)).toEqual(fields(inProcess));
    expect(fields(remote).code).toBe("no_valid_rows");
  });
});

describe("the Preprocess handler", () => {
  const db = openDatabase({});
  beforeAll(() => migrateToLatest(db as Kysely<unknown>));
  afterAll(() => db.destroy());

  it("returns pending while the job runs, then the result with the run's counts", async () => {
    const store = new MemoryObjectStore(4096);
    const input = upload(store, "raw/sales/big.csv", CSV, "run-handler");
    await createRun(db, input);
    sagemaker.reset();
    sagemaker.on(CreateProcessingJobCommand).resolves({});
    sagemaker
      .on(DescribeProcessingJobCommand)
      .rejectsOnce(notFound())
      .resolves({ ProcessingJobStatus: "InProgress" });
    const ports = {
      db,
      store,
      trainSharding: AWS_SHARDING,
      preprocessor: new PreprocessRouter({
        mode: "processing",
        maxLambdaBytes: 0,
        store,
        local: new InProcessPreprocessor(store),
        remote: processing(store, { ...OPTIONS, waitMs: 0 }),
      }),
    } as unknown as Parameters<typeof preprocessHandler>[1];

    expect(await preprocessHandler(input, ports)).toEqual({ pending: true });
    const counts = async () => {
      const raw = (await getRun(db, "run-handler"))?.run.counts;
      return (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown>;
    };
    expect((await counts()).preprocessPending).toMatch(/is still InProgress/);

    // The job finishes (here: core's job run on the same bucket) and the next call returns its result.
    const name = processingJobName("sales", "run-handler");
    await runPreprocessJob(store, processingKeys(input, name));
    sagemaker.on(DescribeProcessingJobCommand).resolves({ ProcessingJobStatus: "Completed" });
    const done = await preprocessHandler(input, ports);
    expect(done).toMatchObject({ customers: 3, rows: { in: 288, out: 288, quarantined: 0 } });
    expect(await counts()).toMatchObject({ customers: 3, rows: { in: 288 } });
  });

  it("refuses a dataset pinning Prophet in AWS, or an unknown algorithm anywhere, before training", async () => {
    const aws = createAwsPorts(["unavailableAlgorithms"], readAwsConfig({}));
    const store = new MemoryObjectStore();
    const ports = (unavailableAlgorithms?: Readonly<Record<string, string>>) =>
      ({
        db,
        store,
        trainSharding: AWS_SHARDING,
        preprocessor: new InProcessPreprocessor(store),
        unavailableAlgorithms,
      }) as unknown as Parameters<typeof preprocessHandler>[1];
    await store.put("raw/prophet/_dataset.json", JSON.stringify({ algorithm: "Prophet" }));
    const input = upload(store, "raw/prophet/a.csv", CSV, "run-prophet");
    await createRun(db, input);
    const refused = await preprocessHandler(input, ports(aws.unavailableAlgorithms)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MyriadError);
    expect(refused).toMatchObject({
      code: "algorithm_unavailable",
      message: expect.stringMatching(/Prophet's WebAssembly/),
    });
    // The embedded stack runs it.
    expect(await preprocessHandler(input, ports())).toMatchObject({ customers: 3 });
    await store.put("raw/prophet/_dataset.json", JSON.stringify({ algorithm: "Profet" }));
    await expect(preprocessHandler(input, ports())).rejects.toMatchObject({
      code: "invalid_dataset_config",
      message: expect.stringMatching(/algorithm "Profet" is not one of .*Prophet/),
    });
  });

  it("waits for an earlier run of the dataset with the AWS wiring, which has no state machine ARN", async () => {
    // Step Functions runs executions at once ("Standard vs. Express workflows": no ordering
    // between executions), so the Preprocess Lambda's wiring (no state machine ARN) leaves the
    // ordering to Preprocess, which reads the runs table.
    const { datasetOrder } = createAwsPorts(
      ["datasetOrder"],
      readAwsConfig({ MYRIAD_BUCKET: "b", MYRIAD_PREPROCESS_MODE: "lambda" }),
    );
    expect(datasetOrder).toBe("preprocess");
    const store = new MemoryObjectStore();
    const first = upload(store, "raw/ordered/a.csv", CSV, "run-ordered-1");
    await createRun(db, first);
    await new Promise((r) => setTimeout(r, 2));
    const second = upload(store, "raw/ordered/b.csv", CSV, "run-ordered-2");
    await createRun(db, second);
    const ports = {
      db,
      store,
      datasetOrder,
      trainSharding: AWS_SHARDING,
      preprocessor: new InProcessPreprocessor(store),
    } as unknown as Parameters<typeof preprocessHandler>[1];
    expect(await preprocessHandler(second, ports)).toEqual({ pending: true });
  });
});

describe("the Preprocess Lambda's size and threshold", () => {
  it("fits an all-rejected input at the threshold in /tmp, and reads it within its time budget", async () => {
    // Lambda: ephemeral storage (/tmp) is 512 MB unless configured, at most 10,240 MB
    // (configuration-ephemeral-storage.html); 1,769 MB of memory is one vCPU
    // (configuration-memory.html); a function stops at 900 s. Preprocess spills a quarantine
    // past 1 MiB to /tmp, and a file can be all bad rows: measure how much it spills per
    // input byte for the rejections that cost the most.
    const [header, ...lines] = [
      ...generateRows({ customers: 20, days: 10, start: new Date("2025-01-01"), seed: 7 }),
    ]
      .join("")
      .trimEnd()
      .split("\n");
    const rejections: Record<string, (line: string) => string> = {
      unparsable_timestamp: (l) => l.replace(/^([^,]*),([^,]*),/, "$1,yesterday,"),
      timestamp_out_of_range: (l) => l.replace(/^([^,]*),(\d{4})/, "$1,1800"),
      non_numeric_value: (l) => l.replace(/,([^,]*)$/, ",n/a"),
      negative_value: (l) => l.replace(/,([^,]*)$/, ",-$1"),
    };
    let worst = 0;
    for (const [reason, reject] of Object.entries(rejections)) {
      const body = new TextEncoder().encode(`${header}\n${lines.map(reject).join("\n")}\n`);
      const store = new MemoryObjectStore(4096);
      await store.put("raw/s/a.csv", body);
      const input = {
        runId: "r",
        dataset: "s",
        bucket: "b",
        key: "raw/s/a.csv",
        size: body.length,
        etag: "e",
      };
      await expect(preprocess(store, input)).rejects.toMatchObject({ code: "no_valid_rows" });
      const quarantine = (await store.get("quarantine/s/r.csv"))!;
      expect(new TextDecoder().decode(quarantine)).toContain(reason);
      worst = Math.max(worst, quarantine.length / body.length);
    }
    expect(worst).toBeGreaterThan(1.5);
    expect(worst).toBeLessThanOrEqual(ALL_REJECTED_SPILL_RATIO);

    const threshold = DEFAULT_PREPROCESS_MAX_LAMBDA_BYTES;
    expect(threshold).toBeGreaterThan(0);
    expect(PREPROCESS_LAMBDA.ephemeralStorageMb).toBeLessThanOrEqual(10_240);
    expect(threshold * ALL_REJECTED_SPILL_RATIO).toBeLessThan(
      PREPROCESS_LAMBDA.ephemeralStorageMb * 1024 ** 2,
    );
    // Single-threaded parsing on the vCPU the memory buys, at the assumed Lambda vCPU speed.
    const vcpu = Math.min(1, PREPROCESS_LAMBDA.memoryMb / LAMBDA_MB_PER_VCPU);
    const seconds = threshold / (MEASURED_CSV_BYTES_PER_CPU_SECOND * LAMBDA_VCPU_SPEED * vcpu);
    expect(seconds).toBeLessThanOrEqual(PREPROCESS_LAMBDA.budgetSeconds);
    expect(PREPROCESS_LAMBDA.budgetSeconds).toBeLessThan(PREPROCESS_LAMBDA.timeoutSeconds);
  });
});
