import { Keys } from "@myriad/core/dataset/keys";
import { runTrainJob } from "@myriad/core/forecasting/run-train-job";
import type { TrainResult } from "@myriad/core/forecasting/train-job";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import type { Manifest } from "@myriad/core/pipeline/manifest";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { publishStep } from "@myriad/core/pipeline/steps/publish-step";
import { registerStep } from "@myriad/core/pipeline/steps/register-step";
import type { Db } from "@myriad/core/ports/database";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { createRun } from "@myriad/core/registry/runs";
import { type KyselyPlugin, type RootOperationNode, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { hourlyCsv, jobsFor, VERSION } from "./fixtures.ts";

/**
 * Register and Publish cut off part-way, as a Lambda is at its timeout ("Lambda function
 * timeout": the invocation stops, and the state machine's Retry runs the Task again with the
 * same input; Step Functions Developer Guide, "Handling errors"). A retry must carry on from
 * what the cut-off attempt committed instead of starting over, or a run with more customers
 * than one invocation can write never finishes.
 */
const DATASET = "resume";
const RUN = "run-resume";
const CUSTOMERS = 1_200; // three of Register's 500-model chunks
const PUBLISHED = 120; // Publish's batches are 50 customers

/** Rows inserted per table, and a table whose Nth insert fails (the Lambda stopping there). */
function insertWatch(failOn?: { table: string; nth: number }) {
  const rows: Record<string, number> = {};
  const plugin: KyselyPlugin = {
    transformQuery({ node }) {
      const n = node as RootOperationNode & {
        into?: { table: { identifier: { name: string } } };
        values?: { values: unknown[] };
      };
      if (n.kind === "InsertQueryNode" && n.into) {
        const table = n.into.table.identifier.name;
        rows[table] = (rows[table] ?? 0) + (n.values?.values.length ?? 0);
        const calls = (rows[`${table}#calls`] = (rows[`${table}#calls`] ?? 0) + 1);
        if (failOn?.table === table && calls === failOn.nth) throw new Error("Task timed out");
      }
      return node;
    },
    async transformResult({ result }) {
      return result;
    },
  };
  return { rows, plugin };
}

async function fixture(db: Db, customers: number) {
  const store = new MemoryObjectStore();
  const ids = Array.from({ length: customers }, (_, i) => `c${String(i).padStart(5, "0")}`);
  // One real artifact, trained once, stands for every customer's.
  const [job] = jobsFor(DATASET, ["c00000"]);
  await store.put(job.dataKey, hourlyCsv(14));
  const trained = await runTrainJob(store, job);
  if (!trained.ok) throw new Error(trained.error);
  const artifact = (await store.get(trained.modelKey)) as Uint8Array;
  const results: TrainResult[] = [];
  for (const id of ids) {
    const modelKey = Keys.model(DATASET, id, VERSION);
    await store.put(modelKey, artifact);
    results.push({ ...trained, customerId: id, modelKey, monitoring: undefined });
  }
  const manifest = {
    runId: RUN,
    dataset: DATASET,
    frequency: "H",
    horizon: 24,
    quantiles: [0.1, 0.5, 0.9],
    aggregation: "sum",
    customers: ids.map((id) => ({
      id,
      dataKey: Keys.customerData(DATASET, id),
      points: 336,
      gaps: 0,
      first: "2024-01-01T00:00:00.000Z",
      last: "2024-01-14T23:00:00.000Z",
    })),
  } as unknown as Manifest;
  await store.put(`manifests/${DATASET}/${RUN}.json`, JSON.stringify(manifest));
  await store.put(`runs/${RUN}/train-results.json`, JSON.stringify(results));
  const input = {
    runId: RUN,
    dataset: DATASET,
    bucket: "b",
    key: `raw/${DATASET}/a.csv`,
    size: 1,
    etag: "e",
  };
  await createRun(db, input);
  const state: PipelineState = {
    ...input,
    preprocess: {
      manifestKey: `manifests/${DATASET}/${RUN}.json`,
      frequency: "H",
      horizon: 24,
      quantiles: [0.1, 0.5, 0.9],
      customers,
      rows: { in: 0, out: 0, quarantined: 0 },
      reasons: {},
      quarantineKey: null,
    },
    train: { resultsKey: `runs/${RUN}/train-results.json`, version: VERSION, trained: customers, failed: 0 },
  };
  return { store, state };
}

/** The store, counting artifact reads, and never answering after `hangAfter` of them. */
function artifactReads(store: ObjectStore, hangAfter = Number.POSITIVE_INFINITY) {
  const seen = { reads: 0 };
  const wrapped = Object.create(store) as ObjectStore;
  wrapped.get = async (key: string) => {
    if (key.startsWith("models/") && ++seen.reads > hangAfter) return new Promise<never>(() => undefined);
    return store.get(key);
  };
  return { seen, store: wrapped };
}

for (const dialect of DIALECTS) {
  describe(`Register and Publish resume on ${dialect}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(() => t.close());

    it("Register, cut off after its first chunk of models, registers only the rest on retry", async () => {
      const { store, state } = await fixture(t.db, CUSTOMERS);
      const first = insertWatch({ table: "models", nth: 2 });
      await expect(registerStep({ db: t.db.withPlugin(first.plugin), store }, state)).rejects.toThrow(
        /timed out/,
      );
      const count = async () =>
        Number(
          (await sql<{ n: number }>`select count(*) as n from models where run_id = ${RUN}`.execute(t.db))
            .rows[0].n,
        );
      expect(await count()).toBe(500);

      const retry = insertWatch();
      expect(await registerStep({ db: t.db.withPlugin(retry.plugin), store }, state)).toEqual({
        registered: CUSTOMERS,
      });
      expect(retry.rows.models).toBe(CUSTOMERS - 500);
      expect(retry.rows.customers ?? 0).toBe(0); // written whole by the first attempt
      expect(await count()).toBe(CUSTOMERS);
      await sql`delete from models where run_id = ${RUN}`.execute(t.db);
      await sql`delete from customers where dataset = ${DATASET}`.execute(t.db);
      await sql`delete from runs where run_id = ${RUN}`.execute(t.db);
    }, 120_000);

    it("Publish, cut off after its first batch, publishes only the rest on retry", async () => {
      const { store, state } = await fixture(t.db, PUBLISHED);
      await registerStep({ db: t.db, store }, state);
      const cut = artifactReads(store, 50);
      const attempt = publishStep({ db: t.db, store: cut.store }, state);
      // The first batch's transaction commits; the second never gets its artifacts.
      for (let i = 0; i < 200; i++) {
        const { rows } = await sql<{
          n: number;
        }>`select count(*) as n from models where run_id = ${RUN} and active`.execute(t.db);
        if (Number(rows[0].n) === 50) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      void attempt;

      const retry = artifactReads(store);
      const summary = await publishStep({ db: t.db, store: retry.store }, state);
      expect(retry.seen.reads).toBe(PUBLISHED - 50);
      expect(summary).toMatchObject({ published: PUBLISHED, failed: 0 });
      const { rows } = await sql<{
        n: number;
      }>`select count(distinct customer_id) as n from forecasts where dataset = ${DATASET}`.execute(t.db);
      expect(Number(rows[0].n)).toBe(PUBLISHED);
    }, 120_000);
  });
}
