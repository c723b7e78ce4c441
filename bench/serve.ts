/**
 * `npm run bench -- serve [--models N] [--cache N] [--seconds S] [--rate R]`: the local multi-model
 * endpoint under load, on loopback only. N small artifacts (one trained model re-versioned under
 * N customer ids) sit in a temporary bucket folder; the router keeps at most `--cache` loaded.
 * Every invoke asks for horizon 24 with the artifact's quantiles (P10/P50/P90). "same body"
 * repeats one body, which the container answers from its response cache after the first time;
 * "varied start" gives each request one of 5,000 start times, so nearly every answer is computed.
 * Warm invokes are measured at saturation and at an offered rate (`--rate`, default 5,000/s):
 * latency at a load the server carries is what callers meet; at saturation it is queueing.
 *
 * Three processes, so each can be measured: the model server (as the container runs it, in a
 * child on its own port), the router with a small HTTP front (this process), and autocannon
 * (another child, `--client`). Besides throughput and latency it prints the CPU each process
 * spent per request, which does not depend on what else the machine is running.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { packArtifact } from "@myriad/core/artifact/archive";
import { targetModelName } from "@myriad/core/dataset/keys";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import {
  createRouterInferenceEndpoint,
  type RouterInferenceEndpoint,
} from "@myriad/local/adapters/router-inference-endpoint";
import { createModelServerApp } from "@myriad/model-server/model-server-app";
import type { ModelServerMetrics } from "@myriad/model-server/server-metrics";
import { reversion, trainTestArtifact } from "@myriad/model-server/testing/test-artifacts";
import { Hono } from "hono";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const VERSION = "20260202T000000Z";
const BODY = JSON.stringify({ horizon: 24 });
const target = (i: number) => targetModelName("default", `c${i}`, VERSION);

type Pattern = "cycle" | "cold" | "uniform" | "zipf" | "single";
interface LoadSpec {
  url: string;
  /** `server`: the container's `/models/{name}/invoke`; `front`: this bench's `/invoke/{target}`. */
  style: "server" | "front";
  pattern: Pattern;
  connections: number;
  seconds?: number;
  amount?: number;
  models: number;
  cache: number;
  offset?: number;
  /** Set: each request starts at a random one of 5,000 steps after this ISO time. */
  variedFrom?: string;
  /** Requests per second offered over all connections; unset: as fast as answered. */
  rate?: number;
}
interface LoadResult {
  rps: number;
  total: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === "--client") {
    console.log(JSON.stringify(await runLoad(JSON.parse(args[1]) as LoadSpec)));
    return;
  }
  const opt = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const models = opt("models", 10_000);
  const cache = opt("cache", 1_000);
  const seconds = opt("seconds", 5);
  const rate = opt("rate", 5_000);
  const dir = await mkdtemp(join(tmpdir(), "myriad-bench-serve-"));
  const cleanup: (() => unknown)[] = [];
  try {
    line(
      `load average at start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} (2 cores; other work on the machine lowers throughput, not CPU per request)`,
    );
    const started = performance.now();
    const { bytes: artifactBytes, firstStep } = await writeArtifacts(join(dir, "bucket"), models);
    line(
      `artifacts: ${models} in ${((performance.now() - started) / 1000).toFixed(1)} s, ${artifactBytes} bytes each (.tar.gz)`,
    );
    const store: Pick<ObjectStore, "get"> = {
      get: (key) => readFile(join(dir, "bucket", key)).catch(() => undefined),
    };

    const budget = 64 * 1024 ** 2;
    const serverPort = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "packages/model-server/src/main.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        SAGEMAKER_BIND_TO_PORT: String(serverPort),
        MYRIAD_MODEL_MEMORY_BYTES: String(budget),
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    cleanup.push(() => child.kill("SIGTERM"));
    const serverUrl = `http://127.0.0.1:${serverPort}`;
    await waitForPing(serverUrl);
    const httpRouter = createRouterInferenceEndpoint({
      store,
      server: serverUrl,
      cacheDir: join(dir, "cache-http"),
      maxModels: cache,
    });
    const httpFront = await startFront(httpRouter);
    cleanup.push(httpFront.close, () => httpRouter.close());
    const inProcessRouter = createRouterInferenceEndpoint({
      store,
      server: createModelServerApp({ memoryBudgetBytes: budget }),
      cacheDir: join(dir, "cache-inproc"),
      maxModels: cache,
    });
    const inProcessFront = await startFront(inProcessRouter);
    cleanup.push(inProcessFront.close);
    line(
      `model server: child process ${serverUrl}, memory budget ${mb(budget)}; router cache ${cache} models`,
    );

    const warmStarted = performance.now();
    const warmed = await httpRouter.warm(Array.from({ length: cache }, (_, i) => target(i)));
    line(
      `warm(${cache}): ${warmed.loaded} loaded, ${warmed.failed} failed in ${Math.round(performance.now() - warmStarted)} ms`,
    );
    await inProcessRouter.warm(Array.from({ length: cache }, (_, i) => target(i)));

    const base = { models, cache, seconds };
    const run = (name: string, spec: LoadSpec, router?: RouterInferenceEndpoint) =>
      measure(name, spec, child.pid!, router).then(line);

    line("");
    line(
      `(a) warm invokes, horizon 24, cycling over the ${cache} loaded models, 32 connections, ${seconds} s`,
    );
    const cycle = { ...base, pattern: "cycle", connections: 32 } as const;
    const varied = { ...cycle, variedFrom: firstStep };
    await run("container alone, same body       ", { ...cycle, url: serverUrl, style: "server" });
    await run("container alone, varied start    ", { ...varied, url: serverUrl, style: "server" });
    await run(
      "router -> container, same body   ",
      { ...cycle, url: httpFront.url, style: "front" },
      httpRouter,
    );
    await run(
      "router -> container, varied start",
      { ...varied, url: httpFront.url, style: "front" },
      httpRouter,
    );
    await run(
      "router + container in one process",
      { ...cycle, url: inProcessFront.url, style: "front" },
      inProcessRouter,
    );
    await run(`container alone, offered ${rate}/s`.padEnd(33), {
      ...cycle,
      rate,
      url: serverUrl,
      style: "server",
    });
    await run(
      `router -> container, ${rate}/s`.padEnd(33),
      { ...cycle, rate, url: httpFront.url, style: "front" },
      httpRouter,
    );

    line("");
    line(
      "(b) cold invokes through router -> container: each a model never loaded (download, unload LRU, load, invoke)",
    );
    await run(
      "1 connection, 1,000 requests     ",
      {
        ...base,
        url: httpFront.url,
        style: "front",
        pattern: "cold",
        connections: 1,
        amount: 1_000,
        offset: cache,
      },
      httpRouter,
    );
    await run(
      "8 connections, 2,000 requests    ",
      {
        ...base,
        url: httpFront.url,
        style: "front",
        pattern: "cold",
        connections: 8,
        amount: 2_000,
        offset: cache + 1_000,
      },
      httpRouter,
    );

    line("");
    line(
      `(c) access patterns over ${models} models, cache ${cache}, router -> container, 32 connections, ${seconds} s each`,
    );
    for (const pattern of ["uniform", "zipf", "single"] as const) {
      await run(
        `${pattern.padEnd(33)}`,
        { ...base, url: httpFront.url, style: "front", pattern, connections: 32 },
        httpRouter,
      );
    }

    const server = (await (await fetch(`${serverUrl}/metrics`)).json()) as ModelServerMetrics;
    const m = httpRouter.metrics();
    line("");
    line(
      `memory: container ${server.LoadedModelCount} models charged ${mb(server.memory.usedBytes)} of ${mb(server.memory.budgetBytes)}, heap ${mb(server.memory.heapUsedBytes)}, rss ${mb(server.memory.rssBytes)}; router LoadedModelCount ${m.LoadedModelCount} (cap ${cache}); disk cache ${m.diskCache.files} files ${mb(m.diskCache.bytes)}`,
    );
    line(
      `router totals: ${m.Invocations} invocations, ModelCacheHit ${(100 * m.ModelCacheHit.average).toFixed(1)}%, ${m.Evictions} evictions, 4xx ${m.Invocation4XXErrors}, 5xx ${m.Invocation5XXErrors}`,
    );
    line(
      `router p50/p99 µs: ModelLoadingWaitTime ${pp(m.ModelLoadingWaitTime)}, ModelDownloadingTime ${pp(m.ModelDownloadingTime)}, ModelLoadingTime ${pp(m.ModelLoadingTime)}, ModelUnloadingTime ${pp(m.ModelUnloadingTime)}, ModelLatency ${pp(m.ModelLatency)}`,
    );
    line(
      `container p50/p99 µs: ModelLoadingTime ${pp(server.ModelLoadingTime)}, ModelLatency ${pp(server.ModelLatency)}; response cache ${server.responseCache.hits} hits, ${server.responseCache.misses} misses, ${mb(server.responseCache.bytes)}`,
    );
    line(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    for (const f of cleanup.reverse()) await f();
    await rm(dir, { recursive: true, force: true });
  }
}

