import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packArtifact } from "@myriad/core/artifact/archive";
import type { ModelArtifact } from "@myriad/core/artifact/model-artifact";
import { targetModelName } from "@myriad/core/dataset/keys";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { createModelServerApp, type ModelServerAppOptions } from "@myriad/model-server/model-server-app";
import type { ModelServerMetrics } from "@myriad/model-server/server-metrics";
import { startModelServer } from "@myriad/model-server/start-model-server";
import { reversion, trainTestArtifact } from "@myriad/model-server/testing/test-artifacts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedModelServer } from "../endpoint/embedded-model-server.ts";
import {
  createRouterInferenceEndpoint,
  type RouterInferenceEndpointOptions,
} from "./router-inference-endpoint.ts";

/** The bucket in memory, counting reads so tests can see downloads. */
class MemoryStore implements Pick<ObjectStore, "get"> {
  readonly objects = new Map<string, Uint8Array>();
  gets = 0;
  async get(key: string) {
    this.gets++;
    await new Promise((r) => setTimeout(r, 2));
    return this.objects.get(key);
  }
}

let root: string;
let base: ModelArtifact;
let store: MemoryStore;
let size: number;
const targets: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "router-"));
  base = trainTestArtifact();
  store = new MemoryStore();
  for (let i = 0; i < 6; i++) {
    const artifact = reversion(base, `c${i}`);
    const target = targetModelName(artifact.dataset, artifact.customerId, artifact.version);
    const bytes = await packArtifact(artifact);
    size = bytes.length;
    store.objects.set(`models/${target}`, bytes);
    targets.push(target);
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

let n = 0;
function setup(server: ModelServerAppOptions = {}, router: Partial<RouterInferenceEndpointOptions> = {}) {
  const app = createModelServerApp(server);
  const endpoint = createRouterInferenceEndpoint({
    store,
    server: app,
    cacheDir: join(root, `cache-${n++}`),
    ...router,
  });
  const serverMetrics = async () => (await (await app.request("/metrics")).json()) as ModelServerMetrics;
  const serverModels = async () =>
    ((await (await app.request("/models")).json()) as { models: { modelName: string }[] }).models.map(
      (m) => m.modelName,
    );
  return { app, endpoint, serverMetrics, serverModels };
}

const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MyriadError);
  return e as MyriadError;
};

