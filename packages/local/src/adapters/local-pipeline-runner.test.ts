import type { StateMachineDefinition } from "aws-local-stepfunctions";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "@myriad/core/db/migrations";
import { getRun } from "@myriad/core/registry/run-queries";
import { createRun, recordState } from "@myriad/core/registry/runs";
import { redriveRun } from "@myriad/core/pipeline/steps/redrive-run";
import { openDatabase } from "../database.ts";
import { LOCAL_MAP_CONCURRENCY, LocalPipelineRunner, withoutTaskTimeouts } from "./local-pipeline-runner.ts";
import { PIPELINE_STATES, STATE_MACHINE } from "@myriad/core/pipeline/state-machine";

const input = (runId: string) => ({
  runId,
  dataset: "d",
  bucket: "b",
  key: "raw/d/x.csv",
  size: 1,
  etag: "e",
});

/** What Preprocess returns into the state: the manifest and the TrainShards items. */
const preprocessed = (of = 2) => ({
  manifestKey: "m.json",
  shards: Array.from({ length: of }, (_, shard) => ({ shard, of })),
});

describe("the local definition", () => {
  it("gives every Task a week instead of the interpreter's 60 s default, like Step Functions, in the map too", () => {
    type State = { Type: string; TimeoutSeconds?: number; ItemProcessor?: { States: Record<string, State> } };
    const { States } = withoutTaskTimeouts(STATE_MACHINE as unknown as StateMachineDefinition) as unknown as {
      States: Record<string, State>;
    };
    const inner = Object.entries(States.TrainShards.ItemProcessor?.States ?? {});
    const tasks = [...Object.entries(States), ...inner].filter(([, s]) => s.Type === "Task");
    expect(tasks.map(([name]) => name)).toEqual(expect.arrayContaining([...PIPELINE_STATES, "TrainShard"]));
    for (const [name, t] of tasks) expect(t.TimeoutSeconds, name).toBe(7 * 24 * 3600);
  });
});

