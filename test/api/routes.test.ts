import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

/** Every data route, with the paths a customer-scoped key may and may not read. */
const CUSTOMER_ROUTES = [
  { method: "GET", path: (c: string) => `/v1/datasets/default/customers/${c}/forecast` },
  { method: "GET", path: (c: string) => `/v1/datasets/default/customers/${c}/history` },
  { method: "GET", path: (c: string) => `/v1/datasets/default/customers/${c}/model` },
  {
    method: "POST",
    path: (c: string) => `/v1/datasets/default/customers/${c}/predict`,
    body: { horizon: 6 },
  },
];
const ADMIN_ROUTES = [
  { method: "GET", path: "/v1/runs" },
  { method: "GET", path: "/v1/keys" },
  { method: "POST", path: "/v1/keys", body: { scope: "admin" } },
  { method: "POST", path: "/v1/uploads", body: { filename: "x.csv" } },
  { method: "GET", path: "/v1/endpoint/metrics" },
];

describe("HTTP API", () => {
  let stack: TestStack;
  let customerKey: string;
  let runId: string;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    await stack.drop("seed.csv", { customers: 4, days: 21 });
    runId = await waitFor(async () => {
      const body = (await (await stack.api("/v1/runs")).json()) as { runs: { runId: string }[] };
      return body.runs[0]?.runId;
    }, 30_000);
    await stack.idle();
    const res = await stack.api("/v1/keys", { body: { scope: "customer:default/1", name: "tenant one" } });
    expect(res.status).toBe(201);
    customerKey = ((await res.json()) as { key: string }).key;
  });
  afterAll(() => stack?.shutdown());

  it("serves health, the OpenAPI document and the docs without a key", async () => {
    expect((await stack.api("/health", { key: null })).status).toBe(200);
    const doc = (await (await stack.api("/openapi.json", { key: null })).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/runs",
        "/v1/runs/{runId}",
        "/v1/datasets/{dataset}/customers/{id}/forecast",
        "/v1/uploads",
        "/health",
      ]),
    );
    expect((await stack.api("/docs", { key: null })).headers.get("content-type")).toContain("text/html");
  });

  it("answers 401 with problem+json without a key or with a wrong one", async () => {
    for (const key of [null, "myr_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nonsense"]) {
      const res = await stack.api("/v1/datasets", { key });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as { code: string }).code).toMatch(/missing_key|invalid_key/);
    }
  });

  it("lets a customer key read its own customer and nothing else", async () => {
    for (const route of CUSTOMER_ROUTES) {
      const own = await stack.api(route.path("1"), {
        method: route.method,
        body: route.body,
        key: customerKey,
      });
      expect(own.status, `${route.method} own`).toBe(200);
      const other = await stack.api(route.path("2"), {
        method: route.method,
        body: route.body,
        key: customerKey,
      });
      expect(other.status, `${route.method} other`).toBe(403);
      expect(((await other.json()) as { code: string }).code).toBe("forbidden");
    }
    const list = (await (await stack.api("/v1/datasets/default/customers", { key: customerKey })).json()) as {
      customers: { customerId: string }[];
    };
    expect(list.customers.map((c) => c.customerId)).toEqual(["1"]);
  });

  it("keeps admin routes from customer keys", async () => {
    for (const route of ADMIN_ROUTES) {
      const res = await stack.api(route.path, { method: route.method, body: route.body, key: customerKey });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
    }
  });

  it("answers 404 for unknown customers, runs and routes", async () => {
    for (const path of [
      "/v1/datasets/default/customers/999/forecast",
      "/v1/datasets/default/customers/999/history",
      "/v1/datasets/default/customers/999/model",
      "/v1/runs/run-unknown",
      "/v1/nothing-here",
    ]) {
      const res = await stack.api(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(
      (await stack.api("/v1/datasets/default/customers/999/predict", { body: { horizon: 3 } })).status,
    ).toBe(404);
  });

  it("answers a JSON body sent without its content type with 415 and how to send it", async () => {
    // What `curl -d '{"horizon":5}' …/predict` sends: a form content type.
    const res = await fetch(`${stack.apiUrl}/v1/datasets/default/customers/1/predict`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.adminKey}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: '{"horizon":5}',
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe("unsupported_media_type");
    expect(body.detail).toMatch(/Content-Type: application\/json/);
  });

  it("rejects invalid input with 400 and a stable code", async () => {
    const cases: [string, { method?: string; body?: unknown }][] = [
      ["/v1/datasets/default/customers/..%2Fetc/forecast", {}],
      ["/v1/datasets/default/customers/1/forecast?from=yesterday", {}],
      ["/v1/datasets/default/customers/1/forecast?quantiles=2", {}],
      ["/v1/datasets/default/customers/1/forecast?quantiles=0.33", {}],
      ["/v1/datasets/default/customers/1/predict", { body: { horizon: 0 } }],
      ["/v1/datasets/default/customers/1/predict", { body: "{not json" }],
      ["/v1/runs?limit=100000", {}],
      ["/v1/runs?cursor=garbage", {}],
      ["/v1/keys", { body: { scope: "root" } }],
      ["/v1/uploads", { body: { filename: "../../etc/passwd" } }],
    ];
    for (const [path, init] of cases) {
      const res = await stack.api(path, init);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { code: string; status: number };
      expect(body.status).toBe(400);
      expect(body.code, path).toMatch(/^[a-z_]+$/);
    }
  });

  it("filters the forecast by time and quantile", async () => {
    const all = (await (await stack.api("/v1/datasets/default/customers/1/forecast")).json()) as {
      points: { timestamp: string }[];
    };
    const from = all.points[10].timestamp;
    const to = all.points[20].timestamp;
    const res = await stack.api(
      `/v1/datasets/default/customers/1/forecast?from=${from}&to=${to}&quantiles=0.5`,
    );
    const body = (await res.json()) as { points: Record<string, unknown>[] };
    expect(body.points).toHaveLength(10);
    expect(Object.keys(body.points[0]).sort()).toEqual(["p50", "timestamp"]);
  });

  it("shows a run with its states and counts", async () => {
    const run = (await (await stack.api(`/v1/runs/${runId}`)).json()) as {
      status: string;
      counts: { rows: { in: number } };
      states: { name: string }[];
    };
    expect(run.status).toBe("SUCCEEDED");
    expect(run.counts.rows.in).toBeGreaterThan(0);
    expect(run.states.map((s) => s.name)).toEqual(["Preprocess", "Train", "Register", "Publish", "Warm"]);
  });

  it("shows the model with metrics and version history", async () => {
    const body = (await (await stack.api("/v1/datasets/default/customers/2/model")).json()) as {
      model: { algorithm: string; metrics: { mase: number | null } };
      versions: { active: boolean }[];
    };
    expect(body.model.algorithm).toBeTruthy();
    expect(body.versions.filter((v) => v.active)).toHaveLength(1);
  });

  it("uploads through the signed URL and starts a run", async () => {
    const ticket = (await (
      await stack.api("/v1/uploads", { body: { dataset: "second", filename: "more.csv" } })
    ).json()) as { url: string; method: string; key: string; headers: Record<string, string> };
    expect(ticket.key).toBe("raw/second/more.csv");
    const csv = "customer_id,timestamp,consumption\na,2026-01-01 00:00:00,1\na,2026-01-01 01:00:00,2\n";
    const put = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body: csv });
    expect(put.status).toBe(200);
    const forged = await fetch(ticket.url.replace(/sig=[^&]+/, "sig=AAAA"), {
      method: "PUT",
      headers: ticket.headers,
      body: csv,
    });
    expect(forged.status).toBe(403);
    const run = await waitFor(async () => {
      const body = (await (await stack.api("/v1/runs?dataset=second")).json()) as {
        runs: { runId: string }[];
      };
      return body.runs[0];
    }, 20_000);
    expect(run.runId).toMatch(/^run-/);
    await stack.idle();
  });

  it("revokes keys", async () => {
    const created = (await (
      await stack.api("/v1/keys", { body: { scope: "customer:default/3" } })
    ).json()) as { id: string; key: string };
    expect((await stack.api("/v1/datasets", { key: created.key })).status).toBe(200);
    expect((await stack.api(`/v1/keys/${created.id}`, { method: "DELETE" })).status).toBe(200);
    const list = (await (await stack.api("/v1/keys")).json()) as {
      keys: { id: string; revokedAt: string | null }[];
    };
    expect(list.keys.find((k) => k.id === created.id)?.revokedAt).not.toBeNull();
  });
});
