import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "@myriad/core/db/migrations";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import { type S3ObjectCreatedRecord, startRuns } from "@myriad/core/pipeline/steps/start-run";
import type { PipelineRunner, RunInput } from "@myriad/core/ports/pipeline-runner";
import { earlierRunsInProgress } from "@myriad/core/registry/run-queries";
import { getRun } from "@myriad/core/registry/run-queries";
import { openDatabase } from "@myriad/local/database";

const created = (key: string, eTag: string): S3ObjectCreatedRecord => ({
  eventName: "ObjectCreated:Put",
  s3: { bucket: { name: "b" }, object: { key, eTag, size: 10 } },
});

describe("startRuns when StartExecution fails (PostgreSQL semantics on PGlite)", () => {
  const db = openDatabase({});
  beforeAll(() => migrateToLatest(db as Kysely<unknown>));
  afterAll(() => db.destroy());

  it("leaves no run behind, so S3's retry of the event starts it and later uploads do not wait on it", async () => {
    // S3 invokes the function asynchronously and retries a failed invocation (Lambda's
    // asynchronous invocation: two retries); Step Functions may throttle StartExecution
    // (ThrottlingException) or be unreachable.
    let fail = true;
    const started: RunInput[] = [];
    const runner: PipelineRunner = {
      start: async (input) => {
        if (fail) {
          fail = false;
          throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
        }
        started.push(input);
        return {
          runId: input.runId,
          started: true,
          executionArn: `arn:aws:states:::execution:m:${input.runId}`,
        };
      },
      redrive: async () => {},
    };
    const store = new MemoryObjectStore();
    const event = created("raw/meters/a.csv", "e1");
    await expect(startRuns({ db, runner, store }, [event])).rejects.toThrow(/Rate exceeded/);
    const [retry] = await startRuns({ db, runner, store }, [event]);
    expect(retry).toMatchObject({ status: "started" });
    expect(started).toHaveLength(1);
    const run = await getRun(db, (retry as { runId: string }).runId);
    expect(run?.run.execution_arn).toMatch(/^arn:aws:states/);
    // The same event once more is a duplicate, as before.
    expect((await startRuns({ db, runner, store }, [event]))[0]).toMatchObject({ status: "duplicate" });
    // A later upload of the dataset waits only for runs that exist.
    const [later] = await startRuns({ db, runner, store }, [created("raw/meters/b.csv", "e2")]);
    expect(await earlierRunsInProgress(db, (later as { runId: string }).runId, "meters")).toEqual([
      (retry as { runId: string }).runId,
    ]);
  });
});
