import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainResult } from "@myriad/core/forecasting/train-job";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { trainStep } from "@myriad/core/pipeline/steps/train-step";
import { shardResultsKey } from "@myriad/core/pipeline/train-shards";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

/**
 * The TrainShards Distributed Map on the embedded stack, which runs the deployed ASL document
 * with aws-local-stepfunctions (Map iterations inline, MaxConcurrency at a time): a few hundred
 * customers in four shards of 50.
 */
const CUSTOMERS = 200;
const SHARD_SIZE = 50;
const SHARDS = CUSTOMERS / SHARD_SIZE;

interface RunDetail {
  runId: string;
  dataset: string;
  status: string;
  error: string | null;
  counts: {
    trainProgress?: { done: number; total: number };
    customersTrained?: number;
    customersPublished?: number;
  };
  states: { name: string; status: string; summary: Record<string, unknown> }[];
}

describe("training fanned out over TrainShards, a Distributed Map, on the embedded stack", () => {
  let stack: TestStack;
  /** TrainShard starts seen so far, and the one (if any) whose start fails its shard. */
  let shardStarts = 0;
  let failShardStart: number | undefined;
  /** The run the first test trained, for Train's own checks. */
  let firstRun: string;

  beforeAll(async () => {
    stack = await startTestStack(
      "pglite",
      (line) => {
        // The stack logs `<runId>  <State>` as each Task starts, before its handler: throwing
        // here fails that shard as a crashed Lambda would, with no fault code in the product.
        if (!line.endsWith("  TrainShard")) return;
        if (++shardStarts === failShardStart)
          throw Object.assign(new Error("the shard's Lambda crashed"), { name: "ShardCrashed" });
      },
      // Train pauses before it gathers the shards, so the test can read what the shards added.
      { trainShardSize: SHARD_SIZE, stateDelays: { Train: 3000 } },
    );
  }, 60_000);
  afterAll(() => stack?.shutdown());

  const run = async (runId: string) => (await (await stack.api(`/v1/runs/${runId}`)).json()) as RunDetail;
  const runOf = (dataset: string) =>
    waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: RunDetail[] };
      return runs.find((r) => r.dataset === dataset)?.runId;
    }, 30_000);
  const shardResults = async (dataset: string, runId: string, shard: number) => {
    const bytes = await stack.ports.store.get(shardResultsKey(dataset, runId, shard));
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as TrainResult[]) : undefined;
  };
  const modelsOf = (runId: string) =>
    stack.ports.db.selectFrom("models").select(["customer_id"]).where("run_id", "=", runId).execute();
  const mtime = async (key: string) => (await stat(join(stack.ports.bucketDir, key))).mtimeMs;

  it("trains every customer exactly once across the shards; progress sums; Register and Publish see all", async () => {
    await stack.drop("readings.csv", { customers: CUSTOMERS, days: 14 });
    const runId = await runOf("default");
    firstRun = runId;
    // While Train waits, the run's progress is the sum of what the four shards added.
    const atTrain = await waitFor(async () => {
      const r = await run(runId);
      return r.states.some((s) => s.name === "Train") || r.status !== "RUNNING" ? r : undefined;
    }, 240_000);
    expect(atTrain.counts.trainProgress).toEqual({ done: CUSTOMERS, total: CUSTOMERS });
    await stack.idle();

    const done = await run(runId);
    expect(done.status).toBe("SUCCEEDED");
    // The map is no run state of its own: the five Tasks, as before.
    expect(done.states.map((s) => [s.name, s.status])).toEqual([
      ["Preprocess", "SUCCEEDED"],
      ["Train", "SUCCEEDED"],
      ["Register", "SUCCEEDED"],
      ["Publish", "SUCCEEDED"],
      ["Warm", "SUCCEEDED"],
    ]);
    const preprocess = done.states[0].summary as { shards: { shard: number; of: number }[] };
    expect(preprocess.shards).toEqual(Array.from({ length: SHARDS }, (_, shard) => ({ shard, of: SHARDS })));
    const perShard = await Promise.all(preprocess.shards.map((s) => shardResults("default", runId, s.shard)));
    const trained = perShard.flatMap((results) => (results ?? []).map((r) => r.customerId));
    for (const results of perShard) expect(results).toHaveLength(SHARD_SIZE);
    expect(trained).toHaveLength(CUSTOMERS);
    expect(new Set(trained).size).toBe(CUSTOMERS);

    expect(done.counts).toMatchObject({
      trainProgress: { done: CUSTOMERS, total: CUSTOMERS },
      customersTrained: CUSTOMERS,
      customersPublished: CUSTOMERS,
    });
    expect(done.states.find((s) => s.name === "Train")?.summary).toMatchObject({
      trained: CUSTOMERS,
      failed: 0,
    });
    expect(done.states.find((s) => s.name === "Register")?.summary).toEqual({ registered: CUSTOMERS });
    expect(done.states.find((s) => s.name === "Publish")?.summary).toMatchObject({ published: CUSTOMERS });
    const models = await modelsOf(runId);
    expect(new Set(models.map((m) => m.customer_id)).size).toBe(CUSTOMERS);
    expect(models).toHaveLength(CUSTOMERS);
  }, 300_000);

  it("has Train refuse shards that did not all finish, or that trained a customer twice", async () => {
    const done = await run(firstRun);
    const preprocess = done.states[0].summary as unknown as NonNullable<PipelineState["preprocess"]>;
    const state = { runId: firstRun, dataset: "default", bucket: "", key: "", size: 0, etag: "", preprocess };
    const ports = { db: stack.ports.db, store: stack.ports.store };
    await expect(trainStep(ports, state)).resolves.toMatchObject({ trained: CUSTOMERS, failed: 0 });
    // A shard the map never finished: its results are missing.
    const gone = shardResultsKey("default", firstRun, 2);
    const bytes = (await stack.ports.store.get(gone))!;
    await stack.ports.store.delete(gone);
    await expect(trainStep(ports, state)).rejects.toThrow(`shard 2 of ${SHARDS} wrote no results`);
    // Shards that overlap (a plan that does not partition the customers).
    const other = (await stack.ports.store.get(shardResultsKey("default", firstRun, 1)))!;
    await stack.ports.store.put(gone, other);
    await expect(trainStep(ports, state)).rejects.toThrow(/trained by two shards/);
    await stack.ports.store.put(gone, bytes);
  });

  it("fails the run in the shard that failed; a redrive reruns the map, retraining none of the other shards' customers", async () => {
    failShardStart = shardStarts + 2;
    await mkdir(join(stack.ports.bucketDir, "raw", "sales"), { recursive: true });
    await stack.drop("sales/readings.csv", { customers: CUSTOMERS, days: 14, seed: 11 });
    const runId = await runOf("sales");
    const failed = await waitFor(async () => {
      const r = await run(runId);
      return r.status === "RUNNING" ? undefined : r;
    }, 120_000);
    // The shard's own error fails the execution in the map, before Train.
    expect(failed).toMatchObject({ status: "FAILED", error: "ShardCrashed" });
    expect(failed.states.map((s) => [s.name, s.status])).toEqual([["Preprocess", "SUCCEEDED"]]);

    // The shards already under way finish (as their Lambdas would); the crashed one wrote nothing.
    const written = await waitFor(async () => {
      const found = await Promise.all(
        Array.from({ length: SHARDS }, async (_, shard) => ({
          shard,
          results: await shardResults("sales", runId, shard),
        })),
      );
      const done = found.filter((f) => f.results !== undefined);
      return done.length === SHARDS - 1 ? done : undefined;
    }, 240_000);
    const crashed = [...Array(SHARDS).keys()].find((s) => !written.some((w) => w.shard === s))!;
    // What the finished shards trained: their results and each customer's model artifact.
    const artifacts = written.flatMap((w) => (w.results ?? []).flatMap((r) => (r.ok ? [r.modelKey] : [])));
    expect(artifacts).toHaveLength((SHARDS - 1) * SHARD_SIZE);
    const before = new Map(
      await Promise.all(
        [...artifacts, ...written.map((w) => shardResultsKey("sales", runId, w.shard))].map(
          async (key) => [key, await mtime(key)] as const,
        ),
      ),
    );

    failShardStart = undefined;
    const redrive = await stack.api(`/v1/runs/${runId}/redrive`, { body: {} });
    expect(redrive.status).toBe(202);
    expect(((await redrive.json()) as { startAt: string }).startAt).toBe("TrainShards");
    await waitFor(async () => ((await run(runId)).status === "RUNNING" ? undefined : true), 240_000);
    await stack.idle();

    const done = await run(runId);
    expect(done.status).toBe("SUCCEEDED");
    for (const [key, at] of before) expect(await mtime(key), key).toBe(at);
    expect(await shardResults("sales", runId, crashed)).toHaveLength(SHARD_SIZE);
    expect(done.counts).toMatchObject({
      trainProgress: { done: CUSTOMERS, total: CUSTOMERS },
      customersTrained: CUSTOMERS,
      customersPublished: CUSTOMERS,
    });
    expect(done.states.find((s) => s.name === "Register")?.summary).toEqual({ registered: CUSTOMERS });
    const models = await modelsOf(runId);
    expect(models).toHaveLength(CUSTOMERS);
    expect(new Set(models.map((m) => m.customer_id)).size).toBe(CUSTOMERS);
  }, 600_000);
});
