import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey, verifyApiKey } from "@myriad/core/registry/api-keys";
import { listCustomers, upsertCustomers } from "@myriad/core/registry/customers";
import { publishForecasts, readForecast } from "@myriad/core/registry/forecasts";
import { activeModel, registerModels } from "@myriad/core/registry/models";
import { earlierRunsInProgress, getRun, listRuns } from "@myriad/core/registry/run-queries";
import { addRunCounts, createRun, finishRun, recordState } from "@myriad/core/registry/runs";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const input = (runId: string) => ({
  runId,
  dataset: "d",
  bucket: "b",
  key: `raw/d/${runId}.csv`,
  size: 10,
  etag: "e",
});
const point = (ts: string, v: number) => ({ timestamp: ts, mean: v, p10: v - 1, p50: v, p90: v + 1 });

for (const dialect of DIALECTS) {
  describe(`registry on ${dialect}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(() => t.close());

    it("creates a run once and ends it once", async () => {
      expect(await createRun(t.db, input("r1"))).toBe(true);
      expect(await createRun(t.db, input("r1"))).toBe(false);
      await addRunCounts(t.db, "r1", { customers: 3 });
      await addRunCounts(t.db, "r1", { rows: { in: 5, out: 4, quarantined: 1 } });
      await finishRun(t.db, "r1", "FAILED", { error: "E", cause: "because" });
      await finishRun(t.db, "r1", "SUCCEEDED");
      const found = await getRun(t.db, "r1");
      expect(found?.run.status).toBe("FAILED");
      expect(found?.run.cause).toBe("because");
      expect(found?.run.counts).toEqual({ customers: 3, rows: { in: 5, out: 4, quarantined: 1 } });
      expect(Number(found?.run.input_size)).toBe(10);
    });

    it("records state attempts with duration and error", async () => {
      await createRun(t.db, input("r2"));
      await recordState(
        t.db,
        "r2",
        "Train",
        async () => ({ trained: 2 }),
        (r) => r,
      );
      await expect(
        recordState(t.db, "r2", "Register", async () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      const { events } = (await getRun(t.db, "r2"))!;
      expect(events.map((e) => [e.state, e.status])).toEqual([
        ["Train", "SUCCEEDED"],
        ["Register", "FAILED"],
      ]);
      expect(events[0].summary).toEqual({ trained: 2 });
      expect(events[1].error).toBe("Error: boom");
      expect(events[0].duration_ms).toBeGreaterThanOrEqual(0);
    });

    it("finds the earlier runs of a dataset that are still running", async () => {
      for (const id of ["o1", "o2", "o3"]) {
        await createRun(t.db, { ...input(id), dataset: "ordered" });
        await new Promise((r) => setTimeout(r, 2));
      }
      expect(await earlierRunsInProgress(t.db, "o1", "ordered")).toEqual([]);
      expect((await earlierRunsInProgress(t.db, "o3", "ordered")).sort()).toEqual(["o1", "o2"]);
      await finishRun(t.db, "o1", "SUCCEEDED");
      expect(await earlierRunsInProgress(t.db, "o3", "ordered")).toEqual(["o2"]);
      expect(await earlierRunsInProgress(t.db, "o2", "other")).toEqual([]);
    });

    it("pages runs newest first with a cursor", async () => {
      for (const id of ["p1", "p2", "p3"]) await createRun(t.db, { ...input(id), dataset: "paged" });
      const first = await listRuns(t.db, { dataset: "paged", limit: 2 });
      expect(first.runs).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const second = await listRuns(t.db, { dataset: "paged", limit: 2, cursor: first.nextCursor! });
      const ids = [...first.runs, ...second.runs].map((r) => r.run_id);
      expect(new Set(ids).size).toBe(3);
      expect(second.nextCursor).toBeNull();
    });

    it("switches a customer's model and forecast atomically", async () => {
      const model = (version: string) => ({
        dataset: "d",
        customerId: "c1",
        version,
        runId: "r1",
        algorithm: "SeasonalNaive",
        metrics: { mase: 1 },
        selection: {},
        artifactKey: `models/d/c1/${version}.tar.gz`,
      });
      await registerModels(t.db, [model("v1"), model("v2")]);
      expect(await activeModel(t.db, "d", "c1")).toBeUndefined();
      await publishForecasts(t.db, "d", [
        {
          customerId: "c1",
          version: "v1",
          points: [point("2026-01-01T00:00:00Z", 5), point("2026-01-01T01:00:00Z", 6)],
        },
      ]);
      expect((await activeModel(t.db, "d", "c1"))?.version).toBe("v1");
      await publishForecasts(t.db, "d", [
        { customerId: "c1", version: "v2", points: [{ ...point("2026-01-02T00:00:00Z", 7), p5: 1 }] },
      ]);
      const forecast = await readForecast(t.db, "d", "c1");
      expect(forecast?.version).toBe("v2");
      expect(forecast?.points).toEqual([
        { timestamp: "2026-01-02T00:00:00.000Z", mean: 7, p10: 6, p50: 7, p90: 8, p5: 1 },
      ]);
      expect((await activeModel(t.db, "d", "c1"))?.version).toBe("v2");
      const ranged = await readForecast(t.db, "d", "c1", { from: new Date("2026-01-03T00:00:00Z") });
      expect(ranged).toBeUndefined();
    });

    it("lists customers with their active model, by prefix and page", async () => {
      const customer = (id: string) => ({
        id,
        dataKey: `customers/d/${id}/data.csv`,
        points: 3,
        gaps: 0,
        first: "2026-01-01T00:00:00Z",
        last: "2026-01-01T02:00:00Z",
      });
      await upsertCustomers(t.db, "d", { horizon: 2 }, "H", ["c1", "c2", "x1"].map(customer));
      const page = await listCustomers(t.db, "d", { limit: 2 });
      expect(page.customers.map((c) => c.customerId)).toEqual(["c1", "c2"]);
      expect(page.customers[0].model?.version).toBe("v2");
      const rest = await listCustomers(t.db, "d", { limit: 2, cursor: page.nextCursor! });
      expect(rest.customers.map((c) => c.customerId)).toEqual(["x1"]);
      expect((await listCustomers(t.db, "d", { limit: 10, search: "c" })).customers).toHaveLength(2);
      expect((await listCustomers(t.db, "d", { limit: 10, search: "%" })).customers).toHaveLength(0);
    });

    it("verifies, scopes and revokes API keys", async () => {
      const { id, key } = await createApiKey(t.db, { kind: "customer", dataset: "d", customerId: "c1" });
      expect(await verifyApiKey(t.db, key)).toEqual({ kind: "customer", dataset: "d", customerId: "c1" });
      expect(await verifyApiKey(t.db, `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`)).toBeUndefined();
      expect(await revokeApiKey(t.db, id)).toBe(true);
      expect(await verifyApiKey(t.db, key)).toBeUndefined();
    });
  });
}
