import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventBridgeEvent } from "aws-lambda";
import { failInterruptedRuns } from "@myriad/core/pipeline/steps/redrive-run";
import type { RedrivePlan } from "@myriad/core/pipeline/redrive";
import type { Ports } from "@myriad/core/ports/ports";
import { createApiKey } from "@myriad/core/registry/api-keys";
import { createRun, finishRun, recordState, reopenRun } from "@myriad/core/registry/runs";
import type { ApiDeps } from "@myriad/functions/api/api-deps";
import { createApi } from "@myriad/functions/api/app";
import { run as onRunStatus } from "@myriad/functions/on-run-status";
import { LocalPipelineRunner } from "@myriad/local/adapters/local-pipeline-runner";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";

interface RunDetail {
  runId: string;
  status: string;
  error: string | null;
  cause: string | null;
  stoppedAt: string | null;
  durationMs: number | null;
  pausedMs: number;
  redriveCount: number;
  states: {
    name: string;
    status: string;
    stoppedAt: string | null;
    durationMs: number | null;
    error?: string;
  }[];
}

const input = (runId: string) => ({
  runId,
  dataset: "life",
  bucket: "b",
  key: `raw/life/${runId}.csv`,
  size: 1,
  etag: "e",
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How a run that did not end by itself looks afterwards, in the database and through
 * `GET /v1/runs/{id}`: no RUNNING state once the run has ended (interrupted, aborted, timed out),
 * and a duration that leaves out the time it stood ended before a redrive.
 */
for (const dialect of DIALECTS) {
  describe(`ended runs on ${dialect}`, () => {
    let t: TestDatabase;
    let key: string;
    let api: ReturnType<typeof createApi>;
    const redriven: RedrivePlan[] = [];

    beforeAll(async () => {
      t = await openTestDatabase(dialect);
      key = (await createApiKey(t.db, { kind: "admin" })).key;
      const runner = {
        ordersDatasets: true,
        start: async () => ({}),
        redrive: async (p: RedrivePlan) => void redriven.push(p),
      };
      api = createApi({ db: t.db, runner } as unknown as ApiDeps);
    });
    afterAll(() => t.close());

    const get = async (runId: string) =>
      (await (
        await api.request(`/v1/runs/${runId}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as RunDetail;

    /** A state attempt that stays RUNNING until released, as a handler cut off by a crash does. */
    async function openState(runId: string, state: string) {
      let release!: () => void;
      const done = recordState(t.db, runId, state, () => new Promise<void>((r) => (release = r)));
      for (;;) {
        const { states } = await get(runId);
        const open = states.find((s) => s.name === state && s.status === "RUNNING");
        if (open) break;
        await sleep(2);
      }
      const event = await t.db
        .selectFrom("run_events")
        .select("started_at")
        .where("run_id", "=", runId)
        .where("state", "=", state)
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      return {
        startedAt: new Date(event.started_at),
        finish: () => {
          release();
          return done;
        },
      };
    }

    it("after a crash, the interrupted run and its state end FAILED when the stack was last alive", async () => {
      await createRun(t.db, input("crashed"));
      await recordState(
        t.db,
        "crashed",
        "Preprocess",
        async () => ({ manifestKey: "m" }),
        (r) => r,
      );
      const train = await openState("crashed", "Train");
      await sleep(40);
      await createRun(t.db, input("crashed-early"));
      const early = await openState("crashed-early", "Preprocess");
      await sleep(20);

      // The dead stack's last heartbeat: 10 ms into crashed's Train, before crashed-early's state began.
      const lastAliveAt = new Date(train.startedAt.getTime() + 10);
      const interrupted = await failInterruptedRuns(t.db, { lastAliveAt });
      expect(interrupted).toEqual(
        expect.arrayContaining([
          { runId: "crashed", state: "Train" },
          { runId: "crashed-early", state: "Preprocess" },
        ]),
      );

      const crashed = await get("crashed");
      expect(crashed.status).toBe("FAILED");
      expect(crashed.error).toBe("Interrupted");
      expect(crashed.cause).toContain("during Train");
      expect(crashed.states.map((s) => [s.name, s.status])).toEqual([
        ["Preprocess", "SUCCEEDED"],
        ["Train", "FAILED"],
      ]);
      const state = crashed.states[1];
      expect(state.error).toMatch(/^Interrupted: /);
      expect(state.stoppedAt).toBe(lastAliveAt.toISOString());
      expect(state.durationMs).toBe(10);
      expect(crashed.stoppedAt).toBe(lastAliveAt.toISOString());
      // A heartbeat older than what the run recorded is not believed: it stopped no earlier.
      expect((await get("crashed-early")).stoppedAt).toBe(early.startedAt.toISOString());

      // A handler that returns after all (it cannot, after a crash; after an abort it may) changes nothing.
      await train.finish();
      await early.finish();
      expect((await get("crashed")).states[1].status).toBe("FAILED");

      const redrive = await api.request("/v1/runs/crashed/redrive", {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
      });
      expect(redrive.status).toBe(202);
      expect(redriven.at(-1)?.startAt).toBe("Train");
      await finishRun(t.db, "crashed", "SUCCEEDED");
    });

    it("an abort closes the state under way, though its handler has not returned", async () => {
      let release!: () => void;
      const blocked = new Promise<void>((r) => (release = r));
      const runner = new LocalPipelineRunner({
        db: t.db,
        handle: (state, i) =>
          recordState(t.db, i.runId, state, () => (state === "Preprocess" ? blocked : Promise.resolve())),
      });
      await createRun(t.db, input("stopped"));
      await runner.start(input("stopped"));
      while ((await get("stopped")).states.length === 0) await sleep(2);
      await runner.stop();
      const aborted = await get("stopped");
      expect(aborted.status).toBe("ABORTED");
      expect(aborted.cause).toBe("the embedded stack stopped during Preprocess");
      expect(aborted.states).toMatchObject([
        {
          name: "Preprocess",
          status: "FAILED",
          error: "Aborted: the embedded stack stopped during this state",
        },
      ]);
      expect(aborted.states[0].stoppedAt).toBe(aborted.stoppedAt);
      release();
      await sleep(20);
      expect((await get("stopped")).states[0].status).toBe("FAILED");
    });

    it("at start, closes the states that runs aborted by an earlier stack left RUNNING", async () => {
      await createRun(t.db, input("old-abort"));
      const train = await openState("old-abort", "Train");
      const stoppedAt = new Date(train.startedAt.getTime() + 25);
      // What the runner did before it closed states: the run ended, its Train attempt did not.
      await finishRun(t.db, "old-abort", "ABORTED", { error: "ExecutionAborted" }, stoppedAt);
      expect((await get("old-abort")).states[0].status).toBe("RUNNING");
      expect(await failInterruptedRuns(t.db)).toEqual([]);
      const run = await get("old-abort");
      expect(run.status).toBe("ABORTED");
      expect(run.states).toMatchObject([
        {
          name: "Train",
          status: "FAILED",
          error: "Aborted: the run ended during this state",
          durationMs: 25,
        },
      ]);
      expect(run.states[0].stoppedAt).toBe(stoppedAt.toISOString());
      await train.finish();
    });

    it("in AWS, an execution that timed out closes the attempt its Lambda left open", async () => {
      await createRun(t.db, input("timed-out"));
      const train = await openState("timed-out", "Train");
      const event = {
        detail: { name: "timed-out", status: "TIMED_OUT", error: "States.Timeout" },
      } as EventBridgeEvent<"Step Functions Execution Status Change", never>;
      await onRunStatus(event, { db: t.db } as Ports);
      const run = await get("timed-out");
      expect(run.status).toBe("TIMED_OUT");
      expect(run.states).toMatchObject([{ name: "Train", status: "FAILED" }]);
      expect(run.states[0].error).toMatch(/^TimedOut: /);
      await train.finish();
    });

    it("counts a redriven run's attempts in its duration, not the time it stood ended", async () => {
      await createRun(t.db, input("twice"));
      const started = new Date("2026-03-01T00:00:00.000Z");
      await t.db.updateTable("runs").set({ started_at: started }).where("run_id", "=", "twice").execute();
      const at = (s: number) => new Date(started.getTime() + s * 1000);
      // 4 s, down for an hour, 6 s, ended a minute, 2 s: 12 s of run time.
      await finishRun(t.db, "twice", "FAILED", { error: "Interrupted" }, at(4));
      expect(await reopenRun(t.db, "twice", "FAILED", at(3604))).toBe(true);
      let run = await get("twice");
      expect([run.status, run.durationMs, run.pausedMs]).toEqual(["RUNNING", null, 3_600_000]);
      await finishRun(t.db, "twice", "ABORTED", { error: "ExecutionAborted" }, at(3610));
      expect(await reopenRun(t.db, "twice", "ABORTED", at(3670))).toBe(true);
      await finishRun(t.db, "twice", "SUCCEEDED", undefined, at(3672));
      run = await get("twice");
      expect(run.status).toBe("SUCCEEDED");
      expect(run.redriveCount).toBe(2);
      expect(run.pausedMs).toBe(3_660_000);
      expect(run.durationMs).toBe(12_000);
      // The list shows the same duration.
      const list = (await (
        await api.request("/v1/runs?dataset=life", { headers: { authorization: `Bearer ${key}` } })
      ).json()) as { runs: RunDetail[] };
      expect(list.runs.find((r) => r.runId === "twice")?.durationMs).toBe(12_000);
    });
  });
}
