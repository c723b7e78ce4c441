import { readFile, symlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { targetModelName } from "@myriad/core/dataset/keys";
import { ENDPOINT_SECRET_HEADER } from "@myriad/model-server/endpoint-guard";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { idleWithin, shutdownWithin } from "../bad-inputs/pipeline-outputs.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { anyRequests, body, query, type Sent, segment } from "./api-requests.ts";
import { type RawResponse, rawRequest } from "./raw-http.ts";

/**
 * The embedded stack's model endpoint probed as another user of the machine, or a web page in
 * its browser, would probe it (issue #18, findings 1 and 2). The stack runs with
 * MYRIAD_HOST=0.0.0.0, as a user sharing the console sets it.
 */
const FUZZ_BUDGET_MS = 10_000;
const SENSITIVE = "SECRET_TOKEN_do_not_echo";

/** A request to the endpoint with the credentials a client may or may not have. */
interface Probe extends Sent {
  secret: "right" | "wrong" | "none";
  host: "loopback" | "foreign";
  headers?: Record<string, string>;
}

describe("the embedded model endpoint against a client that is not the router", () => {
  let stack: TestStack;
  let target: string;
  let cacheDir: string;
  /** Files an attacker would like the endpoint to read. */
  let files: Record<"adminKey" | "token" | "leakyJson" | "missing" | "linkOut" | "dotDot", string>;
  const logged: string[] = [];

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
    const before = process.env.MYRIAD_HOST;
    process.env.MYRIAD_HOST = "0.0.0.0";
    try {
      stack = await startTestStack("pglite");
    } finally {
      if (before === undefined) delete process.env.MYRIAD_HOST;
      else process.env.MYRIAD_HOST = before;
    }
    await stack.drop("seed.csv", { customers: 3, days: 14 });
    await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: unknown[] };
      return runs.length === 1 ? true : undefined;
    }, 30_000);
    await idleWithin(stack, 60_000);
    const first = await predict();
    target = targetModelName("default", "1", first.model.version);
    cacheDir = join(stack.dataDir, "endpoint-cache");
    files = {
      adminKey: join(stack.dataDir, "admin-key"),
      token: join(stack.dataDir, "token.txt"),
      leakyJson: join(stack.dataDir, "model.json"),
      missing: join(stack.dataDir, "no-such-file.tar.gz"),
      linkOut: join(cacheDir, "link-out.tar.gz"),
      dotDot: join(cacheDir, "..", "admin-key"),
    };
    await writeFile(files.token, SENSITIVE);
    await writeFile(files.leakyJson, JSON.stringify({ format: "leaky-format/9" }));
    await symlink(files.adminKey, files.linkOut);
  });
  afterAll(async () => {
    await shutdownWithin(stack);
    vi.restoreAllMocks();
  });

  async function predict(): Promise<{ points: { p50: number }[]; model: { version: string } }> {
    const res = await stack.api("/v1/datasets/default/customers/1/predict", { body: { horizon: 6 } });
    expect(res.status).toBe(200);
    return (await res.json()) as { points: { p50: number }[]; model: { version: string } };
  }

  function send(probe: Probe): Promise<RawResponse> {
    const port = new URL(stack.endpointUrl).port;
    const headers: Record<string, string> = {
      ...probe.headers,
      host: probe.host === "loopback" ? `127.0.0.1:${port}` : `attacker.example:${port}`,
    };
    if (probe.secret !== "none")
      headers[ENDPOINT_SECRET_HEADER] = probe.secret === "right" ? stack.endpointSecret : "guessed";
    if (probe.contentType !== undefined) headers["content-type"] = probe.contentType;
    return rawRequest(stack.endpointUrl, probe.method, probe.path, headers, probe.body);
  }

  const routerLike = (p: Omit<Probe, "secret" | "host">): Probe => ({
    ...p,
    secret: "right",
    host: "loopback",
  });
  const load = (url: string, name = target) => ({
    method: "POST",
    path: "/models",
    body: JSON.stringify({ model_name: name, url }),
    contentType: "application/json",
  });
  /** The customer's model on the endpoint (known once the stack has served it). */
  const named = () => `/models/${encodeURIComponent(target)}`;

  it("listens on loopback only, though MYRIAD_HOST=0.0.0.0 shares the API", async () => {
    expect(new URL(stack.endpointUrl).hostname).toBe("127.0.0.1");
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    if (!lan) throw new Error("this test needs a non-loopback IPv4 interface to connect from");
    const port = (url: string) => Number(new URL(url).port);
    expect(await connects(lan, port(stack.apiUrl))).toBe(true);
    expect(await connects(lan, port(stack.endpointUrl))).toBe(false);
  });

  it("refuses every route without the secret: no listing, no invoke, no unload, no replacement", async () => {
    const before = await predict();
    const attempts: Omit<Probe, "secret">[] = [
      { method: "GET", path: "/models", host: "loopback" },
      { method: "GET", path: named(), host: "loopback" },
      { method: "GET", path: "/metrics", host: "loopback" },
      { method: "GET", path: "/ping", host: "loopback" },
      {
        method: "POST",
        path: `${named()}/invoke`,
        body: '{"horizon":6}',
        contentType: "application/json",
        host: "loopback",
      },
      {
        method: "POST",
        path: "/invocations",
        body: '{"horizon":6}',
        contentType: "application/json",
        headers: { "X-Amzn-SageMaker-Target-Model": target },
        host: "loopback",
      },
      { method: "DELETE", path: named(), host: "loopback" },
      { ...load(files.token), host: "loopback" },
      { ...load(files.token), contentType: "text/plain", host: "loopback" },
    ];
    for (const attempt of attempts) {
      for (const secret of ["none", "wrong"] as const) {
        const res = await send({ ...attempt, secret });
        const label = `${secret} secret: ${attempt.method} ${attempt.path} -> ${res.status} ${res.text}`;
        expect(res.status, label).toBe(401);
        expect(JSON.parse(res.text), label).toEqual({ error: "unauthorized", message: expect.any(String) });
        expect(res.text, label).not.toContain(target);
        expect(res.text, label).not.toContain(stack.dataDir);
      }
    }
    // The customer's model was neither unloaded nor replaced, and the router still invokes it.
    expect((await send(routerLike({ method: "GET", path: named() }))).status).toBe(200);
    expect(await predict()).toEqual(before);
  });

  it("refuses a foreign Host (a DNS-rebinding page), even with the secret", async () => {
    for (const p of [
      { method: "GET", path: "/models" },
      { method: "DELETE", path: named() },
      load(files.token),
    ]) {
      const res = await send({ ...p, secret: "right", host: "foreign" });
      expect(res.status, `${p.method} ${p.path}`).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ error: "host_not_allowed" });
    }
    expect((await send(routerLike({ method: "GET", path: named() }))).status).toBe(200);
  });

  it("refuses a text/plain POST /models (what a web page can send without a preflight), even with the secret", async () => {
    const res = await send(routerLike({ ...load(files.token, "plain-text"), contentType: "text/plain" }));
    expect(res.status).toBe(415);
    expect((await send(routerLike({ method: "GET", path: "/models/plain-text" }))).status).toBe(404);
  });

  it("loads only from its cache folder; elsewhere one generic answer whether the file exists or not", async () => {
    const before = await predict();
    // The replacement attack of the issue, by a client holding the secret: unload, then load a
    // file of the attacker's choosing under the customer's name.
    expect((await send(routerLike({ method: "DELETE", path: named() }))).status).toBe(200);
    const answers = new Set<string>();
    for (const url of ["/etc/passwd", "/etc/no-such-file", ...Object.values(files)]) {
      const res = await send(routerLike(load(url)));
      expect(res.status, url).toBe(400);
      answers.add(res.text);
    }
    expect([...answers]).toEqual([
      JSON.stringify({ error: "invalid_model_url", message: "cannot load a model from this url" }),
    ]);
    const adminKey = (await readFile(files.adminKey, "utf8")).trim();
    for (const text of answers)
      for (const leak of [adminKey.slice(0, 12), SENSITIVE, "leaky-format", "root:"])
        expect(text).not.toContain(leak);
    // The reason is in the server's log, not in the answer.
    expect(logged.some((line) => line.includes("/etc/passwd") && line.includes("outside"))).toBe(true);
    // The router notices the model is gone and loads it again from its own cache.
    expect(await predict()).toEqual(before);
  });

  it("answers random requests with 2xx or 4xx only, JSON errors, no route without the secret, no paths or file contents", async () => {
    const adminKey = (await readFile(files.adminKey, "utf8")).trim();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(endpointProbes(target, Object.values(files)), async (probe) => {
        sent++;
        const res = await send(probe);
        const label = `${probe.secret} secret, ${probe.host} host: ${probe.method} ${probe.path.slice(0, 200)} ${probe.body?.slice(0, 200) ?? ""} -> ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status === 507 || (res.status >= 200 && res.status < 500), label).toBe(true);
        const trusted = probe.secret === "right" && probe.host === "loopback";
        if (!trusted) expect([400, 401, 403], label).toContain(res.status);
        if (probe.method === "HEAD") return;
        for (const leak of [adminKey.slice(0, 12), SENSITIVE, "leaky-format", "/etc/"])
          expect(res.text, label).not.toContain(leak);
        if (res.status >= 400) {
          expect(res.contentType, label).toContain("application/json");
          const error = JSON.parse(res.text) as { error?: unknown; message?: unknown };
          expect(error.error, label).toMatch(/^[a-z_]+$/);
          expect(typeof error.message, label).toBe("string");
          expect(res.text, label).not.toContain(stack.dataDir);
        }
      }),
      { numRuns: 3000, interruptAfterTimeLimit: FUZZ_BUDGET_MS, markInterruptAsFailure: false },
    );
    console.log(`endpoint fuzz: ${sent} requests in ${FUZZ_BUDGET_MS} ms at most`);
    expect(sent).toBeGreaterThanOrEqual(200);
    // After all that the router still serves the customer.
    expect((await predict()).points).toHaveLength(6);
  });
});

/** Requests to every route of the multi-model contract, and any method on any path. */
function endpointProbes(target: string, files: string[]): fc.Arbitrary<Probe> {
  const seg = segment({ backslash: false });
  const name = fc.oneof(fc.constant(encodeURIComponent(target)), fc.constant(target), seg);
  const url = fc.oneof(
    fc.constantFrom(...files, "/etc/passwd", "/proc/self/environ", "/dev/zero", "", ".", "/"),
    fc.string({ maxLength: 60 }),
  );
  const loadBody = fc.oneof(
    fc
      .tuple(fc.oneof(fc.constant(target), fc.string({ maxLength: 20 })), url)
      .map(([model_name, u]) => JSON.stringify({ model_name, url: u })),
    body(["model_name", "url"]),
  );
  const requests: fc.Arbitrary<Omit<Probe, "secret" | "host">> = fc.oneof(
    fc
      .tuple(fc.constantFrom("/ping", "/metrics", "/models"), query)
      .map(([p, q]) => ({ method: "GET", path: p + q })),
    fc
      .tuple(fc.constantFrom("max_results", "next_page_token"), fc.string({ maxLength: 20 }))
      .map(([k, v]) => ({ method: "GET", path: `/models?${k}=${encodeURIComponent(v)}` })),
    fc.tuple(fc.constantFrom("GET", "DELETE"), name).map(([method, n]) => ({ method, path: `/models/${n}` })),
    fc.tuple(name, body(["horizon", "quantiles", "start", "explain", "related"])).map(([n, b]) => ({
      method: "POST",
      path: `/models/${n}/invoke`,
      body: b,
      contentType: "application/json",
    })),
    fc
      .tuple(fc.oneof(fc.constant(target), fc.string({ maxLength: 30 })), body(["horizon"]))
      .map(([t, b]) => ({
        method: "POST",
        path: "/invocations",
        body: b,
        contentType: "application/json",
        headers: { "X-Amzn-SageMaker-Target-Model": encodeURIComponent(t) },
      })),
    fc
      .tuple(
        loadBody,
        fc.constantFrom("application/json", "text/plain", "", "application/json; charset=utf-8"),
      )
      .map(([b, contentType]) => ({ method: "POST", path: "/models", body: b, contentType })),
    anyRequests(),
  );
  return fc
    .tuple(
      requests,
      fc.constantFrom("right", "right", "wrong", "none"),
      fc.constantFrom("loopback", "loopback", "foreign"),
    )
    .map(([r, secret, host]) => ({ ...r, secret, host }) as Probe);
}

/** Whether a TCP connection to `host:port` is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}
