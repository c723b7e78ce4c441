import { unpackArtifact } from "@myriad/core/artifact/archive";
import { Keys } from "@myriad/core/dataset/keys";
import { forecastArtifact } from "@myriad/core/forecasting/forecast-artifact";
import { runTrainJob } from "@myriad/core/forecasting/run-train-job";
import type { TrainResult } from "@myriad/core/forecasting/train-job";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import type { Manifest } from "@myriad/core/pipeline/manifest";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { shardForecastsKey } from "@myriad/core/pipeline/shard-forecasts";
import { publishStep } from "@myriad/core/pipeline/steps/publish-step";
import { registerStep } from "@myriad/core/pipeline/steps/register-step";
import { trainShardStep, trainStep } from "@myriad/core/pipeline/steps/train-step";
import { shardResultsKey } from "@myriad/core/pipeline/train-shards";
import type { Db } from "@myriad/core/ports/database";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { TrainingBackend } from "@myriad/core/ports/training-backend";
import { readForecast } from "@myriad/core/registry/forecasts";
import { createRun } from "@myriad/core/registry/runs";
import { type KyselyPlugin, type RootOperationNode, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { hourlyCsv } from "./fixtures.ts";

/**
 * Publish takes the forecasts the training shards computed instead of reading and forecasting
 * every artifact again, and falls back to the artifacts for any customer whose forecast is not
 * there or not usable. Either way a customer's published forecast is the one its artifact gives.
 */
const CUSTOMERS = 6;
const SHARDS = 2;
const HORIZON = 24;
const QUANTILES = [0.1, 0.5, 0.9];

/** The in-process training backend (as the Train Lambda's): core's runTrainJob per customer. */
const inProcess = (store: ObjectStore): TrainingBackend => ({
  train: (jobs) => Promise.all(jobs.map((job) => runTrainJob(store, job))),
});

/** A run trained in two shards, gathered and registered: what Publish starts from. */
async function trainedRun(db: Db, dataset: string, runId: string) {
  const store = new MemoryObjectStore();
  const ids = Array.from({ length: CUSTOMERS }, (_, i) => `c${i}`);
  for (const [i, id] of ids.entries()) await store.put(Keys.customerData(dataset, id), hourlyCsv(14, 10 + i));
  const manifestKey = `manifests/${dataset}/${runId}.json`;
  const manifest = {
    runId,
    dataset,
    frequency: "H",
    horizon: HORIZON,
    quantiles: QUANTILES,
    aggregation: "sum",
    customers: ids.map((id) => ({
      id,
      dataKey: Keys.customerData(dataset, id),
      points: 336,
      gaps: 0,
      first: "2024-01-01T00:00:00.000Z",
      last: "2024-01-14T23:00:00.000Z",
    })),
  } as unknown as Manifest;
  await store.put(manifestKey, JSON.stringify(manifest));
  const input = { runId, dataset, bucket: "b", key: `raw/${dataset}/a.csv`, size: 1, etag: "e" };
  await createRun(db, input);
  const shards = Array.from({ length: SHARDS }, (_, shard) => ({ shard, of: SHARDS }));
  for (const shard of shards)
    await trainShardStep({ db, store, training: inProcess(store) }, { runId, dataset, manifestKey, shard });
  const state: PipelineState = {
    ...input,
    preprocess: {
      manifestKey,
      frequency: "H",
      horizon: HORIZON,
      quantiles: QUANTILES,
      customers: CUSTOMERS,
      rows: { in: 0, out: 0, quarantined: 0 },
      reasons: {},
      quarantineKey: null,
      shards,
    },
  };
  state.train = await trainStep({ db, store }, state);
  await registerStep({ db, store }, state);
  return { store, state, ids };
}

/** The store, counting the artifacts read. */
function countingReads(store: ObjectStore) {
  const seen = { artifacts: 0 };
  const wrapped = Object.create(store) as ObjectStore;
  wrapped.get = async (key: string) => {
    if (key.startsWith("models/")) seen.artifacts++;
    return store.get(key);
  };
  return { seen, store: wrapped };
}

/** What the customer's artifact forecasts: the forecast Publish must have published. */
async function artifactForecast(store: ObjectStore, dataset: string, id: string, version: string) {
  const bytes = (await store.get(Keys.model(dataset, id, version))) as Uint8Array;
  return forecastArtifact(await unpackArtifact(bytes), { horizon: HORIZON, quantiles: QUANTILES }).points;
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Counts the forecast rows inserted. */
function forecastInserts() {
  const seen = { rows: 0 };
  const plugin: KyselyPlugin = {
    transformQuery({ node }) {
      const n = node as RootOperationNode & {
        into?: { table: { identifier: { name: string } } };
        values?: { values: unknown[] };
      };
      if (n.kind === "InsertQueryNode" && n.into?.table.identifier.name === "forecasts")
        seen.rows += n.values?.values.length ?? 0;
      return node;
    },
    async transformResult({ result }) {
      return result;
    },
  };
  return { seen, plugin };
}

for (const dialect of DIALECTS) {
  describe(`Publish from the training shards' forecasts on ${dialect}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(() => t.close());

    it("publishes every customer's forecast without reading one artifact, to the bit what the artifact gives", async () => {
      const { store, state, ids } = await trainedRun(t.db, "pre", "run-pre-1");
      for (let shard = 0; shard < SHARDS; shard++) {
        const results = JSON.parse(text(await store.get(shardResultsKey("pre", state.runId, shard))));
        expect(results.every((r: TrainResult) => r.ok && !("forecast" in r))).toBe(true);
        const lines = text(await store.get(shardForecastsKey("pre", state.runId, shard)))
          .trim()
          .split("\n");
        expect(lines).toHaveLength(1 + CUSTOMERS / SHARDS);
      }
      const reads = countingReads(store);
      const summary = await publishStep({ db: t.db, store: reads.store }, state);
      expect(summary).toEqual({ published: CUSTOMERS, points: CUSTOMERS * HORIZON, failed: 0 });
      expect(reads.seen.artifacts).toBe(0);
      for (let shard = 0; shard < SHARDS; shard++)
        expect(await store.get(shardForecastsKey("pre", state.runId, shard))).toBeUndefined();
      for (const id of ids) {
        const published = await readForecast(t.db, "pre", id);
        expect(published?.version).toBe(state.train?.version);
        expect(published?.points).toEqual(
          await artifactForecast(store, "pre", id, state.train?.version ?? ""),
        );
      }
    }, 120_000);

    it("forecasts from the artifact each customer whose shard forecast is missing, stale or refused", async () => {
      const { store, state, ids } = await trainedRun(t.db, "fallback", "run-fallback-1");
      const version = state.train?.version ?? "";
      // Shard 0 (c0, c2, c4): c0's line is gone, c2's and c4's name another version. Shard 1 (c1,
      // c3, c5): c5's points pass the object's checks but are no JSON: the database refuses its batch.
      const key0 = shardForecastsKey("fallback", state.runId, 0);
      const [header0, ...lines0] = text(await store.get(key0))
        .trim()
        .split("\n");
      await store.put(
        key0,
        `${[header0, ...lines0.filter((l) => !l.includes('"c0"')).map((l) => l.replace(version, "older"))].join("\n")}\n`,
      );
      const key1 = shardForecastsKey("fallback", state.runId, 1);
      const lines1 = text(await store.get(key1)).replace(/("c5",[^\t]*\t)[^\n]*/, "$1[1,}]");
      await store.put(key1, lines1);

      const reads = countingReads(store);
      const summary = await publishStep({ db: t.db, store: reads.store }, state);
      expect(summary).toEqual({ published: CUSTOMERS, points: CUSTOMERS * HORIZON, failed: 0 });
      expect(reads.seen.artifacts).toBe(CUSTOMERS);
      for (const id of ids)
        expect((await readForecast(t.db, "fallback", id))?.points).toEqual(
          await artifactForecast(store, "fallback", id, version),
        );
    }, 120_000);

    it("publishes on retry only the customers a cut-off attempt had not switched in", async () => {
      const { store, state, ids } = await trainedRun(t.db, "retry", "run-retry-1");
      // The Lambda stops while it reads shard 1's forecasts, after shard 0's batch committed.
      const cut = Object.create(store) as ObjectStore;
      cut.get = async (key: string) =>
        key === shardForecastsKey("retry", state.runId, 1)
          ? new Promise<never>(() => undefined)
          : store.get(key);
      void publishStep({ db: t.db, store: cut }, state);
      const active = async () =>
        Number(
          (
            await sql<{
              n: number;
            }>`select count(*) as n from models where run_id = ${state.runId} and active`.execute(t.db)
          ).rows[0].n,
        );
      for (let i = 0; i < 200 && (await active()) < CUSTOMERS / SHARDS; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(await active()).toBe(CUSTOMERS / SHARDS);

      const inserts = forecastInserts();
      const reads = countingReads(store);
      const summary = await publishStep({ db: t.db.withPlugin(inserts.plugin), store: reads.store }, state);
      expect(summary).toEqual({ published: CUSTOMERS, points: (CUSTOMERS / SHARDS) * HORIZON, failed: 0 });
      expect(inserts.seen.rows).toBe(CUSTOMERS / SHARDS);
      expect(reads.seen.artifacts).toBe(0);
      for (const id of ids)
        expect((await readForecast(t.db, "retry", id))?.version).toBe(state.train?.version);
    }, 120_000);

    it("forecasts from the artifacts when the shards answered another horizon", async () => {
      const { store, state, ids } = await trainedRun(t.db, "horizon", "run-horizon-1");
      const longer: PipelineState = {
        ...state,
        preprocess: { ...(state.preprocess as NonNullable<PipelineState["preprocess"]>), horizon: 48 },
      };
      const reads = countingReads(store);
      const summary = await publishStep({ db: t.db, store: reads.store }, longer);
      expect(summary).toEqual({ published: CUSTOMERS, points: CUSTOMERS * 48, failed: 0 });
      expect(reads.seen.artifacts).toBe(CUSTOMERS);
      expect((await readForecast(t.db, "horizon", ids[0]))?.points).toHaveLength(48);
    }, 120_000);
  });
}
