import { request } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "@myriad/core/registry/api-keys";
import type { ApiDeps } from "@myriad/functions/api/api-deps";
import { createApi } from "@myriad/functions/api/app";
import { MAX_BODY_BYTES } from "@myriad/functions/api/body-limit";
import { DOCS_CSP } from "@myriad/functions/api/docs-page";
import { CONSOLE_CSP, consoleRoutes } from "@myriad/local/console-static";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One request on its own connection, from `localAddress` if given (another loopback address is
 * another client to the throttle). `declared` sends a Content-Length larger than the body, to
 * see whether the server answers before the rest arrives; `chunks` sends the body chunked.
 */
function send(
  base: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunks?: Buffer[];
    declared?: number;
    localAddress?: string;
  },
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.declared !== undefined) headers["content-length"] = String(options.declared);
    const req = request(
      {
        hostname,
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers,
        agent: false,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    // The server may close the connection on a refused body: that is not a failure here.
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "EPIPE" ? undefined : reject(e)));
    if (options.chunks) {
      for (const c of options.chunks) req.write(c);
      req.end();
    } else if (options.declared !== undefined) {
      req.write(options.body ?? "");
      // The rest of the declared body is never sent: only an early answer ends this request.
    } else req.end(options.body);
  });
}

const json = { "content-type": "application/json" };
/** A JSON object of about `bytes` bytes that every route's schema would otherwise accept or refuse. */
const bigJson = (bytes: number) =>
  JSON.stringify({ horizon: 6, quantiles: Array(Math.ceil(bytes / 4)).fill(0.5) });
const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString("base64url");

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answer.headers["content-type"]).toContain("application/problem+json");
  expect((JSON.parse(answer.text) as { code: string }).code).toBe(code);
}

function expectSecurityHeaders(headers: Answer["headers"], label: string): void {
  expect(headers["x-content-type-options"], label).toBe("nosniff");
  expect(headers["referrer-policy"], label).toBe("no-referrer");
  expect(String(headers["content-security-policy"]), label).toContain("frame-ancestors 'none'");
}

