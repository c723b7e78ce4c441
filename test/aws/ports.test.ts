import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import { readAwsConfig } from "@myriad/functions/aws/env";
import { BackendRouter, createAwsPorts, type RoutedTrainJob } from "@myriad/functions/aws/ports";
import { describe, expect, it } from "vitest";
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
  it("wires without connecting; an unconfigured port throws naming its variable when used", async () => {
    const ports = await createAwsPorts(readAwsConfig({ AWS_REGION: "us-east-1" }));
    expect(ports.bucket).toBe("");
    await expect(async () => ports.store.get("x")).rejects.toThrow(/MYRIAD_BUCKET/);
    await expect(async () => ports.runner.start({} as never)).rejects.toThrow(/MYRIAD_STATE_MACHINE_ARN/);
    await expect(async () => ports.endpoint.warm([])).rejects.toThrow(/MYRIAD_ENDPOINT_NAME/);
    expect(() => ports.db.selectFrom("runs")).toThrow(/MYRIAD_DB_SECRET_ARN or DATABASE_URL/);
    // The sagemaker backend needs its image and role.
    const sagemaker = await createAwsPorts(
      readAwsConfig({ AWS_REGION: "us-east-1", MYRIAD_BUCKET: "b", MYRIAD_TRAINING_BACKEND: "sagemaker" }),
    );
    await expect(sagemaker.training.train(jobsFor("sales", ["c1"]))).rejects.toThrow(/MYRIAD_TRAINING_IMAGE/);
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