const line = (s: string) => console.log(s);
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const pp = (s: { p50: number; p99: number }) => `${s.p50}/${s.p99}`;

async function writeArtifacts(bucket: string, n: number): Promise<{ bytes: number; firstStep: string }> {
  const base = trainTestArtifact("c0", VERSION, 24);
  let bytes = new Uint8Array();
  for (let i = 0; i < n; i++) {
    bytes = await packArtifact(reversion(base, `c${i}`));
    const path = join(bucket, "models", target(i));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  return { bytes: bytes.length, firstStep: new Date(Date.parse(base.trainEnd) + 3_600_000).toISOString() };
}

/** The HTTP face the API would give the router: `POST /invoke/{target}`. */
async function startFront(
  router: RouterInferenceEndpoint,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Hono();
  app.post("/invoke/:target{.+}", async (c) =>
    c.json(await router.invoke(c.req.param("target"), await c.req.json())),
  );
  app.onError((e, c) => c.json({ error: String(e) }, 500));
  const port = await freePort();
  const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Runs autocannon in its own process and reports it with CPU per request and the cache-hit ratio. */
async function measure(
  name: string,
  spec: LoadSpec,
  serverPid: number,
  router?: RouterInferenceEndpoint,
): Promise<string> {
  const before = router?.metrics();
  const cpu0 = process.cpuUsage();
  const server0 = await processCpuMicros(serverPid);
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const client = spawn(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", "serve", "--client", JSON.stringify(spec)],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    client.stdout.on("data", (d: Buffer) => (out += d));
    client.once("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").at(-1)!))
        : reject(new Error(`client exited ${code}`)),
    );
  });
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = (await processCpuMicros(serverPid)) - server0;
  const perRequest = (micros: number) => Math.round(micros / Math.max(1, result.total));
  let text = `  ${name} ${Math.round(result.rps).toString().padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p90 ${result.p90.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ${result.total} requests, ${result.errors} errors; CPU/request`;
  if (router && before) {
    const after = router.metrics();
    const calls = after.Invocations - before.Invocations;
    const hits = after.ModelCacheHit.sum - before.ModelCacheHit.sum;
    text += ` router+front ${perRequest(cpu.user + cpu.system)} µs,`;
    text = `${text} container ${perRequest(serverCpu)} µs; cache hits ${((100 * hits) / Math.max(1, calls)).toFixed(1)}%, loaded ${after.LoadedModelCount}`;
  } else text += ` container ${perRequest(serverCpu)} µs`;
  return text;
}

