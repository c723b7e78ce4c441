import { unpackArtifact } from "@myriad/core/artifact/archive";
import type { TrainJob, TrainResult } from "@myriad/core/forecasting/train-job";
import {
  TRAINING_LAYOUT as LAMBDA_LAYOUT,
  trainingJobRequest,
} from "@myriad/functions/aws/sagemaker-training-backend";
import { TRAINING_LAYOUT } from "@myriad/model-server/training/sagemaker-paths";
import { runTraining } from "@myriad/model-server/training/train";
import { Keys } from "@myriad/core/dataset/keys";
import { ingestDriverFile } from "@myriad/core/drivers/ingest-driver-file";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { spawn } from "node:child_process";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { hourlyCsv, jobsFor } from "./fixtures.ts";

const MAIN = fileURLToPath(new URL("../../packages/model-server/src/training/main.ts", import.meta.url));
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function write(path: string, body: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
}

/** A fake /opt/ml as SageMaker lays it out on `host` of `hosts`, holding `present` customers. */
function fakeOptMl(o: {
  host: string;
  hosts: string[];
  jobs: TrainJob[] | string;
  present: Record<string, string>;
  distribution: string;
}) {
  const root = mkdtempSync(join(tmpdir(), "opt-ml-"));
  roots.push(root);
  write(
    join(root, "input/config/resourceconfig.json"),
    JSON.stringify({ current_host: o.host, hosts: o.hosts, network_interface_name: "eth0" }),
  );
  write(
    join(root, "input/config/inputdataconfig.json"),
    JSON.stringify({
      train: { TrainingInputMode: "File", S3DistributionType: o.distribution, RecordWrapperType: "None" },
      jobs: { TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None" },
    }),
  );
  write(join(root, "input/config/hyperparameters.json"), JSON.stringify({ dataset: "sales", version: "v" }));
  if (typeof o.jobs !== "string" || o.jobs !== "absent") {
    write(
      join(root, "input/data/jobs/jobs.json"),
      typeof o.jobs === "string" ? o.jobs : JSON.stringify(o.jobs),
    );
  }
  for (const [id, csv] of Object.entries(o.present))
    write(join(root, `input/data/train/${id}/data.csv`), csv);
  return root;
}
const results = (root: string, host: string) =>
  JSON.parse(readFileSync(join(root, "checkpoints/results", `${host}.json`), "utf8")) as TrainResult[];

describe("SageMaker training entry point", () => {
  it("trains this host's shard (ShardedByS3Key) into one artifact per customer under checkpoints/", async () => {
    const jobs = jobsFor("sales", ["c1", "c2", "c3", "c4"]);
    const root = fakeOptMl({
      host: "algo-2",
      hosts: ["algo-1", "algo-2"],
      jobs,
      distribution: "ShardedByS3Key",
      present: { c2: hourlyCsv(14), c4: "timestamp,value\n" },
    });
    const summary = await runTraining({ root });
    expect(summary).toMatchObject({
      host: "algo-2",
      hosts: 2,
      assigned: 2,
      trained: 1,
      failed: 1,
      resumed: 0,
    });
    expect(results(root, "algo-2").map((r) => [r.customerId, r.ok])).toEqual([
      ["c2", true],
      ["c4", false],
    ]);
    // Each artifact is its own file at checkpoints/<modelKey>: SageMaker uploads them one by one.
    const artifact = await unpackArtifact(readFileSync(join(root, "checkpoints", jobs[1].modelKey)));
    expect(artifact).toMatchObject({ customerId: "c2", dataset: "sales", version: jobs[1].version });
    expect(existsSync(join(root, "checkpoints", jobs[3].modelKey))).toBe(false);
    expect(readdirSync(join(root, "model"))).toEqual(["summary-algo-2.json"]);
    expect(existsSync(join(root, "output/failure"))).toBe(false);
  });

  it("splits replicated data by host index and resumes from restored checkpoints", async () => {
    const jobs = jobsFor("sales", ["c1", "c2", "c3"]);
    const present = { c1: hourlyCsv(14), c2: hourlyCsv(14, 30), c3: hourlyCsv(14, 50) };
    const root = fakeOptMl({
      host: "algo-1",
      hosts: ["algo-2", "algo-1"],
      jobs,
      distribution: "FullyReplicated",
      present,
    });
    expect(await runTraining({ root })).toMatchObject({ assigned: 2, trained: 2 });
    expect(results(root, "algo-1").map((r) => r.customerId)).toEqual(["c1", "c3"]);
    // A Spot restart: checkpoints come back, nothing is trained twice.
    expect(await runTraining({ root })).toMatchObject({ assigned: 2, trained: 2, resumed: 2 });
  });

  it("writes output/failure and fails when the job cannot start", async () => {
    const root = fakeOptMl({
      host: "algo-1",
      hosts: ["algo-1"],
      jobs: "absent",
      distribution: "ShardedByS3Key",
      present: {},
    });
    await expect(runTraining({ root })).rejects.toThrow(/jobs\.json/);
    expect(readFileSync(join(root, "output/failure"), "utf8")).toMatch(/cannot read .*jobs\.json/);

    const mixed = fakeOptMl({
      host: "algo-1",
      hosts: ["algo-1"],
      jobs: [...jobsFor("a", ["c1"]), ...jobsFor("b", ["c1"])],
      distribution: "ShardedByS3Key",
      present: {},
    });
    await expect(runTraining({ root: mixed })).rejects.toThrow(/one dataset/);
    expect(readFileSync(join(mixed, "output/failure"), "utf8")).toMatch(/one dataset/);
  });

  it("lays the dataset's drivers from the drivers channel on each customer's grid", async () => {
    // The stored related series, as on-upload writes it under drivers/<dataset>/.
    const staging = new MemoryObjectStore();
    const weather = ["timestamp,customer_id,temperature"];
    for (let i = 0; i < 14 * 24 + 24; i++)
      weather.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()},c1,${(i % 24) / 2}`);
    await staging.put("raw/sales/related/weather.csv", `${weather.join("\n")}\n`);
    expect((await ingestDriverFile(staging, "raw/sales/related/weather.csv")).stored).toBe(true);
    const stored = (await staging.get(Keys.driversRelated("sales", "weather")))!;
    // A run of its own (drivers are loaded once per run and process); 15 January a holiday.
    const jobs = jobsFor("sales", ["c1"]).map((j) => ({
      ...j,
      version: `${j.version}-drivers`,
      holidays: { countries: [], dates: ["2024-01-15"] },
    }));
    const root = fakeOptMl({
      host: "algo-1",
      hosts: ["algo-1"],
      jobs,
      distribution: "FullyReplicated",
      present: { c1: hourlyCsv(14) },
    });
    write(join(root, "input/data/drivers/related/weather.json"), new TextDecoder().decode(stored));
    expect((await runTraining({ root })).trained).toBe(1);
    const artifact = await unpackArtifact(readFileSync(join(root, "checkpoints", jobs[0].modelKey)));
    expect(artifact.drivers?.fields.temperature).toHaveLength(24);
    expect(artifact.drivers?.fields.temperature?.[3]).toBe(1.5);
    // The 24 steps after two weeks of January are the 15th: every hour a holiday.
    expect(artifact.drivers?.holiday).toEqual(new Array(24).fill(1));
  });

  it("trains on one worker process per vCPU (os.availableParallelism(), or MYRIAD_TRAIN_WORKERS)", async () => {
    // The container's own command, as SageMaker runs it: `node train.cjs train` here
    // `node --import tsx main.ts`, whose worker processes inherit the flag.
    const jobs = jobsFor("sales", ["c1", "c2", "c3", "c4", "c5"]);
    const present = Object.fromEntries(jobs.map((j, i) => [j.customerId, hourlyCsv(14, 10 + i)]));
    const run = async (env: Record<string, string>) => {
      const root = fakeOptMl({
        host: "algo-1",
        hosts: ["algo-1"],
        jobs,
        distribution: "ShardedByS3Key",
        present,
      });
      const child = spawn(process.execPath, ["--import", "tsx", MAIN, "train"], {
        env: { ...process.env, SM_ROOT: root, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code, out).toBe(0);
      const summary = JSON.parse(out.trim().split("\n").at(-1)!);
      const pids = new Set([...out.matchAll(/worker pid (\d+)/g)].map((m) => Number(m[1])));
      expect(pids.has(child.pid!)).toBe(false);
      return { root, summary, pids };
    };

    // No MYRIAD_TRAIN_WORKERS: one worker per vCPU of this machine.
    const { root, summary, pids } = await run({ MYRIAD_TRAIN_WORKERS: "" });
    const workers = Math.min(availableParallelism(), jobs.length);
    expect(summary).toMatchObject({ workers, assigned: 5, trained: 5 });
    expect(pids.size).toBe(workers);
    // Results in job order, whichever worker trained each customer.
    expect(results(root, "algo-1").map((r) => [r.customerId, r.ok])).toEqual(
      jobs.map((j) => [j.customerId, true]),
    );
    for (const job of jobs) expect(existsSync(join(root, "checkpoints", job.modelKey))).toBe(true);
  }, 60_000);

  it("agrees with the Lambda side on channels, files and checkpoint layout", () => {
    expect(TRAINING_LAYOUT).toEqual(LAMBDA_LAYOUT);
    const options = {
      bucket: "b",
      image: "i",
      roleArn: "r",
      instanceType: "ml.m5.large",
      instanceCount: 2,
      maxRuntimeSeconds: 60,
    };
    const request = trainingJobRequest("sales", "v", options);
    expect(request.InputDataConfig?.map((c) => c.ChannelName)).toEqual([
      TRAINING_LAYOUT.trainChannel,
      TRAINING_LAYOUT.jobsChannel,
    ]);
    expect(request.InputDataConfig?.[1].DataSource?.S3DataSource?.S3Uri).toMatch(
      new RegExp(`/${TRAINING_LAYOUT.jobsFile}$`),
    );
    expect(request.CheckpointConfig?.LocalPath).toBe("/opt/ml/checkpoints");
    // A dataset with drivers gets them on every host.
    const withDrivers = trainingJobRequest("sales", "v", { ...options, instanceCount: 2 }, 1, true);
    expect(withDrivers.InputDataConfig?.[2]).toMatchObject({
      ChannelName: TRAINING_LAYOUT.driversChannel,
      DataSource: {
        S3DataSource: { S3Uri: "s3://b/drivers/sales/", S3DataDistributionType: "FullyReplicated" },
      },
    });
  });
});