describe("HTTP API hardening (embedded stack)", () => {
  let stack: TestStack;
  let auth: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    await stack.drop("seed.csv", { customers: 3, days: 14 });
    await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: unknown[] };
      return runs.length > 0 ? true : undefined;
    }, 30_000);
    await stack.idle();
    auth = { authorization: `Bearer ${stack.adminKey}` };
  });
  afterAll(() => stack?.shutdown());

  describe("request bodies", () => {
    it("refuses a body declared larger than 1 MiB with 413 before it arrives", async () => {
      // 50 MB declared, 1 KB sent: the answer can only come from the declared size.
      const answer = await send(stack.apiUrl, {
        method: "POST",
        path: "/v1/datasets/default/customers/1/predict",
        headers: { ...auth, ...json },
        body: "x".repeat(1024),
        declared: 50_000_000,
      });
      expectProblem(answer, 413, "body_too_large");
    });

    it("refuses a chunked body once it passes 1 MiB, on every route that takes a body", async () => {
      const chunk = Buffer.from(bigJson(256 * 1024));
      for (const path of ["/v1/keys", "/v1/uploads", "/v1/datasets/default/customers/1/predict"]) {
        const answer = await send(stack.apiUrl, {
          method: "POST",
          path,
          headers: { ...auth, ...json },
          chunks: Array(8).fill(chunk),
        });
        expectProblem(answer, 413, "body_too_large");
      }
    });

    it("still reads a body just under the limit: the schema answers, not the limit", async () => {
      const body = JSON.stringify({ scope: "admin", name: "y".repeat(MAX_BODY_BYTES - 100) });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const answer = await send(stack.apiUrl, {
        method: "POST",
        path: "/v1/keys",
        headers: { ...auth, ...json },
        chunks: [Buffer.from(body)],
      });
      expectProblem(answer, 400, "validation_error");
    });
  });

  describe("cursors", () => {
    it("answers a runs cursor that does not decode to a time and an id with 400, not 500", async () => {
      for (const bad of [
        cursor(["notadate", "x"]),
        cursor(["2026-01-01T00:00:00.000Z"]),
        cursor(["2026-13-45T99:00:00.000Z", "run-1"]),
        cursor(["+275760-09-13T00:00:00.000Z", "run-1"]),
        cursor([1, 2]),
        cursor({ a: 1 }),
        cursor("2026-01-01T00:00:00.000Z"),
        "!!!",
        "eyJhIjoxfQ",
      ]) {
        const res = await stack.api(`/v1/runs?cursor=${encodeURIComponent(bad)}`);
        expect(res.status, bad).toBe(400);
        expect(((await res.json()) as { code: string }).code, bad).toMatch(/invalid_cursor|validation_error/);
      }
    });

    it("pages runs with the cursors it returns", async () => {
      const first = (await (await stack.api("/v1/runs?limit=1")).json()) as { nextCursor: string | null };
      const again = await stack.api(
        `/v1/runs?limit=1&cursor=${cursor(["2026-01-01T00:00:00.000Z", "run-x"])}`,
      );
      expect(again.status).toBe(200);
      if (first.nextCursor) expect((await stack.api(`/v1/runs?cursor=${first.nextCursor}`)).status).toBe(200);
    });

    it("answers a customers cursor that does not fit its sort with 400", async () => {
      for (const [sort, bad] of [
        ["id", cursor(["1", "2"])],
        ["id", cursor([1])],
        ["backtestWql", cursor(["backtestWql", "notanumber", "1"])],
        ["backtestWql", cursor(["backtestWql", "1e400", "1"])],
        ["realisedWql", cursor(["backtestWql", "0.1", "1"])],
        ["id", "%%%"],
      ]) {
        const res = await stack.api(
          `/v1/datasets/default/customers?sort=${sort}&cursor=${encodeURIComponent(bad)}`,
        );
        expect(res.status, `${sort} ${bad}`).toBe(400);
      }
    });
  });

  describe("headers", () => {
    it("sets nosniff, Referrer-Policy and frame-ancestors 'none' on every kind of response", async () => {
      const cases: [string, string, Record<string, string>][] = [
        ["GET", "/health", {}],
        ["GET", "/openapi.json", {}],
        ["GET", "/docs", {}],
        ["GET", "/v1/runs", auth],
        ["GET", "/v1/runs", {}],
        ["GET", "/v1/nothing", auth],
        ["GET", "/v1/runs/run-unknown", auth],
        ["GET", "/v1/runs?limit=0", auth],
        ["PUT", "/uploads?key=raw/x.csv&expires=1&sig=x", {}],
        ["GET", "/", {}],
        ["GET", "/some/console/route", {}],
        ["GET", "/\\", {}],
      ];
      for (const [method, path, headers] of cases) {
        const answer = await send(stack.apiUrl, {
          method,
          path,
          headers,
          body: method === "PUT" ? "x" : undefined,
        });
        expectSecurityHeaders(answer.headers, `${method} ${path} -> ${answer.status}`);
      }
    });

    it("gives /docs a policy that allows its own inline script and style only, and data answers none", async () => {
      const docs = await send(stack.apiUrl, { path: "/docs" });
      expect(docs.headers["content-security-policy"]).toBe(DOCS_CSP);
      expect(DOCS_CSP).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
      expect(DOCS_CSP).not.toMatch(/unsafe|\*|https?:/);
      const data = await send(stack.apiUrl, { path: "/v1/runs", headers: auth });
      expect(data.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    });

    it("does not echo a request path's markup in a problem's detail", async () => {
      const answer = await send(stack.apiUrl, {
        path: "/v1/%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27",
        headers: auth,
      });
      expectProblem(answer, 404, "route_not_found");
      const { detail } = JSON.parse(answer.text) as { detail: string };
      expect(detail).not.toMatch(/[<>"'()]/);
      expect(detail).toContain("%3Cscript%3E");
    });
  });

  describe("throttling bad keys", () => {
    it("answers 429 with Retry-After after 20 bad keys from one client, that client only, a good key included", async () => {
      // Another loopback address is another client: the rest of this suite is not throttled.
      const from = "127.0.0.2";
      const bad = (i: number) => ({
        authorization: `Bearer myr_${String(i).padStart(12, "0")}_${"A".repeat(32)}`,
      });
      for (let i = 0; i < 20; i++) {
        const answer = await send(stack.apiUrl, { path: "/v1/runs", headers: bad(i), localAddress: from });
        expectProblem(answer, 401, "invalid_key");
      }
      for (const headers of [bad(99), auth]) {
        const answer = await send(stack.apiUrl, { path: "/v1/runs", headers, localAddress: from });
        expectProblem(answer, 429, "too_many_failures");
        expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
        expect(Number(answer.headers["retry-after"])).toBeLessThanOrEqual(60);
        expectSecurityHeaders(answer.headers, "429");
      }
      expect((await send(stack.apiUrl, { path: "/v1/runs", headers: auth })).status).toBe(200);
    });
  });
});

describe("HTTP API hardening (Lambda)", () => {
  let database: TestDatabase;
  let lambda: ReturnType<typeof handle>;
  let key: string;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    key = (await createApiKey(database.db, { kind: "admin" })).key;
    lambda = handle(createApi({ db: database.db } as ApiDeps));
  });
  afterAll(() => database?.close());

  /** What API Gateway (HTTP API, payload 2.0) hands the function for a POST with this body. */
  const event = (body: string, headers: Record<string, string>): APIGatewayProxyEventV2 =>
    ({
      version: "2.0",
      routeKey: "ANY /v1/{proxy+}",
      rawPath: "/v1/keys",
      rawQueryString: "",
      headers: {
        host: "api.example.com",
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        ...headers,
      },
      requestContext: {
        http: {
          method: "POST",
          path: "/v1/keys",
          protocol: "HTTP/1.1",
          sourceIp: "10.0.0.1",
          userAgent: "test",
        },
        domainName: "api.example.com",
        requestId: "r",
        routeKey: "ANY /v1/{proxy+}",
        stage: "$default",
        timeEpoch: 0,
      },
      body,
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEventV2;

  it("answers an event body over 1 MiB with 413 problem+json, whatever its Content-Length says", async () => {
    const body = JSON.stringify({ scope: "admin", name: "x".repeat(2 * MAX_BODY_BYTES) });
    const declared: Record<string, string>[] = [
      { "content-length": String(body.length) },
      { "content-length": "30" },
      {},
    ];
    for (const headers of declared) {
      const res = (await lambda(event(body, headers) as never, {} as never)) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      expect(res.statusCode).toBe(413);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect((JSON.parse(res.body) as { code: string }).code).toBe("body_too_large");
    }
  });
});

describe("the console's page", () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), "myriad-console-"));
    await writeFile(join(dist, "index.html"), "<!doctype html><title>console</title>");
  });
  afterAll(() => rm(dist, { recursive: true, force: true }));

  it("carries the console's policy: its own scripts and styles, same-origin requests, no framing", async () => {
    const app = createApi({} as ApiDeps);
    app.route("/", consoleRoutes(dist));
    for (const path of ["/", "/runs/x"]) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toMatch(/script-src[^;]*unsafe/);
  });
});
