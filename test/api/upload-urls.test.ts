import { request } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import { FolderObjectStore } from "@myriad/local/adapters/folder-object-store";
import { configFromEnv } from "@myriad/local/env";
import { startStack } from "@myriad/local/stack";
import { LocalUploads } from "@myriad/local/upload-server";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

interface Ticket {
  key: string;
  url: string;
  headers: Record<string, string>;
}

const CSV_A = "customer_id,timestamp,consumption\na,2026-01-01 00:00:00,1\na,2026-01-01 01:00:00,2\n";
/** Same length as CSV_A, other bytes: on the old receiver, a second run. */
const CSV_B = CSV_A.replace(",2\n", ",3\n");

/** Finding 6 of issue #18: the embedded stack's upload URLs, held to what a presigned S3 PUT is. */
describe("embedded upload URLs, on the running stack", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
  });
  afterAll(() => stack?.shutdown());

  it("are single-use: a second PUT is refused and starts no second run", async () => {
    const res = await stack.api("/v1/uploads", {
      body: { dataset: "once", filename: "readings.csv", size: CSV_A.length },
    });
    expect(res.status).toBe(201);
    const ticket = (await res.json()) as Ticket;
    const first = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body: CSV_A });
    expect(first.status).toBe(200);
    const second = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body: CSV_B });
    expect(second.status).toBe(403);
    expect(((await second.json()) as { code: string }).code).toBe("upload_url_used");

    await waitFor(async () => {
      const body = (await (await stack.api("/v1/runs?dataset=once")).json()) as { runs: unknown[] };
      return body.runs.length > 0 ? true : undefined;
    }, 20_000);
    // The watcher waits for a file to settle (300 ms) before it reports it.
    await new Promise((r) => setTimeout(r, 1_000));
    await stack.idle();
    const runs = (await (await stack.api("/v1/runs?dataset=once")).json()) as { runs: unknown[] };
    expect(runs.runs).toHaveLength(1);
    expect(await readFile(join(stack.ports.bucketDir, "raw", "once", "readings.csv"), "utf8")).toBe(CSV_A);
  });

  it("are built from the configured base URL, whatever the request's Host header says", async () => {
    const api = new URL(stack.apiUrl);
    const body = JSON.stringify({ dataset: "hosted", filename: "x.csv", size: 3 });
    const ticket = await new Promise<Ticket>((resolve, reject) => {
      const req = request(
        {
          host: api.hostname,
          port: api.port,
          path: "/v1/uploads",
          method: "POST",
          headers: {
            host: "attacker.example:8443",
            authorization: `Bearer ${stack.adminKey}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () =>
            res.statusCode === 201 ? resolve(JSON.parse(text) as Ticket) : reject(new Error(text)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(ticket.url.startsWith(`${stack.apiUrl}/uploads?`), ticket.url).toBe(true);
    expect(ticket.url).not.toContain("attacker");
  });
});

describe("MYRIAD_PUBLIC_URL", () => {
  it("is the base of the upload URLs when set", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "myriad-public-url-"));
    const stack = await startStack(
      configFromEnv({
        dataDir,
        port: 0,
        endpointPort: 0,
        demo: false,
        publicUrl: "http://myriad.example:3000/",
      }),
      { watch: false },
    );
    try {
      const res = await fetch(`${stack.apiUrl}/v1/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ filename: "x.csv", size: 1 }),
      });
      const ticket = (await res.json()) as Ticket;
      expect(ticket.url.startsWith("http://myriad.example:3000/uploads?"), ticket.url).toBe(true);
    } finally {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("must be an http(s) URL", () => {
    const saved = process.env.MYRIAD_PUBLIC_URL;
    try {
      process.env.MYRIAD_PUBLIC_URL = "myriad.example:3000";
      expect(() => configFromEnv()).toThrow(/MYRIAD_PUBLIC_URL must be an http\(s\) URL/);
      process.env.MYRIAD_PUBLIC_URL = "https://myriad.example";
      expect(configFromEnv().publicUrl).toBe("https://myriad.example/");
    } finally {
      if (saved === undefined) delete process.env.MYRIAD_PUBLIC_URL;
      else process.env.MYRIAD_PUBLIC_URL = saved;
    }
  });
});

describe("LocalUploads", () => {
  let dir: string;
  let store: FolderObjectStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "myriad-uploads-"));
    store = new FolderObjectStore(join(dir, "bucket"), join(dir, "tmp"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The receiver behind an app that answers domain errors with their status, as the API does. */
  function receiver(uploads: LocalUploads) {
    const app = new Hono();
    app.route("/", uploads.routes());
    app.onError((e, c) =>
      e instanceof MyriadError
        ? c.json({ code: e.code }, e.status as 403)
        : c.json({ code: "internal" }, 500),
    );
    return async (url: string, init: { body: string; headers?: Record<string, string> }) => {
      // In process there is no HTTP layer to set Content-Length: set it as a client would.
      const headers = { "content-length": String(Buffer.byteLength(init.body)), ...init.headers };
      const res = await app.request(url, { method: "PUT", body: init.body, headers });
      return { status: res.status, code: ((await res.json()) as { code?: string }).code };
    };
  }

  it("refuses a body of another size than declared, and stores nothing until one fits", async () => {
    const uploads = new LocalUploads(store);
    uploads.serveAt("http://127.0.0.1:3000");
    const ticket = await uploads.createUpload("raw/sized/a.csv", {
      contentLength: 5,
      contentType: "text/csv",
    });
    const put = receiver(uploads);
    const headers = { ...ticket.headers };
    expect(await put(ticket.url, { body: "123456", headers })).toEqual({
      status: 403,
      code: "size_mismatch",
    });
    // A Content-Length that matches the signature, on a body that does not.
    expect(await put(ticket.url, { body: "123456", headers: { ...headers, "content-length": "5" } })).toEqual(
      {
        status: 403,
        code: "size_mismatch",
      },
    );
    expect(await put(ticket.url, { body: "1234", headers: { ...headers, "content-length": "5" } })).toEqual({
      status: 403,
      code: "size_mismatch",
    });
    expect(await store.head("raw/sized/a.csv")).toBeUndefined();
    // Refused attempts stored nothing, so they did not spend the URL.
    expect(await put(ticket.url, { body: "12345", headers })).toEqual({ status: 200, code: undefined });
    expect(new TextDecoder().decode(await store.get("raw/sized/a.csv"))).toBe("12345");
  });

  it("refuses another content type than the signed one", async () => {
    const uploads = new LocalUploads(store);
    uploads.serveAt("http://127.0.0.1:3000");
    const ticket = await uploads.createUpload("raw/typed/a.csv.gz", { contentType: "application/gzip" });
    const put = receiver(uploads);
    expect(await put(ticket.url, { body: "x", headers: { "content-type": "text/plain" } })).toEqual({
      status: 403,
      code: "content_type_mismatch",
    });
    expect(await put(ticket.url, { body: "x", headers: ticket.headers })).toEqual({
      status: 200,
      code: undefined,
    });
  });

  it("refuses an expired URL", async () => {
    const uploads = new LocalUploads(store, { ttlMs: 1 });
    uploads.serveAt("http://127.0.0.1:3000");
    const ticket = await uploads.createUpload("raw/late/a.csv", {
      contentLength: 1,
      contentType: "text/csv",
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(await receiver(uploads)(ticket.url, { body: "x", headers: ticket.headers })).toEqual({
      status: 403,
      code: "upload_expired",
    });
    expect(await store.head("raw/late/a.csv")).toBeUndefined();
  });

  it("refuses a URL whose signed fields were changed", async () => {
    const uploads = new LocalUploads(store);
    uploads.serveAt("http://127.0.0.1:3000");
    const ticket = await uploads.createUpload("raw/forged/a.csv", {
      contentLength: 1,
      contentType: "text/csv",
    });
    const put = receiver(uploads);
    const bigger = ticket.url.replace("size=1", "size=2");
    expect(await put(bigger, { body: "xy", headers: ticket.headers })).toEqual({
      status: 403,
      code: "invalid_signature",
    });
    const elsewhere = ticket.url.replace("forged", "other");
    expect(await put(elsewhere, { body: "x", headers: ticket.headers })).toEqual({
      status: 403,
      code: "invalid_signature",
    });
  });
});
