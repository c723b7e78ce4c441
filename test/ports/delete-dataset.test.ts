import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATASET_FOLDERS, deleteDataset } from "@myriad/core/dataset/delete-dataset";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import type { InferenceEndpoint } from "@myriad/core/ports/inference-endpoint";
import { createApiKey } from "@myriad/core/registry/api-keys";
import { createRun, finishRun } from "@myriad/core/registry/runs";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";

/** An endpoint that records what it was asked to unload. */
function recordingEndpoint(): InferenceEndpoint & { unloaded: string[] } {
  const unloaded: string[] = [];
  return {
    unloaded,
    invoke: () => Promise.reject(new Error("not used")),
    warm: async () => ({ loaded: 0, failed: 0 }),
    async unload(prefix) {
      unloaded.push(prefix);
      return 1;
    },
  };
}

async function keys(store: MemoryObjectStore): Promise<string[]> {
  return [...store.objects.keys()].sort();
}

for (const dialect of DIALECTS) {
  describe(`deleteDataset (${dialect})`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(() => t?.close());

    async function seed(store: MemoryObjectStore, dataset: string, rawKeys: string[]): Promise<void> {
      for (const folder of DATASET_FOLDERS.filter((f) => f !== "raw/"))
        await store.put(`${folder}${dataset}/x`, "x");
      for (const key of rawKeys) await store.put(key, "x");
      const runId = `run-${dataset}`;
      await createRun(t.db, { runId, dataset, bucket: "b", key: rawKeys[0], size: 1, etag: "e" });
      await finishRun(t.db, runId, "SUCCEEDED");
      await t.db
        .insertInto("customers")
        .values({ dataset, customer_id: "1", first_ts: null, last_ts: null, points: 0 })
        .execute();
    }

    it("deletes dataset default's files directly under raw/, every derived folder, and unloads its models", async () => {
      const store = new MemoryObjectStore();
      await seed(store, "default", ["raw/top.csv", "raw/metadata.csv", "raw/default/_dataset.json"]);
      await seed(store, "default2", ["raw/default2/a.csv"]);
      const key = await createApiKey(t.db, { kind: "customer", dataset: "default", customerId: "1" });
      const other = await createApiKey(t.db, { kind: "customer", dataset: "default2", customerId: "1" });
      const endpoint = recordingEndpoint();

      const out = await deleteDataset({ db: t.db, store, endpoint }, "default");
      expect(out.rows).toMatchObject({ runs: 1, customers: 1, keysRevoked: 1 });
      expect(out.objects).toBe(3 + DATASET_FOLDERS.length - 1);
      expect(endpoint.unloaded).toEqual(["default/"]);
      // Only the other dataset's objects are left: `default2/` does not start with `default/`.
      expect((await keys(store)).every((k) => k.includes("default2/"))).toBe(true);
      expect(await keys(store)).toHaveLength(DATASET_FOLDERS.length);
      const revoked = await t.db.selectFrom("api_keys").select(["id", "revoked_at"]).execute();
      expect(revoked.find((k) => k.id === key.id)?.revoked_at).not.toBeNull();
      expect(revoked.find((k) => k.id === other.id)?.revoked_at).toBeNull();
      const left = await t.db.selectFrom("runs").select("dataset").execute();
      expect(left.map((r) => r.dataset)).toEqual(["default2"]);
    });

    it("treats a dataset with only files left as there, and one with nothing as not found", async () => {
      const store = new MemoryObjectStore();
      await store.put("training/leftover/v1/state.json", "{}");
      const endpoint = recordingEndpoint();
      expect((await deleteDataset({ db: t.db, store, endpoint }, "leftover")).objects).toBe(1);
      await expect(deleteDataset({ db: t.db, store, endpoint }, "leftover")).rejects.toMatchObject({
        status: 404,
      });
      await expect(deleteDataset({ db: t.db, store, endpoint }, "a/b")).rejects.toMatchObject({
        status: 400,
      });
    });

    it("refuses with 409 while a run is RUNNING and leaves the uploads in place", async () => {
      const store = new MemoryObjectStore();
      await store.put("raw/queued/a.csv", "x");
      await createRun(t.db, {
        runId: "run-queued",
        dataset: "queued",
        bucket: "b",
        key: "raw/queued/a.csv",
        size: 1,
        etag: "e",
      });
      await expect(
        deleteDataset({ db: t.db, store, endpoint: recordingEndpoint() }, "queued"),
      ).rejects.toMatchObject({ status: 409, code: "dataset_busy" });
      expect(await keys(store)).toEqual(["raw/queued/a.csv"]);
    });
  });
}
