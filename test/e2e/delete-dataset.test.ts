import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { deleteDatasetRows } from "@myriad/core/registry/dataset-rows";
import { createRun, finishRun } from "@myriad/core/registry/runs";
import type { RouterInferenceEndpoint } from "@myriad/local/adapters/router-inference-endpoint";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

const csv = (seed: number) =>
  [...generateRows({ customers: 3, days: 21, seed, start: new Date("2026-01-05T00:00:00Z") })].join("");

/** Every prefix of the bucket a dataset's objects may live under. */
const PREFIXES = ["raw", "customers", "models", "manifests", "quarantine", "drivers", "runs", "training"];
const TABLES = ["runs", "models", "forecasts", "forecast_accuracy", "customers"] as const;

describe("DELETE /v1/datasets/{dataset} on the embedded stack (PostgreSQL)", () => {
  let stack: TestStack;

  /** Rows of the dataset in every table that has them. */
  async function rowCounts(dataset: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const row = await stack.ports.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("dataset", "=", dataset)
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    const own = await stack.ports.db
      .selectFrom("datasets")
      .select("name")
      .where("name", "=", dataset)
      .execute();
    counts.datasets = own.length;
    return counts;
  }

  async function objectsOf(dataset: string): Promise<string[]> {
    const keys: string[] = [];
    for (const prefix of PREFIXES)
      for await (const o of stack.ports.store.list(`${prefix}/${dataset}/`)) keys.push(o.key);
    return keys;
  }

  /** Writes files into raw/<dataset>/ and waits for the run of the data file to end. */
  async function upload(dataset: string, seed: number): Promise<void> {
    const folder = join(stack.ports.bucketDir, "raw", dataset);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "metadata.csv"), "customer_id,region\n1,north\n2,south\n3,north\n");
    await writeFile(join(folder, "readings.csv"), csv(seed));
    const status = await waitFor(async () => {
      const { runs } = (await (await stack.api(`/v1/runs?dataset=${dataset}`)).json()) as {
        runs: { status: string }[];
      };
      return runs[0] && runs[0].status !== "RUNNING" ? runs[0].status : undefined;
    }, 120_000);
    expect(status).toBe("SUCCEEDED");
  }

  beforeAll(async () => {
    stack = await startTestStack("postgres");
    await upload("gone_1", 3);
    await upload("kept", 4);
    await stack.idle();
  });
  afterAll(() => stack?.shutdown());

  it("deletes the dataset's rows, files, keys and loaded models, and leaves another dataset as it was", async () => {
    const endpoint = stack.ports.endpoint as RouterInferenceEndpoint;
    const predict = await stack.api("/v1/datasets/gone_1/customers/1/predict", { body: { horizon: 6 } });
    expect(predict.status).toBe(200);
    expect(endpoint.loadedModels().some((t) => t.startsWith("gone_1/"))).toBe(true);
    const keyRes = await stack.api("/v1/keys", { body: { scope: "customer:gone_1/1" } });
    const goneKey = (await keyRes.json()) as { id: string; key: string };
    const keptKeyRes = await stack.api("/v1/keys", { body: { scope: "customer:kept/1" } });
    const keptKey = (await keptKeyRes.json()) as { id: string };
    // Used once, so the API holds it as verified when the delete revokes it.
    const ownForecast = "/v1/datasets/gone_1/customers/1/forecast";
    expect((await stack.api(ownForecast, { key: goneKey.key })).status).toBe(200);

    const before = await rowCounts("gone_1");
    expect(before.runs).toBe(1);
    expect(before.models).toBeGreaterThan(0);
    expect(before.forecasts).toBeGreaterThan(0);
    expect(before.customers).toBe(3);
    const goneObjects = await objectsOf("gone_1");
    for (const prefix of ["raw", "customers", "models", "manifests", "drivers"])
      expect(
        goneObjects.some((k) => k.startsWith(`${prefix}/`)),
        prefix,
      ).toBe(true);
    const keptRows = await rowCounts("kept");
    const keptObjects = await objectsOf("kept");

    const res = await stack.api("/v1/datasets/gone_1", { method: "DELETE" });
    expect(res.status).toBe(204);

    expect(await rowCounts("gone_1")).toEqual({
      runs: 0,
      models: 0,
      forecasts: 0,
      forecast_accuracy: 0,
      customers: 0,
      datasets: 0,
    });
    const events = await stack.ports.db.selectFrom("run_events").select("run_id").execute();
    const runIds = new Set(
      (await stack.ports.db.selectFrom("runs").select("run_id").execute()).map((r) => r.run_id),
    );
    expect(events.every((e) => runIds.has(e.run_id))).toBe(true);
    expect(await objectsOf("gone_1")).toEqual([]);
    await expect(stat(join(stack.ports.bucketDir, "raw", "gone_1"))).rejects.toThrow(/ENOENT/);
    expect(endpoint.loadedModels().filter((t) => t.startsWith("gone_1/"))).toEqual([]);
    const keys = await stack.ports.db.selectFrom("api_keys").select(["id", "revoked_at"]).execute();
    expect(keys.find((k) => k.id === goneKey.id)?.revoked_at).not.toBeNull();
    expect(keys.find((k) => k.id === keptKey.id)?.revoked_at).toBeNull();
    expect((await stack.api(ownForecast, { key: goneKey.key })).status).toBe(401);

    expect(await rowCounts("kept")).toEqual(keptRows);
    expect(await objectsOf("kept")).toEqual(keptObjects);
    expect((await stack.api("/v1/datasets/kept/customers/1/forecast")).status).toBe(200);
    const { datasets } = (await (await stack.api("/v1/datasets")).json()) as {
      datasets: { dataset: string }[];
    };
    expect(datasets.map((d) => d.dataset)).toEqual(["kept"]);
    expect((await stack.api("/v1/datasets/gone_1/customers/1/forecast")).status).toBe(404);

    const again = await stack.api("/v1/datasets/gone_1", { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
  });

  it("is in the OpenAPI document with its 204 and 409", async () => {
    const doc = (await (await stack.api("/openapi.json", { key: null })).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const op = doc.paths["/v1/datasets/{dataset}"]?.delete;
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(["204", "403", "404", "409"]));
  });

  it("refuses a customer key (403), an unknown dataset (404) and a name no dataset can have (400)", async () => {
    const created = (await (await stack.api("/v1/keys", { body: { scope: "customer:kept/2" } })).json()) as {
      key: string;
    };
    const refused = await stack.api("/v1/datasets/kept", { method: "DELETE", key: created.key });
    expect(refused.status).toBe(403);
    expect((await stack.api("/v1/datasets/never-uploaded", { method: "DELETE" })).status).toBe(404);
    for (const name of ["..", "a..b", "-x", "%2E%2E", "a%2Fb"]) {
      const res = await stack.api(`/v1/datasets/${name}`, { method: "DELETE" });
      expect([400, 404], name).toContain(res.status);
      expect(res.headers.get("content-type"), name).toContain("application/problem+json");
    }
    expect((await stack.api("/v1/datasets/a..b", { method: "DELETE" })).status).toBe(400);
    expect((await rowCounts("kept")).customers).toBe(3);
  });

  it("answers 409 while a run of the dataset is under way or queued, and deletes nothing", async () => {
    await upload("busy", 5);
    const runId = "run-busy-queued";
    await createRun(stack.ports.db, {
      runId,
      dataset: "busy",
      bucket: "local",
      key: "raw/busy/next.csv",
      size: 1,
      etag: "x",
    });
    const objects = await objectsOf("busy");
    const res = await stack.api("/v1/datasets/busy", { method: "DELETE" });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe("dataset_busy");
    expect(problem.detail).toContain(runId);
    expect(await objectsOf("busy")).toEqual(objects);
    expect((await rowCounts("busy")).customers).toBe(3);

    // A run that starts between the check and the transaction rolls the rows back too.
    await expect(deleteDatasetRows(stack.ports.db, "busy")).rejects.toMatchObject({ status: 409 });
    expect((await rowCounts("busy")).runs).toBe(2);

    await finishRun(stack.ports.db, runId, "FAILED", { error: "test" });
    expect((await stack.api("/v1/datasets/busy", { method: "DELETE" })).status).toBe(204);
    expect(await objectsOf("busy")).toEqual([]);
  });

  it("finishes a delete that stopped half-way: after the rows, only files were left", async () => {
    await upload("halfway", 6);
    // The crash: the uploads and the rows are gone, the derived files are not.
    await stack.ports.store.deletePrefix("raw/halfway/");
    await deleteDatasetRows(stack.ports.db, "halfway");
    expect((await objectsOf("halfway")).length).toBeGreaterThan(0);
    expect((await stack.api("/v1/datasets/halfway", { method: "DELETE" })).status).toBe(204);
    expect(await objectsOf("halfway")).toEqual([]);
    expect((await stack.api("/v1/datasets/halfway", { method: "DELETE" })).status).toBe(404);
  });
});
