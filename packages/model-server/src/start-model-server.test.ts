import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InvokeResponse } from "@myriad/core/ports/inference-endpoint";
import { afterAll, describe, expect, it } from "vitest";
import { startModelServer } from "./start-model-server.ts";
import { trainTestArtifact, writeTestArtifact } from "./testing/test-artifacts.ts";

const dir = await mkdtemp(join(tmpdir(), "model-server-port-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("startModelServer", () => {
  it("serves the contract over a real loopback port", async () => {
    const server = await startModelServer({ port: 0 });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect((await fetch(`${server.url}/ping`)).status).toBe(200);
      const { path, target } = await writeTestArtifact(dir, trainTestArtifact());
      const post = (p: string, body: unknown) =>
        fetch(`${server.url}${p}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await post("/models", { model_name: target, url: path })).status).toBe(200);
      expect((await post("/models", { model_name: target, url: path })).status).toBe(409);
      const res = await post(`/models/${encodeURIComponent(target)}/invoke`, { horizon: 48 });
      expect(res.status).toBe(200);
      expect(((await res.json()) as InvokeResponse).points).toHaveLength(48);
      const gone = await fetch(`${server.url}/models/${encodeURIComponent(target)}`, { method: "DELETE" });
      expect(gone.status).toBe(200);
      expect((await post(`/models/${encodeURIComponent(target)}/invoke`, { horizon: 1 })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("answers a request no URL can hold (a backslash in the path) with a JSON 400, not an empty one", async () => {
    const server = await startModelServer({ port: 0 });
    try {
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.port, path: "/models\\..\\x" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.body)).toMatchObject({ error: "bad_request" });
    } finally {
      await server.close();
    }
  });
});