describe("LocalPipelineRunner", () => {
  const db = openDatabase({});
  beforeAll(() => migrateToLatest(db as Kysely<unknown>));
  afterAll(() => db.destroy());

  it("runs the ASL through the handlers by state name, retrying transient errors", async () => {
    const calls: string[] = [];
    let failedOnce = false;
    const runner = new LocalPipelineRunner({
      db,
      retryIntervalMs: 0,
      handle: async (state) => {
        calls.push(state);
        if (state === "Train" && !failedOnce) {
          failedOnce = true;
          throw Object.assign(new Error("throttled"), { name: "TransientError" });
        }
        return state === "Preprocess" ? preprocessed() : { ok: state };
      },
    });
    await createRun(db, input("r-ok"));
    await runner.start(input("r-ok"));
    await runner.idle();
    expect(calls).toEqual([
      "Preprocess",
      "TrainShard",
      "TrainShard",
      "Train",
      "Train",
      "Register",
      "Publish",
      "Warm",
    ]);
    expect((await getRun(db, "r-ok"))?.run.status).toBe("SUCCEEDED");
  });

  it("trains a few shards at a time, all of them in the end", async () => {
    let running = 0;
    let most = 0;
    const trained: number[] = [];
    const runner = new LocalPipelineRunner({
      db,
      handle: async (state, input) => {
        if (state === "Preprocess") return preprocessed(12);
        if (state !== "TrainShard") return { ok: state };
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        trained.push((input as unknown as { shard: { shard: number } }).shard.shard);
        return { shard: trained.at(-1) };
      },
    });
    await createRun(db, input("r-shards"));
    await runner.start(input("r-shards"));
    await runner.idle();
    expect((await getRun(db, "r-shards"))?.run.status).toBe("SUCCEEDED");
    expect(trained.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(most).toBe(LOCAL_MAP_CONCURRENCY);
  });

  it("waits inside the shard and calls TrainShard again while its remote training is pending", async () => {
    const calls: string[] = [];
    let polls = 0;
    const runner = new LocalPipelineRunner({
      db,
      waitMs: 0,
      handle: async (state) => {
        calls.push(state);
        // A remote backend: one shard, whose job TrainShard polls.
        if (state === "Preprocess") return preprocessed(1);
        if (state === "TrainShard") return { shard: 0, pending: ++polls < 3 };
        return {};
      },
    });
    await createRun(db, input("r-wait"));
    await runner.start(input("r-wait"));
    await runner.idle();
    expect(calls).toEqual([
      "Preprocess",
      "TrainShard",
      "TrainShard",
      "TrainShard",
      "Train",
      "Register",
      "Publish",
      "Warm",
    ]);
    expect((await getRun(db, "r-wait"))?.run.status).toBe("SUCCEEDED");
  });

  it("waits and calls Preprocess again while a remote preprocess job is pending", async () => {
    const calls: string[] = [];
    let polls = 0;
    const runner = new LocalPipelineRunner({
      db,
      waitMs: 0,
      handle: async (state, stateInput) => {
        calls.push(state);
        if (state === "Preprocess") return ++polls < 3 ? { pending: true } : preprocessed(1);
        // Train sees the finished result, not the pending one it replaced.
        if (state === "Train") expect(stateInput.preprocess).toEqual(preprocessed(1));
        return {};
      },
    });
    await createRun(db, input("r-prep"));
    await runner.start(input("r-prep"));
    await runner.idle();
    expect(calls).toEqual([
      "Preprocess",
      "Preprocess",
      "Preprocess",
      "TrainShard",
      "Train",
      "Register",
      "Publish",
      "Warm",
    ]);
    expect((await getRun(db, "r-prep"))?.run.status).toBe("SUCCEEDED");
  });

  it("fails the run in the Task that failed, with its error, and a redrive resumes at that Task", async () => {
    const calls: string[] = [];
    let registryDown = true;
    const runner = new LocalPipelineRunner({
      db,
      retryIntervalMs: 0,
      // Each attempt recorded as the Lambda wrapper records it, so the redrive plan sees it.
      handle: (state, stateInput) =>
        recordState(
          db,
          stateInput.runId,
          state,
          async () => {
            calls.push(state);
            if (state === "Register" && registryDown)
              throw Object.assign(new Error("registry down"), { name: "RegistryDown" });
            // A redrive gives each state the results of the states that succeeded before it.
            if (state === "Register") expect(stateInput.train).toEqual({ trained: 2 });
            if (state === "Preprocess") return preprocessed(1);
            return state === "Train" ? { trained: 2 } : {};
          },
          (r) => r as Record<string, unknown>,
        ),
    });
    await createRun(db, input("r-bad"));
    await runner.start(input("r-bad"));
    await runner.idle();
    expect(calls).toEqual(["Preprocess", "TrainShard", "Train", "Register"]);
    // The task's own error, not a Fail state's (`PipelineFailed`) nor the interpreter's wrapper.
    expect((await getRun(db, "r-bad"))?.run).toMatchObject({
      status: "FAILED",
      error: "RegistryDown",
      cause: "registry down",
    });

    registryDown = false;
    expect(await redriveRun({ db, runner }, "r-bad")).toEqual({ runId: "r-bad", startAt: "Register" });
    await runner.idle();
    expect(calls).toEqual(["Preprocess", "TrainShard", "Train", "Register", "Register", "Publish", "Warm"]);
    expect((await getRun(db, "r-bad"))?.run).toMatchObject({ status: "SUCCEEDED", error: null });
  });

  it("runs one dataset's uploads one after another, in order", async () => {
    const order: string[] = [];
    const runner = new LocalPipelineRunner({
      db,
      handle: async (state, i) => {
        if (state === "Preprocess") order.push(`${i.runId}:start`);
        await new Promise((r) => setTimeout(r, 5));
        if (state === "Warm") order.push(`${i.runId}:end`);
        return state === "Preprocess" ? preprocessed() : {};
      },
    });
    for (const id of ["q1", "q2", "q3"]) {
      await createRun(db, input(id));
      await runner.start(input(id));
    }
    await runner.idle();
    expect(order).toEqual(["q1:start", "q1:end", "q2:start", "q2:end", "q3:start", "q3:end"]);
  });

  it("stop aborts the run under way and the runs queued behind it, starting none of them", async () => {
    const started: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => {
      release = r;
    });
    const runner = new LocalPipelineRunner({
      db,
      handle: async (state, i) => {
        started.push(`${i.runId}:${state}`);
        if (state === "Preprocess") await blocked;
        return {};
      },
    });
    for (const id of ["s1", "s2", "s3"]) {
      await createRun(db, input(id));
      await runner.start(input(id));
    }
    while (started.length === 0) await new Promise((r) => setTimeout(r, 1));
    const stopping = runner.stop();
    release();
    await stopping;
    expect(started).toEqual(["s1:Preprocess"]);
    for (const id of ["s1", "s2", "s3"]) expect((await getRun(db, id))?.run.status, id).toBe("ABORTED");
    expect((await getRun(db, "s2"))?.run.cause).toMatch(/before the run started/);
  });
});
