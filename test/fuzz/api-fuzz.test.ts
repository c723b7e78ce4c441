import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { idleWithin, shutdownWithin } from "../bad-inputs/pipeline-outputs.ts";
import { anyRequests, apiRequests, oversizedBody, oversizedRequests, type Sent } from "./api-requests.ts";
import { type RawResponse, rawRequest } from "./raw-http.ts";

/** The customer the scoped key belongs to. The seed: `default` customers 0–4, `other` 0–1. */
const OWN = { dataset: "default", id: "1" };
const CUSTOMER_ROUTE = /^\/v1\/datasets\/([^/]+)\/customers\/([^/]+)\/(forecast|history|model|predict)$/;
/** What a customer key may list: datasets, and a dataset's customers (filtered to itself). */
const LISTS = /^\/v1\/datasets(\/[^/]+\/customers)?$/;
/** About 30 s in all: what `npm test` can afford, with the budget split between the properties. */
const BUDGET_MS = { api: 18_000, any: 7_000, oversized: 4_000 };

describe("the HTTP API under arbitrary requests", () => {
  let stack: TestStack;
  let keys: { name: "admin" | "customer" | "none"; key: string | null }[];
  let suiteKeyIds: string[];

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    await stack.drop("seed.csv", { customers: 5, days: 14 });
    await mkdir(join(stack.ports.bucketDir, "raw", "other"), { recursive: true });
    const other = generateRows({ customers: 2, days: 14, seed: 3, start: new Date("2026-01-05T00:00:00Z") });
    await writeFile(join(stack.ports.bucketDir, "raw", "other", "seed.csv"), [...other].join(""));
    await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: unknown[] };
      return runs.length === 2 ? true : undefined;
    }, 30_000);
    await idleWithin(stack, 60_000);
    const res = await stack.api("/v1/keys", { body: { scope: `customer:${OWN.dataset}/${OWN.id}` } });
    const created = (await res.json()) as { id: string; key: string };
    const list = (await (await stack.api("/v1/keys")).json()) as { keys: { id: string }[] };
    suiteKeyIds = list.keys.map((k) => k.id);
    keys = [
      { name: "admin", key: stack.adminKey },
      { name: "customer", key: created.key },
      { name: "none", key: null },
    ];
    // The seed is served: the properties below are not vacuous.
    for (const [d, id] of [
      ["default", "1"],
      ["other", "1"],
    ]) {
      expect((await stack.api(`/v1/datasets/${d}/customers/${id}/forecast`)).status).toBe(200);
    }
  });
  afterAll(() => shutdownWithin(stack));

  /** Sends `sent` with each key and checks what each response may and may not be. */
  async function check(sent: Sent): Promise<void> {
    // Revoking the suite's own keys would change the rules mid-run.
    if (sent.method === "DELETE" && suiteKeyIds.some((id) => sent.path.includes(id))) return;
    for (const { name, key } of keys) {
      const headers: Record<string, string> = {};
      if (key) headers.authorization = `Bearer ${key}`;
      if (sent.contentType) headers["content-type"] = sent.contentType;
      const res = await rawRequest(stack.apiUrl, sent.method, sent.path, headers, sent.body);
      const label = `${name} key: ${sent.method} ${sent.path.slice(0, 300)} ${sent.body?.slice(0, 200) ?? ""} -> ${res.status} ${res.contentType} ${res.text.slice(0, 300)}`;
      expect(res.status, label).toBeGreaterThanOrEqual(200);
      expect(res.status, label).toBeLessThan(500);
      expectSecurityHeaders(res, label);
      if (sent.method === "HEAD") continue;
      if (res.status >= 400) expectProblem(res, label);
      if (res.status >= 300 || !res.contentType.includes("json")) continue;
      // A JSON success: what it may reveal depends on the key.
      const path = resolvedPath(sent.path);
      if (name === "none") expect(path.startsWith("/v1/"), label).toBe(false);
      if (name === "customer" && path.startsWith("/v1/"))
        expectOwnDataOnly(path, JSON.parse(res.text), label);
    }
  }

  it("answers every API request with 2xx or 4xx, errors as problem+json, a customer key only its own data", async () => {
    const started = Date.now();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(apiRequests(), async (request) => {
        sent++;
        await check(request);
      }),
      { numRuns: 4000, interruptAfterTimeLimit: BUDGET_MS.api, markInterruptAsFailure: false },
    );
    console.log(`api fuzz: ${sent} requests × ${keys.length} keys in ${Date.now() - started} ms`);
    expect(sent).toBeGreaterThanOrEqual(200);
  });

  it("answers any method on any path (console files, unknown routes, malformed escapes) without a 5xx", async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(anyRequests(), async (request) => {
        sent++;
        await check(request);
      }),
      { numRuns: 2000, interruptAfterTimeLimit: BUDGET_MS.any, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThanOrEqual(100);
  });

  it("refuses any body over 1 MiB with 413 problem+json, declared or chunked, whatever the key", async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(oversizedRequests(), async (request) => {
        sent++;
        const body = oversizedBody(request);
        for (const { name, key } of keys) {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (key) headers.authorization = `Bearer ${key}`;
          if (request.chunked) headers["transfer-encoding"] = "chunked";
          const res = await rawRequest(stack.apiUrl, "POST", request.path, headers, body);
          const label = `${name} key: ${JSON.stringify(request)} -> ${res.status} ${res.text.slice(0, 200)}`;
          expect(res.status, label).toBe(413);
          expectProblem(res, label);
          expectSecurityHeaders(res, label);
        }
      }),
      { numRuns: 40, interruptAfterTimeLimit: BUDGET_MS.oversized, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThanOrEqual(5);
  });
});

/** The headers every answer carries, whatever the route, status or key. */
function expectSecurityHeaders(res: RawResponse, label: string): void {
  expect(res.headers["x-content-type-options"], label).toBe("nosniff");
  expect(res.headers["referrer-policy"], label).toBe("no-referrer");
  expect(String(res.headers["content-security-policy"]), label).toContain("frame-ancestors 'none'");
}

function expectProblem(res: RawResponse, label: string): void {
  expect(res.contentType, label).toContain("application/problem+json");
  const problem = JSON.parse(res.text) as { code?: unknown; status?: unknown };
  expect(problem.code, label).toMatch(/^[a-z_]+$/);
  expect(problem.status, label).toBe(res.status);
}

/** The path the server routes on: dot segments resolved as URL parsing does, query dropped. */
function resolvedPath(path: string): string {
  return new URL(path, "http://localhost").pathname;
}

/**
 * A 2xx JSON answer to the customer key: only its own customer's routes or the filtered lists,
 * and nowhere in the body another customer's id, dataset or `dataset/id` pair.
 */
function expectOwnDataOnly(path: string, body: unknown, label: string): void {
  const route = CUSTOMER_ROUTE.exec(path);
  if (route) expect([decode(route[1]), decode(route[2])], label).toEqual([OWN.dataset, OWN.id]);
  else expect(LISTS.test(path), label).toBe(true);
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) for (const v of value) walk(v, key);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k);
    else if (typeof value === "string") {
      if (key === "customerId" || key === "customer_id") expect(value, label).toBe(OWN.id);
      if (key === "dataset") expect(value, label).toBe(OWN.dataset);
      for (const m of value.matchAll(/\b(default|other)\/[A-Za-z0-9_.-]+/g)) {
        expect(m[0], label).toBe(`${OWN.dataset}/${OWN.id}`);
      }
    }
  };
  walk(body, "");
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
