import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelArtifact } from "@myriad/core/artifact/model-artifact";
import type { InvokeResponse } from "@myriad/core/ports/inference-endpoint";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENDPOINT_SECRET_HEADER, LOOPBACK_HOSTS } from "./endpoint-guard.ts";
import { createModelServerApp, type ModelServerLog } from "./model-server-app.ts";
import type { ModelServerMetrics } from "./server-metrics.ts";
import { reversion, trainTestArtifact, writeTestArtifact } from "./testing/test-artifacts.ts";

let dir: string;
let base: ModelArtifact;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "model-server-"));
  base = trainTestArtifact();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const path = (name: string) => `/models/${encodeURIComponent(name)}`;

async function loaded(app: Hono, customerId: string) {
  const { path: url, target } = await writeTestArtifact(dir, reversion(base, customerId));
  const res = await app.request("/models", json({ model_name: target, url }));
  expect(res.status).toBe(200);
  return { target, url };
}

describe("model server contract", () => {
  it("GET /ping answers 200", async () => {
    const res = await createModelServerApp().request("/ping");
    expect(res.status).toBe(200);
  });

  it("POST /models loads, then 409 for the same name", async () => {
    const app = createModelServerApp();
    const { target, url } = await loaded(app, "load-1");
    const again = await app.request("/models", json({ model_name: target, url }));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "model_already_loaded" });
  });

  it("POST /models answers 400 for a bad body or a missing path, 422 for a broken archive", async () => {
    const app = createModelServerApp();
    expect((await app.request("/models", json({ model_name: "x" }))).status).toBe(400);
    const notJson = { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" };
    expect((await app.request("/models", notJson)).status).toBe(400);
    const missing = await app.request("/models", json({ model_name: "x", url: join(dir, "nope") }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_model_url" });
    const broken = join(dir, "broken.tar.gz");
    await writeFile(broken, "not gzip");
    const bad = await app.request("/models", json({ model_name: "x", url: broken }));
    expect(bad.status).toBe(422);
    expect((await app.request(path("x"))).status).toBe(404);
  });

  it("POST /models loads a directory holding the archive, or a model.json", async () => {
    const app = createModelServerApp();
    const { path: archive } = await writeTestArtifact(join(dir, "as-dir"), reversion(base, "dir-1"));
    const folder = archive.slice(0, archive.lastIndexOf("/"));
    expect((await app.request("/models", json({ model_name: "from-dir", url: folder }))).status).toBe(200);
    const jsonDir = join(dir, "json-model");
    await writeTestArtifact(jsonDir, base);
    await writeFile(join(jsonDir, "model.json"), JSON.stringify(base));
    expect((await app.request("/models", json({ model_name: "from-json", url: jsonDir }))).status).toBe(200);
  });

  it("POST /models answers 507 when the memory budget or the model cap is full", async () => {
    const { path: url } = await writeTestArtifact(dir, reversion(base, "budget-1"));
    const probe = await createModelServerApp().request("/models", json({ model_name: "probe", url }));
    const { sizeBytes } = (await probe.json()) as { sizeBytes: number };
    const tight = createModelServerApp({ memoryBudgetBytes: Math.floor(1.5 * sizeBytes) });
    expect((await tight.request("/models", json({ model_name: "a", url }))).status).toBe(200);
    const full = await tight.request("/models", json({ model_name: "b", url }));
    expect(full.status).toBe(507);
    expect(await full.json()).toMatchObject({ error: "insufficient_memory" });
    const tooLarge = await createModelServerApp({ memoryBudgetBytes: sizeBytes - 1 }).request(
      "/models",
      json({ model_name: "a", url }),
    );
    expect(tooLarge.status).toBe(507);
    expect(await tooLarge.json()).toMatchObject({ error: "model_too_large" });
    const capped = createModelServerApp({ maxModels: 1 });
    await capped.request("/models", json({ model_name: "a", url }));
    expect((await capped.request("/models", json({ model_name: "b", url }))).status).toBe(507);
  });

  it("GET /models pages with next_page_token until no nextPageToken is returned", async () => {
    const app = createModelServerApp({ pageSize: 2 });
    const names: string[] = [];
    for (const id of ["p1", "p2", "p3", "p4", "p5"]) names.push((await loaded(app, id)).target);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await app.request(`/models${token ? `?next_page_token=${encodeURIComponent(token)}` : ""}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        models: { modelName: string; modelUrl: string }[];
        nextPageToken?: string;
      };
      seen.push(...body.models.map((m) => m.modelName));
      expect(body.models.every((m) => m.modelUrl.endsWith(".tar.gz"))).toBe(true);
      token = body.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());
    expect((await app.request("/models?max_results=0")).status).toBe(400);
  });

  it("GET /models/{name} describes a loaded model; 404 for an unknown one", async () => {
    const app = createModelServerApp();
    const { target, url } = await loaded(app, "get-1");
    const res = await app.request(path(target));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ modelName: target, modelUrl: url, algorithm: base.algorithm });
    expect((await app.request(path("default/none/1.tar.gz"))).status).toBe(404);
  });

  it("DELETE /models/{name} frees the model before answering; 404 after", async () => {
    const app = createModelServerApp();
    const { target } = await loaded(app, "del-1");
    const before = (await (await app.request("/metrics")).json()) as ModelServerMetrics;
    expect(before.memory.usedBytes).toBeGreaterThan(0);
    expect((await app.request(path(target), { method: "DELETE" })).status).toBe(200);
    const after = (await (await app.request("/metrics")).json()) as ModelServerMetrics;
    expect(after.memory.usedBytes).toBe(0);
    expect(after.LoadedModelCount).toBe(0);
    expect((await app.request(path(target), { method: "DELETE" })).status).toBe(404);
    expect((await app.request(`${path(target)}/invoke`, json({ horizon: 3 }))).status).toBe(404);
  });

  it("POST /models/{name}/invoke forecasts with the artifact's quantiles or the requested ones", async () => {
    const app = createModelServerApp();
    const { target } = await loaded(app, "inv-1");
    const res = await app.request(`${path(target)}/invoke`, json({ horizon: 24 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as InvokeResponse;
    expect(body.model).toEqual({ algorithm: base.algorithm, version: base.version });
    expect(body.points).toHaveLength(24);
    expect(body.points[0].timestamp).toBe(new Date(Date.parse(base.trainEnd) + 3_600_000).toISOString());
    for (const p of body.points) expect(p.p10 <= p.p50 && p.p50 <= p.p90).toBe(true);
    const custom = (await (
      await app.request(`${path(target)}/invoke`, json({ horizon: 2, quantiles: [0.05, 0.95] }))
    ).json()) as InvokeResponse;
    expect(Object.keys(custom.points[0]).sort()).toEqual(["mean", "p5", "p95", "timestamp"]);
  });

  it("accepts unencoded slashes in the name and routes /invocations by the target-model header", async () => {
    const app = createModelServerApp();
    const { target } = await loaded(app, "hdr-1");
    expect((await app.request(`/models/${target}/invoke`, json({ horizon: 1 }))).status).toBe(200);
    const viaHeader = await app.request("/invocations", {
      ...json({ horizon: 1 }),
      headers: { "content-type": "application/json", "X-Amzn-SageMaker-Target-Model": target },
    });
    expect(viaHeader.status).toBe(200);
    expect((await app.request("/invocations", json({ horizon: 1 }))).status).toBe(400);
  });

  it("answers 400 with {error, message} for invalid invoke bodies", async () => {
    const app = createModelServerApp();
    const { target } = await loaded(app, "val-1");
    const cases: [unknown, string][] = [
      [{ horizon: 0 }, "invalid_horizon"],
      [{ horizon: 1.5 }, "invalid_request"],
      [{}, "invalid_request"],
      [{ horizon: 3, quantiles: [1.5] }, "invalid_quantiles"],
      [{ horizon: 3, start: "yesterday" }, "invalid_start"],
      [{ horizon: 3, start: "2000-01-01T00:00:00Z" }, "invalid_start"],
    ];
    for (const [body, error] of cases) {
      const res = await app.request(`${path(target)}/invoke`, json(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = (await res.json()) as { error: string; message: string };
      expect(answer.error).toBe(error);
      expect(answer.message.length).toBeGreaterThan(0);
    }
  });

  it("answers a repeated invoke from the response cache, never from an unloaded copy", async () => {
    const app = createModelServerApp();
    const { target, url } = await loaded(app, "memo-1");
    const invoke = async (body: unknown) => (await app.request(`${path(target)}/invoke`, json(body))).text();
    const first = await invoke({ horizon: 6 });
    expect(await invoke({ horizon: 6 })).toBe(first);
    expect(await invoke({ horizon: 7 })).not.toBe(first);
    await app.request(path(target), { method: "DELETE" });
    await writeTestArtifact(dir, { ...reversion(base, "memo-1"), algorithm: "SeasonalNaive" });
    await app.request("/models", json({ model_name: target, url }));
    const reloaded = JSON.parse(await invoke({ horizon: 6 })) as InvokeResponse;
    expect(reloaded.model.algorithm).toBe("SeasonalNaive");
    const m = (await (await app.request("/metrics")).json()) as ModelServerMetrics;
    expect(m.responseCache).toMatchObject({ hits: 1, misses: 3 });
    expect(m.Invocations).toBe(4);
  });

  it("GET /metrics counts loads, unloads and invocations", async () => {
    const app = createModelServerApp();
    const { target } = await loaded(app, "met-1");
    for (let i = 0; i < 3; i++) await app.request(`${path(target)}/invoke`, json({ horizon: 4 }));
    await app.request(path(target), { method: "DELETE" });
    const m = (await (await app.request("/metrics")).json()) as ModelServerMetrics;
    expect(m.Invocations).toBe(3);
    expect(m.ModelLatency.count).toBe(3);
    expect(m.ModelLoadingTime).toMatchObject({ unit: "Microseconds", count: 1 });
    expect(m.ModelLoadingTime.p50).toBeGreaterThan(0);
    expect(m.ModelUnloadingTime.count).toBe(1);
    expect(m.LoadedModelCount).toBe(0);
  });
});

describe("model server locked down for a shared machine (the embedded stack)", () => {
  const secret = "s3cret-for-this-process";
  const withSecret = (init: RequestInit = {}, host = "127.0.0.1:8080") => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), [ENDPOINT_SECRET_HEADER]: secret, host },
  });

  it("answers every route only with the secret, and names no model or path when refusing", async () => {
    const app = createModelServerApp({ secret });
    const { path: url, target } = await writeTestArtifact(dir, reversion(base, "sec-1"));
    expect((await app.request("/models", withSecret(json({ model_name: target, url })))).status).toBe(200);
    const attempts: [string, RequestInit][] = [
      ["/ping", {}],
      ["/metrics", {}],
      ["/models", {}],
      [path(target), {}],
      [`${path(target)}/invoke`, json({ horizon: 3 })],
      ["/invocations", { ...json({ horizon: 3 }), headers: { "X-Amzn-SageMaker-Target-Model": target } }],
      [path(target), { method: "DELETE" }],
      ["/models", json({ model_name: "other", url })],
      ["/no/such/route", {}],
    ];
    for (const [p, init] of attempts) {
      for (const given of [undefined, "wrong", `${secret}x`, ""]) {
        const headers = { ...(init.headers as Record<string, string>) };
        if (given !== undefined) headers[ENDPOINT_SECRET_HEADER] = given;
        const res = await app.request(p, { ...init, headers });
        const text = await res.text();
        expect(res.status, `${init.method ?? "GET"} ${p} with ${given}`).toBe(401);
        expect(JSON.parse(text)).toEqual({ error: "unauthorized", message: expect.any(String) });
        expect(text).not.toContain(target);
        expect(text).not.toContain(dir);
      }
    }
    // Nothing was unloaded or replaced; with the secret every route works.
    expect((await app.request(`${path(target)}/invoke`, withSecret(json({ horizon: 3 })))).status).toBe(200);
    expect((await app.request("/models", withSecret())).status).toBe(200);
  });

  it("refuses a Host that is not loopback (DNS rebinding), even with the secret", async () => {
    const app = createModelServerApp({ secret, allowedHosts: LOOPBACK_HOSTS });
    for (const host of [
      "evil.example:8080",
      "evil.example",
      "127.0.0.1.nip.io:8080",
      "[::2]:8080",
      "0.0.0.0:8080",
    ]) {
      const res = await app.request("/models", withSecret({}, host));
      expect(res.status, host).toBe(403);
      expect(await res.json()).toMatchObject({ error: "host_not_allowed" });
    }
    for (const host of ["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080"])
      expect((await app.request("/ping", withSecret({}, host))).status, host).toBe(200);
  });

  it("refuses a POST /models body that is not application/json (what a web page can send)", async () => {
    const app = createModelServerApp();
    const { path: url, target } = await writeTestArtifact(dir, reversion(base, "plain-1"));
    const body = JSON.stringify({ model_name: target, url });
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const res = await app.request("/models", { method: "POST", headers: { "content-type": type }, body });
      expect(res.status, type).toBe(415);
    }
    expect((await app.request(path(target))).status).toBe(404);
  });

  it("loads only files whose real path is inside modelRoot; any other url gets one identical answer", async () => {
    const root = join(dir, "root");
    const outside = join(dir, "outside");
    await mkdir(root, { recursive: true });
    await mkdir(outside, { recursive: true });
    const inside = await writeTestArtifact(root, reversion(base, "root-1"));
    const stranger = await writeTestArtifact(outside, reversion(base, "root-2"));
    await writeFile(join(outside, "admin-key"), "SECRET_TOKEN_abc");
    await symlink(stranger.path, join(root, "link-out.tar.gz"));
    await symlink(join(outside, "admin-key"), join(root, "key-link"));
    await mkdir(join(root, "dir-with-link"));
    await symlink(join(outside, "admin-key"), join(root, "dir-with-link", "model.json"));
    const app = createModelServerApp({ modelRoot: root, log: () => {} });
    const refusals = new Set<string>();
    for (const url of [
      "/etc/passwd",
      "/etc/no-such-file",
      stranger.path,
      join(outside, "admin-key"),
      join(outside, "missing.tar.gz"),
      join(root, "..", "outside", "admin-key"),
      join(root, "link-out.tar.gz"),
      join(root, "key-link"),
      join(root, "dir-with-link"),
      join(root, "missing.tar.gz"),
      root,
      "relative/path",
    ]) {
      const res = await app.request("/models", json({ model_name: `m-${refusals.size}`, url }));
      expect(res.status, url).toBe(400);
      refusals.add(await res.text());
    }
    expect([...refusals]).toEqual([
      JSON.stringify({ error: "invalid_model_url", message: "cannot load a model from this url" }),
    ]);
    expect((await app.request("/models", json({ model_name: inside.target, url: inside.path }))).status).toBe(
      200,
    );
  });

  it("never echoes a file's contents or format in its errors, and logs the detail instead", async () => {
    const logged: string[] = [];
    const log: ModelServerLog = (_level, message, fields) =>
      logged.push(`${message} ${JSON.stringify(fields)}`);
    const app = createModelServerApp({ log });
    const token = join(dir, "token.json");
    await writeFile(token, "SECRET_TOKEN_abc");
    const formatted = join(dir, "other-format.json");
    await writeFile(formatted, JSON.stringify({ format: "leaky-format/9" }));
    const garbage = join(dir, "garbage.tar.gz");
    await writeFile(garbage, "SECRET_TOKEN_abc");
    const answers = new Set<string>();
    for (const url of [token, formatted, garbage]) {
      const res = await app.request("/models", json({ model_name: "x", url }));
      expect(res.status, url).toBe(422);
      const text = await res.text();
      for (const leak of ["SECRET", "leaky", "header check", "Unexpected token", dir])
        expect(text).not.toContain(leak);
      answers.add(text);
    }
    expect(answers.size).toBe(1);
    expect(logged.join("\n")).toContain("leaky-format/9");
    expect(logged.join("\n")).toContain(garbage);
  });

  it("answers an unexpected failure with a generic 500 and logs what it was", async () => {
    const logged: string[] = [];
    const app = createModelServerApp({
      loader: {
        load: () => Promise.reject(new Error("EACCES: permission denied, open '/home/someone/.ssh/id_rsa'")),
      },
      log: (_level, message) => logged.push(message),
    });
    const res = await app.request("/models", json({ model_name: "x", url: "/anything" }));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(".ssh");
    expect(logged.join("\n")).toContain(".ssh");
  });
});
