import { ExecutionError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedrivePlan } from "@myriad/core/pipeline/redrive";
import {
  PIPELINE_STATES,
  SHARD_TASKS,
  STATE_MACHINE,
  TASK_FUNCTIONS,
} from "@myriad/core/pipeline/state-machine";
import { redriveRun } from "@myriad/core/pipeline/steps/redrive-run";
import type { PipelineRunner } from "@myriad/core/ports/pipeline-runner";
import { getRun } from "@myriad/core/registry/run-queries";
import { createRun, finishRun } from "@myriad/core/registry/runs";
import { withoutTaskTimeouts } from "@myriad/local/adapters/local-pipeline-runner";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * Step Functions' redrive, as its documentation states it (RedriveExecution, API reference;
 * "Restarting state machine executions with redrive", developer guide):
 * - only a Standard execution that did not succeed (FAILED, TIMED_OUT or ABORTED) and ended
 *   within the last 14 days can be redriven;
 * - the redrive "continues the failed execution from the unsuccessful step and uses the same
 *   input": the results of the steps that succeeded are kept and those steps are not rerun;
 * - it uses the same state machine definition and execution ARN (a changed definition needs a
 *   new execution);
 * - in an Inline Map or Parallel state only the failed iterations and branches are rerun; a
 *   Distributed Map whose Map Run failed is redriven through its parent execution.
 *
 * The interpreter that runs the document locally (aws-local-stepfunctions) has no redrive, so the
 * rule is applied here to its execution history: the unsuccessful step is the last state entered
 * and never exited, and the redrive runs the same document from that step with the input it
 * entered with. This is what RedriveExecution does to the deployed document in AWS.
 */
interface Entered {
  name: string;
  type: string;
  input: unknown;
}

const definition = (asl: unknown) => withoutTaskTimeouts(asl as StateMachineDefinition);

/** Preprocess lists two shards; `TrainShard` fails only in the second (the first trains fine). */
const SHARDS = [
  { shard: 0, of: 2 },
  { shard: 1, of: 2 },
];

async function execute(asl: StateMachineDefinition, startAt: string, input: unknown, failIn?: string) {
  const machine = new StateMachine(
    { ...asl, StartAt: startAt },
    startAt === asl.StartAt ? {} : { validationOptions: { noValidate: true } },
  );
  const handlers = Object.fromEntries(
    [...Object.keys(asl.States), ...Object.keys(SHARD_TASKS)].map((state) => [
      state,
      async (event: Record<string, unknown>) => {
        const shard = (event.shard as { shard: number } | undefined)?.shard;
        if (state === failIn && (state !== "TrainShard" || shard === 1))
          throw Object.assign(new Error(`${state} broke`), { name: "StateBroke" });
        if (state === "TrainShard") trained.push(shard as number);
        return {
          ran: state,
          seen: Object.keys(event).sort(),
          ...(state === "Preprocess" ? { manifestKey: "m.json", shards: SHARDS } : {}),
        };
      },
    ]),
  );
  const trained: number[] = [];
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { WaitForPreprocess: 0, WaitForTraining: 0 },
      retryIntervalOverrides: Object.fromEntries(
        [...Object.keys(TASK_FUNCTIONS), ...Object.keys(SHARD_TASKS)].map((s) => [s, 0]),
      ),
    },
  });
  const open: Entered[] = [];
  const entered: string[] = [];
  const history = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === "StateEntered" && event.index === undefined) {
        open.push({ name: event.state.name, type: event.state.type, input: event.state.input });
        entered.push(event.state.name);
      }
      if (event.type === "StateExited" && event.index === undefined) open.pop();
    }
  })();
  let error: { name: string; message: string } | undefined;
  try {
    await execution.result;
  } catch (e) {
    const failed = (e instanceof ExecutionError ? e.cause : e) as Error;
    error = { name: failed.name, message: failed.message };
  }
  await history;
  return { error, entered, unsuccessful: open.at(-1), trained };
}

const input = { runId: "r", dataset: "d", bucket: "b", key: "raw/d/x.csv", size: 1, etag: "e" };