describe("router inference endpoint", () => {
  it("loads on first invoke, then serves from the loaded model", async () => {
    const { endpoint } = setup();
    const first = await endpoint.invoke(targets[0], { horizon: 24 });
    expect(first.model).toEqual({ algorithm: base.algorithm, version: base.version });
    expect(first.points).toHaveLength(24);
    await endpoint.invoke(targets[0], { horizon: 3 });
    const m = endpoint.metrics();
    expect(m.Invocations).toBe(2);
    expect(m.ModelCacheHit).toMatchObject({ sum: 1, sampleCount: 2, average: 0.5 });
    expect(m.LoadedModelCount).toBe(1);
    expect(m.ModelDownloadingTime.count).toBe(1);
    expect(m.ModelLoadingTime.count).toBe(1);
    expect(m.ModelLoadingWaitTime.count).toBe(1);
    expect(m.ModelLoadingWaitTime.p50).toBeGreaterThanOrEqual(m.ModelLoadingTime.p50);
    expect(m.ModelLatency.count).toBe(2);
  });

  it("answers 404 model_not_found for an artifact that does not exist", async () => {
    const { endpoint } = setup();
    const e = await rejection(endpoint.invoke("default/nobody/1.tar.gz", { horizon: 1 }));
    expect([e.status, e.code]).toEqual([404, "model_not_found"]);
    expect(endpoint.metrics().Invocation4XXErrors).toBe(1);
  });

  it("rejects target names that would leave the cache folder", async () => {
    const { endpoint } = setup();
    for (const bad of ["../etc/passwd", "/abs.tar.gz", "a//b", "a/../b"]) {
      expect((await rejection(endpoint.invoke(bad, { horizon: 1 }))).status).toBe(400);
    }
  });

  it("passes the container's validation errors through with their status and code", async () => {
    const { endpoint } = setup();
    const e = await rejection(endpoint.invoke(targets[0], { horizon: 0 }));
    expect([e.status, e.code]).toEqual([400, "invalid_horizon"]);
  });

  it("makes one download and one load for many concurrent invokes of a cold model", async () => {
    const { endpoint, serverMetrics } = setup();
    const before = store.gets;
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => endpoint.invoke(targets[1], { horizon: 2 })),
    );
    expect(answers.every((a) => a.points.length === 2)).toBe(true);
    expect(store.gets - before).toBe(1);
    expect((await serverMetrics()).ModelLoadingTime.count).toBe(1);
    const m = endpoint.metrics();
    expect(m.ModelLoadingTime.count).toBe(1);
    expect(m.ModelLoadingWaitTime.count).toBe(25);
    expect(m.ModelCacheHit.sum).toBe(0);
  });

  it("unloads the least recently used model past maxModels, and reloads it from disk", async () => {
    const { endpoint, serverModels } = setup({}, { maxModels: 2 });
    await endpoint.invoke(targets[0], { horizon: 1 });
    await endpoint.invoke(targets[1], { horizon: 1 });
    await endpoint.invoke(targets[0], { horizon: 1 });
    await endpoint.invoke(targets[2], { horizon: 1 });
    expect(endpoint.loadedModels()).toEqual([targets[0], targets[2]]);
    expect((await serverModels()).sort()).toEqual([targets[0], targets[2]].sort());
    const gets = store.gets;
    await endpoint.invoke(targets[1], { horizon: 1 });
    expect(store.gets).toBe(gets);
    const m = endpoint.metrics();
    expect(m.Evictions).toBe(2);
    expect(m.ModelUnloadingTime.count).toBe(2);
    expect(m.ModelDownloadingTime.count).toBe(3);
    expect(m.ModelLoadingTime.count).toBe(4);
    expect(m.LoadedModelCount).toBe(2);
  });

  it("unloads when the container answers 507, and keeps memory within its budget", async () => {
    const budget = Math.floor(2.5 * (await serverModelSize()));
    const { endpoint, serverMetrics } = setup({ memoryBudgetBytes: budget });
    for (const t of targets.slice(0, 5)) await endpoint.invoke(t, { horizon: 1 });
    const m = await serverMetrics();
    expect(m.LoadedModelCount).toBe(2);
    expect(m.memory.usedBytes).toBeLessThanOrEqual(budget);
    expect(endpoint.metrics().Evictions).toBe(3);
    expect(endpoint.loadedModels()).toEqual(targets.slice(3, 5));
  });

  it("fails with 507 model_too_large without unloading anything", async () => {
    const tiny = setup({ memoryBudgetBytes: 100 });
    const e = await rejection(tiny.endpoint.invoke(targets[0], { horizon: 1 }));
    expect([e.status, e.code]).toEqual([507, "model_too_large"]);
    expect(tiny.endpoint.metrics().Evictions).toBe(0);
    expect(tiny.endpoint.metrics().Invocation5XXErrors).toBe(1);
  });

  it("reloads and retries when the container no longer has the model", async () => {
    const { app, endpoint } = setup();
    await endpoint.invoke(targets[3], { horizon: 1 });
    await app.request(`/models/${encodeURIComponent(targets[3])}`, { method: "DELETE" });
    const again = await endpoint.invoke(targets[3], { horizon: 5 });
    expect(again.points).toHaveLength(5);
    expect(endpoint.metrics().ModelLoadingTime.count).toBe(2);
  });

  it("warm loads the targets, counts failures, and makes the next invoke a cache hit", async () => {
    const { endpoint, serverModels } = setup();
    const result = await endpoint.warm([
      targets[0],
      targets[1],
      targets[0],
      "default/nobody/1.tar.gz",
      "../x",
    ]);
    expect(result).toEqual({ loaded: 2, failed: 2 });
    expect((await serverModels()).sort()).toEqual([targets[0], targets[1]].sort());
    await endpoint.invoke(targets[1], { horizon: 1 });
    expect(endpoint.metrics().ModelCacheHit.sum).toBe(1);
  });

  it("works over HTTP against a model server on a loopback port, and says when it is down", async () => {
    const server = await startModelServer({ port: 0 });
    const endpoint = createRouterInferenceEndpoint({
      store,
      server: server.url,
      cacheDir: join(root, "http-cache"),
    });
    try {
      const answers = await Promise.all(
        targets.map((t) => endpoint.invoke(t, { horizon: 12, quantiles: [0.5] })),
      );
      expect(answers.map((a) => a.points.length)).toEqual(targets.map(() => 12));
      expect(Object.keys(answers[0].points[0]).sort()).toEqual(["mean", "p50", "timestamp"]);
    } finally {
      await server.close();
    }
    const e = await rejection(endpoint.invoke(targets[0], { horizon: 1 }));
    expect([e.status, e.code]).toEqual([503, "endpoint_unavailable"]);
    endpoint.close();
  });
});

describe("router inference endpoint against the embedded (locked-down) model server", () => {
  it("sends the secret with every load, invoke and unload, and reports a refused secret as 502", async () => {
    const cacheDir = join(root, "embedded-cache");
    const server = await startEmbeddedModelServer({ port: 0, cacheDir });
    const endpoint = createRouterInferenceEndpoint({
      store,
      server: server.url,
      secret: server.secret,
      cacheDir,
      maxModels: 2,
    });
    const stranger = createRouterInferenceEndpoint({
      store,
      server: server.url,
      secret: "not-the-secret",
      cacheDir: join(root, "stranger-cache"),
    });
    try {
      // Four models through a cache of two: loads from the cache folder, unloads, invokes.
      for (const t of targets.slice(0, 4))
        expect((await endpoint.invoke(t, { horizon: 3 })).points).toHaveLength(3);
      expect(endpoint.metrics().ModelUnloadingTime.count).toBe(2);
      expect(endpoint.metrics().Invocation4XXErrors + endpoint.metrics().Invocation5XXErrors).toBe(0);
      const e = await rejection(stranger.invoke(targets[0], { horizon: 1 }));
      expect([e.status, e.code]).toEqual([502, "endpoint_refused"]);
    } finally {
      endpoint.close();
      stranger.close();
      await server.close();
    }
  });
});

/** The size the container charges for one test model. */
async function serverModelSize(): Promise<number> {
  const { endpoint, serverMetrics } = setup();
  await endpoint.invoke(targets[0], { horizon: 1 });
  const used = (await serverMetrics()).memory.usedBytes;
  expect(used).toBeGreaterThan(size);
  return used;
}
