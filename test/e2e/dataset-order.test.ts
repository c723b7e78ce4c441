import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "@myriad/core/db/migrations";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import type { PreprocessResult } from "@myriad/core/pipeline/manifest";
import { preprocessStep } from "@myriad/core/pipeline/steps/preprocess-step";
import { createRun, finishRun } from "@myriad/core/registry/runs";
import { openDatabase } from "@myriad/local/database";

const trainSharding = { customersPerShard: 250, defaultBackend: "local" } as const;

const input = (runId: string) => ({
  runId,
  dataset: "meters",
  bucket: "b",
  key: `raw/meters/${runId}.csv`,
  size: 1,
  etag: runId,
});

describe("uploads to one dataset running at once (as Step Functions runs them)", () => {
  const db = openDatabase({});
  const store = new MemoryObjectStore();
  beforeAll(() => migrateToLatest(db as Kysely<unknown>));
  afterAll(() => db.destroy());

  it("preprocesses a later upload only once the earlier one has finished", async () => {
    const ran: string[] = [];
    const preprocessor = {
      run: async (i: { runId: string }) => {
        ran.push(i.runId);
        return {
          customers: 1,
          rows: { in: 1, out: 1, quarantined: 0 },
          reasons: {},
          quarantineKey: null,
        } as unknown as PreprocessResult;
      },
    };
    await createRun(db, input("first"));
    await new Promise((r) => setTimeout(r, 2));
    await createRun(db, input("second"));
    expect(
      await preprocessStep(
        { db, store, preprocessor, datasetOrder: "preprocess", trainSharding },
        input("second"),
      ),
    ).toEqual({ pending: true });
    expect(ran).toEqual([]);
    await preprocessStep(
      { db, store, preprocessor, datasetOrder: "preprocess", trainSharding },
      input("first"),
    );
    await finishRun(db, "first", "SUCCEEDED");
    expect(
      await preprocessStep(
        { db, store, preprocessor, datasetOrder: "preprocess", trainSharding },
        input("second"),
      ),
    ).toMatchObject({
      customers: 1,
    });
    expect(ran).toEqual(["first", "second"]);
  });

  it("does not wait when the runner already orders a dataset's runs (the embedded stack)", async () => {
    const preprocessor = { run: async () => ({ customers: 1 }) as unknown as PreprocessResult };
    await createRun(db, input("third"));
    await new Promise((r) => setTimeout(r, 2));
    await createRun(db, input("fourth"));
    expect(
      await preprocessStep(
        { db, store, preprocessor, datasetOrder: "runner", trainSharding },
        input("fourth"),
      ),
    ).toMatchObject({
      customers: 1,
    });
  });
});