describe("Step Functions' redrive of the pipeline document", () => {
  for (const failing of PIPELINE_STATES) {
    it(`resumes at ${failing} when ${failing} failed, with the same input, and does not rerun earlier states`, async () => {
      const asl = definition(STATE_MACHINE);
      const first = await execute(asl, asl.StartAt, input, failing);
      // The execution's error is the task's own: what the run records (on-run-status in AWS).
      expect(first.error).toEqual({ name: "StateBroke", message: `${failing} broke` });
      expect(first.unsuccessful).toMatchObject({ name: failing, type: "Task" });

      const redrive = await execute(asl, first.unsuccessful!.name, first.unsuccessful!.input);
      expect(redrive.error).toBeUndefined();
      expect(redrive.entered[0]).toBe(failing);
      const before = PIPELINE_STATES.slice(0, PIPELINE_STATES.indexOf(failing));
      for (const state of before) expect(redrive.entered).not.toContain(state);
      expect(redrive.entered).toContain("Warm");
    });
  }

  it("fails in the TrainShards map when a shard fails, and a redrive resumes at the map with Preprocess's result", async () => {
    const asl = definition(STATE_MACHINE);
    const first = await execute(asl, asl.StartAt, input, "TrainShard");
    expect(first.error).toEqual({ name: "StateBroke", message: "TrainShard broke" });
    // The unsuccessful step of the parent execution is the map (its Map Run failed), not Train.
    expect(first.unsuccessful).toMatchObject({ name: "TrainShards", type: "Map" });
    expect(first.entered).not.toContain("Train");
    expect(first.trained).toEqual([0]);

    const redrive = await execute(asl, "TrainShards", first.unsuccessful!.input);
    expect(redrive.error).toBeUndefined();
    expect(redrive.entered.slice(0, 2)).toEqual(["TrainShards", "Train"]);
    expect(redrive.entered).not.toContain("Preprocess");
    // The interpreter reruns every iteration (AWS reruns only the failed child executions): a
    // shard whose results exist skips its customers, so both end the same (train-step.ts).
    expect(redrive.trained.sort()).toEqual([0, 1]);
  });

  it("would rerun only a Fail state, and fail again, had the Tasks caught their errors into one", async () => {
    // The shape this document had before: every Task caught into RecordFailure, then Fail.
    const caught = structuredClone(STATE_MACHINE) as unknown as StateMachineDefinition & {
      States: Record<string, Record<string, unknown>>;
    };
    for (const name of PIPELINE_STATES)
      caught.States[name].Catch = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Record" }];
    caught.States.Record = { Type: "Pass", ResultPath: null, Next: "Failed" };
    caught.States.Failed = { Type: "Fail", Error: "PipelineFailed" };
    const asl = definition(caught);
    const first = await execute(asl, asl.StartAt, input, "Register");
    expect(first.unsuccessful).toMatchObject({ name: "Failed", type: "Fail" });
    expect(first.error?.name).toBe("PipelineFailed");
    const redrive = await execute(asl, "Failed", first.unsuccessful!.input);
    expect(redrive.entered).toEqual(["Failed"]);
    expect(redrive.error?.name).toBe("PipelineFailed");
  });
});

describe("which runs can be redriven, as RedriveExecution allows", () => {
  let t: TestDatabase;
  const plans: RedrivePlan[] = [];
  const runner = { redrive: async (plan: RedrivePlan) => void plans.push(plan) } as unknown as PipelineRunner;
  const day = 24 * 3600 * 1000;
  beforeAll(async () => {
    t = await openTestDatabase("pglite");
  });
  afterAll(() => t.close());

  async function endedRun(runId: string, status: "FAILED" | "TIMED_OUT" | "ABORTED" | "SUCCEEDED", at: Date) {
    await createRun(t.db, { ...input, runId });
    await finishRun(t.db, runId, status, status === "SUCCEEDED" ? undefined : { error: "no_valid_rows" }, at);
  }

  it("redrives FAILED, TIMED_OUT and ABORTED runs, and refuses a SUCCEEDED or RUNNING one", async () => {
    const now = new Date();
    for (const status of ["FAILED", "TIMED_OUT", "ABORTED"] as const) {
      await endedRun(`ended-${status}`, status, now);
      expect(await redriveRun({ db: t.db, runner }, `ended-${status}`, now)).toMatchObject({
        startAt: "Preprocess",
      });
    }
    await endedRun("ok", "SUCCEEDED", now);
    await expect(redriveRun({ db: t.db, runner }, "ok", now)).rejects.toMatchObject({
      status: 409,
      code: "not_redrivable",
    });
    // The ones just redriven are RUNNING again.
    await expect(redriveRun({ db: t.db, runner }, "ended-FAILED", now)).rejects.toMatchObject({
      status: 409,
    });
    expect(plans).toHaveLength(3);
  });

  it("redrives a run ended 13 days ago, refuses one ended 15 days ago and keeps its error", async () => {
    const now = new Date();
    await endedRun("recent", "FAILED", new Date(now.getTime() - 13 * day));
    await endedRun("old", "FAILED", new Date(now.getTime() - 15 * day));
    expect(await redriveRun({ db: t.db, runner }, "recent", now)).toMatchObject({ runId: "recent" });
    await expect(redriveRun({ db: t.db, runner }, "old", now)).rejects.toThrow(/14 days/);
    expect((await getRun(t.db, "old"))?.run).toMatchObject({ status: "FAILED", error: "no_valid_rows" });
  });

  it("leaves the run as it was when the redrive does not start (RedriveExecution refused)", async () => {
    const now = new Date();
    await endedRun("refused", "FAILED", new Date(now.getTime() - day));
    const refusing = {
      redrive: async () => {
        throw Object.assign(new Error("Execution is not redrivable"), { name: "ExecutionNotRedrivable" });
      },
    } as unknown as PipelineRunner;
    await expect(redriveRun({ db: t.db, runner: refusing }, "refused", now)).rejects.toThrow(
      /not redrivable/,
    );
    // Step Functions does not count a redrive that failed to start; nor does the run.
    expect((await getRun(t.db, "refused"))?.run).toMatchObject({
      status: "FAILED",
      error: "no_valid_rows",
      redrive_count: 0,
    });
  });
});