/** User + system CPU of another process, from /proc (Linux; clock ticks of 10 ms). */
async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10_000;
}

/** The slice of autocannon used here (it ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
  requests: {
    method: string;
    body: string;
    headers: Record<string, string>;
    setupRequest: (req: object) => object;
  }[];
}) => PromiseLike<{
  requests: { total: number };
  errors: number;
  non2xx: number;
  timeouts: number;
  duration: number;
}> & {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const zipf = zipfSampler(spec.models, 1.0);
  let i = 0;
  const pick: Record<Pattern, () => number> = {
    cycle: () => i++ % spec.cache,
    cold: () => (spec.offset ?? 0) + i++,
    uniform: () => Math.floor(Math.random() * spec.models),
    zipf,
    single: () => 0,
  };
  const path = () => {
    const t = target(pick[spec.pattern]() % spec.models);
    return spec.style === "server" ? `/models/${encodeURIComponent(t)}/invoke` : `/invoke/${t}`;
  };
  const first = spec.variedFrom ? Date.parse(spec.variedFrom) : 0;
  const body = () =>
    spec.variedFrom
      ? JSON.stringify({
          horizon: 24,
          start: new Date(first + Math.floor(Math.random() * 5_000) * 3_600_000).toISOString(),
        })
      : BODY;
  const latencies: number[] = [];
  const run = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds }),
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    requests: [
      {
        method: "POST",
        body: BODY,
        headers: { "content-type": "application/json" },
        setupRequest: (req) => ({ ...req, path: path(), body: body() }),
      },
    ],
  });
  run.on("response", (_c, _s, _b, ms) => latencies.push(ms));
  const result = await run;
  const sorted = Float64Array.from(latencies).sort();
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    rps: result.requests.total / result.duration,
    total: result.requests.total,
    errors: result.errors + result.non2xx + result.timeouts,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
  };
}

/** Model indexes 0..n-1 drawn with probability proportional to 1/(rank+1)^s. */
function zipfSampler(n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const u = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function waitForPing(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${url}/ping`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`model server at ${url} did not answer /ping`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}
