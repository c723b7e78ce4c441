import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import { readAwsConfig } from "@myriad/functions/aws/env";
import { BackendRouter, type RoutedTrainJob } from "@myriad/functions/aws/backend-router";
import { createAwsPorts } from "@myriad/functions/aws/ports";
import { lambda } from "@myriad/functions/lib/lambda";
import { main as preprocessMain } from "@myriad/functions/preprocess";
import { main as warmMain } from "@myriad/functions/warm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { jobsFor } from "./fixtures.ts";

describe("AWS configuration", () => {
  it("reads the environment with defaults", () => {
    const config = readAwsConfig({
      AWS_REGION: "eu-west-1",
      MYRIAD_BUCKET: "b",
      MYRIAD_TRAINING_BACKEND: "sagemaker",
      MYRIAD_TRAINING_INSTANCE_COUNT: "4",
    });
    expect(config).toMatchObject({
      region: "eu-west-1",
      bucket: "b",
      trainingBackend: "sagemaker",
      training: { instanceCount: 4, instanceType: "ml.m5.large", maxSeconds: 3600 },
      trainConcurrency: 4,
    });
    expect(readAwsConfig({}).trainingBackend).toBe("local");
  });

  it("names the variable that is malformed", () => {
    expect(() => readAwsConfig({ MYRIAD_TRAINING_BACKEND: "gpu" })).toThrow(/MYRIAD_TRAINING_BACKEND/);
    expect(() => readAwsConfig({ MYRIAD_TRAINING_INSTANCE_COUNT: "two" })).toThrow(
      /MYRIAD_TRAINING_INSTANCE_COUNT/,
    );
  });
});

describe("createAwsPorts", () => {
  // Lambda runs the handler's init on the first invocation of a new execution environment
  // ("Lambda execution environment lifecycle", AWS Lambda Developer Guide): that is where the
  // wrapper builds the declared ports, so missing configuration fails the first invocation.
  it("builds exactly the declared ports, without connecting", () => {
    const ports = createAwsPorts(
      ["store", "bucket", "runner"],
      readAwsConfig({
        AWS_REGION: "us-east-1",
        MYRIAD_BUCKET: "b",
        MYRIAD_STATE_MACHINE_ARN: "arn:aws:states:us-east-1:1:stateMachine:p",
      }),
    );
    expect(Object.keys(ports).sort()).toEqual(["bucket", "runner", "store"]);
    expect(ports.bucket).toBe("b");
    // The authorizer has only the database's variables, and needs nothing else.
    const authorizer = createAwsPorts(["db"], readAwsConfig({ MYRIAD_DB_SECRET_ARN: "arn:secret" }));
    expect(Object.keys(authorizer)).toEqual(["db"]);
  });

  it("fails at once naming every variable a declared port lacks", () => {
    const wire = () =>
      createAwsPorts(
        ["store", "runner", "endpoint", "db", "uploads"],
        readAwsConfig({ AWS_REGION: "us-east-1" }),
      );
    expect(wire).toThrow(/store: environment variable MYRIAD_BUCKET is required/);
    expect(wire).toThrow(/runner: environment variable MYRIAD_STATE_MACHINE_ARN is required/);
    expect(wire).toThrow(/endpoint: environment variable MYRIAD_ENDPOINT_NAME is required/);
    expect(wire).toThrow(/db: environment variable MYRIAD_DB_SECRET_ARN \(or DATABASE_URL\) is required/);
    // The deploy's default training backend is built at the cold start, so it fails there too.
    expect(() =>
      createAwsPorts(
        ["training"],
        readAwsConfig({ AWS_REGION: "us-east-1", MYRIAD_BUCKET: "b", MYRIAD_TRAINING_BACKEND: "sagemaker" }),
      ),
    ).toThrow(/training: environment variable MYRIAD_TRAINING_IMAGE is required/);
  });

  it("leaves dataset ordering to Preprocess, which reads the runs table (no runner needed)", () => {
    expect(createAwsPorts(["datasetOrder"], readAwsConfig({}))).toEqual({ datasetOrder: "preprocess" });
    expect(preprocessMain.ports).not.toContain("runner");
    expect(preprocessMain.ports).toContain("datasetOrder");
  });
});

describe("the Lambda wrapper", () => {
  const saved = { ...process.env };
  // As Lambda sets it before the function's code loads (the wrapper's logger is made once).
  beforeAll(() => {
    saved.POWERTOOLS_SERVICE_NAME = "myriad-train";
    process.env.POWERTOOLS_SERVICE_NAME = "myriad-train";
  });
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  it("builds the handler's slice on the first invocation and refuses to run without its configuration", async () => {
    delete process.env.MYRIAD_BUCKET;
    const seen: string[][] = [];
    const main = lambda(undefined, ["store", "bucket"], async (_event: unknown, ports) => {
      seen.push(Object.keys(ports).sort());
      return ports.bucket;
    });
    expect(main.ports).toEqual(["store", "bucket"]);
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await expect(main({})).rejects.toThrow(/MYRIAD_BUCKET/);
    expect(seen).toEqual([]);
    process.env.MYRIAD_BUCKET = "bucket-1";
    expect(await main({})).toBe("bucket-1");
    expect(seen).toEqual([["bucket", "store"]]);
  });

  it("gives a state handler the database too, where its attempt is recorded", () => {
    const main = lambda("Warm", ["endpoint"], async () => ({}));
    expect([...main.ports].sort()).toEqual(["db", "endpoint"]);
    expect([...warmMain.ports].sort()).toEqual(["db", "endpoint"]);
  });

  it("logs and emits metrics under the function's POWERTOOLS_SERVICE_NAME", async () => {
    // Powertools: the service name comes from the constructor, else POWERTOOLS_SERVICE_NAME
    // ("Logger: Utility settings", Powertools for AWS Lambda (TypeScript)); the wrapper passes none.
    process.env.MYRIAD_BUCKET = "b";
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    await lambda(undefined, ["bucket"], async () => "ok")({});
    const records = lines
      .flatMap((l) => l.split("\n"))
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const log = records.find((r) => r.message === "done");
    expect(log?.service).toBe("myriad-train");
    const emf = records.find((r) => r._aws?.CloudWatchMetrics);
    expect(emf?.service).toBe("myriad-train");
  });
});

describe("BackendRouter", () => {
  it("sends each job to its dataset's backend, the default otherwise, and keeps the order", async () => {
    const seen: Record<string, string[]> = {};
    const fake = (name: string) => ({
      async train(
        jobs: TrainJob[],
        onProgress?: (done: number, total: number) => void,
      ): Promise<TrainResult[]> {
        seen[name] = jobs.map((j) => j.customerId);
        onProgress?.(jobs.length, jobs.length);
        return jobs.map((j) => ({ ok: false, customerId: j.customerId, error: name }));
      },
    });
    const built: string[] = [];
    const router = new BackendRouter("sagemaker", (name) => {
      built.push(name);
      return fake(name);
    });
    const [a, b, c] = jobsFor("sales", ["a", "b", "c"]);
    const jobs: RoutedTrainJob[] = [{ ...a, backend: "local" }, b, { ...c, backend: "local" }];
    const progress: number[] = [];
    const results = await router.train(jobs, (done) => progress.push(done));
    expect(results.map((r) => [r.customerId, (r as { error: string }).error])).toEqual([
      ["a", "local"],
      ["b", "sagemaker"],
      ["c", "local"],
    ]);
    expect(seen).toEqual({ local: ["a", "c"], sagemaker: ["b"] });
    expect(built.sort()).toEqual(["local", "sagemaker"]);
    expect(progress.at(-1)).toBe(3);
  });
});
