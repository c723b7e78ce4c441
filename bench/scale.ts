/**
 * `npm run bench -- scale [--customers 1000,10000] [--days 120] [--database postgres|pglite] [--reuse-input]`:
 * the whole embedded pipeline at growing customer counts, as a user runs it.
 *
 * For each size: the generator's hourly data (gzip, as the demo drops it) is written outside the
 * bucket (`--reuse-input` keeps it in the temp folder for the next run), `myriad start` runs as
 * its own process on a fresh database, and the file is linked into raw/ at once. The run's own state timings come from the API; peak RSS is the stack process's
 * high-water mark (VmHWM, which counts its training threads), read when the run has ended, and
 * its resident set sampled every 200 ms gives each state's peak (the shards apart from Train's
 * count of their results).
 * Goals on the 2-core machine: 10,000 customers < 90 s, 100,000 < 15 min, peak RSS < 1 GB and
 * flat as customers grow.
 */
import { createWriteStream } from "node:fs";
import { link, mkdir, mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { generateRows } from "../packages/core/src/ingest/generate.ts";
import { createPostgresDatabase } from "../test/support/databases.ts";
import { startStackProcess } from "../test/support/process-stack.ts";

const GOAL_MS: Record<number, number> = { 10000: 90_000, 100000: 15 * 60_000 };
const GOAL_RSS = 1024 ** 3;

interface StateView {
  name: string;
  startedAt: string;
  stoppedAt: string | null;
}
interface RunView {
  runId: string;
  status: string;
  durationMs: number | null;
  counts: { rows?: { in: number } };
  error: string | null;
  cause: string | null;
  states: StateView[];
}

interface Measured {
  customers: number;
  rows: number;
  states: Map<string, number>;
  totalMs: number;
  peakRss: number;
  /** Highest sampled resident set while each state ran (see rssByState). */
  stateRss: Map<string, number>;
  status: string;
}

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

export async function main(args: string[]) {
  const sizes = arg(args, "customers", "1000,10000").split(",").map(Number);
  const days = Number(arg(args, "days", "120"));
  const database = arg(args, "database", "postgres") as "postgres" | "pglite";
  const reuseInput = args.includes("--reuse-input");
  console.log(
    `scale bench: hourly data, ${days} days, embedded stack on ${database}, ${sizes.map((n) => n.toLocaleString("en")).join(" / ")} customers`,
  );
  const results: Measured[] = [];
  for (const customers of sizes) {
    const m = await measure(customers, days, database, reuseInput);
    results.push(m);
    console.log(`  ${customers.toLocaleString("en")} customers: ${m.status} in ${secs(m.totalMs)}`);
  }
  print(results);
}

async function measure(
  customers: number,
  days: number,
  database: "postgres" | "pglite",
  reuseInput: boolean,
): Promise<Measured> {
  const dataDir = await mkdtemp(join(tmpdir(), "myriad-scale-"));
  const pg = database === "postgres" ? await createPostgresDatabase() : undefined;
  try {
    const file = await input(customers, days, reuseInput ? tmpdir() : dataDir);
    const stack = await startStack(dataDir, pg?.url);
    try {
      await mkdir(join(dataDir, "bucket", "raw"), { recursive: true });
      // A hard link: the file appears in raw/ at once, and a kept input stays for the next run.
      await link(file, join(dataDir, "bucket", "raw", "readings.csv.gz"));
      const sampler = sampleRss(stack.pid);
      const run = await finishedRun(stack.api).finally(() => sampler.stop());
      const peakRss = await highWaterMark(stack.pid);
      if (run.status !== "SUCCEEDED")
        console.log(`  run ${run.runId} ${run.status}: ${run.error}: ${run.cause}`);
      return {
        customers,
        rows: run.counts.rows?.in ?? 0,
        states: stateTimes(run.states),
        totalMs: run.durationMs ?? 0,
        peakRss,
        stateRss: rssByState(run.states, sampler.samples),
        status: run.status,
      };
    } finally {
      await stack.stop();
    }
  } finally {
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The generator's data for the size, as gzip in `folder`; an existing file of the same size
 * and days is reused (`--reuse-input`: 100,000 customers take minutes to generate).
 */
async function input(customers: number, days: number, folder: string): Promise<string> {
  const file = join(folder, `myriad-scale-${customers}x${days}.csv.gz`);
  if (await stat(file).catch(() => undefined)) return file;
  const started = performance.now();
  const partial = `${file}.part`;
  await pipeline(
    Readable.from(generateRows({ customers, days, seed: 42, start: new Date("2026-01-05T00:00:00Z") })),
    createGzip({ level: 1 }),
    createWriteStream(partial),
  );
  await rename(partial, file);
  const { size } = await stat(file);
  console.log(
    `  generated ${customers.toLocaleString("en")} customers (${(size / 1024 ** 2).toFixed(0)} MiB gzip) in ${secs(performance.now() - started)}`,
  );
  return file;
}

/** `myriad start` as its own process (its memory is its own), with JSON reads of its API. */
async function startStack(dataDir: string, databaseUrl: string | undefined) {
  const stack = await startStackProcess(dataDir, databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  return {
    pid: stack.child.pid as number,
    api: async <T>(path: string): Promise<T> => {
      const res = await stack.api(path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async stop() {
      stack.child.kill("SIGTERM");
      await stack.exited;
    },
  };
}

/** Polls the runs list until the dataset's one run has ended, then reads its states. */
async function finishedRun(api: <T>(path: string) => Promise<T>): Promise<RunView> {
  for (;;) {
    const { runs } = await api<{ runs: RunView[] }>("/v1/runs?limit=1");
    if (runs[0] && runs[0].status !== "RUNNING")
      return api<RunView>(`/v1/runs/${encodeURIComponent(runs[0].runId)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The process's peak resident set (its threads included), from Linux's own high-water mark. */
async function highWaterMark(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : Number.NaN;
}

/** The process's resident set every 200 ms, to tell which state holds the memory. */
function sampleRss(pid: number) {
  const samples: { at: number; rss: number }[] = [];
  const timer = setInterval(() => {
    readFile(`/proc/${pid}/status`, "utf8")
      .then((status) => {
        const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
        if (kb) samples.push({ at: Date.now(), rss: Number(kb[1]) * 1024 });
      })
      .catch(() => {});
  }, 200);
  return { samples, stop: () => clearInterval(timer) };
}

/**
 * The highest sample in each state's span. The shards (from Preprocess's end to Train's start)
 * count apart from Train itself, which counts their results.
 */
function rssByState(states: StateView[], samples: { at: number; rss: number }[]): Map<string, number> {
  const spans = states.map((s) => ({
    name: s.name,
    from: Date.parse(s.startedAt),
    to: Date.parse(s.stoppedAt ?? s.startedAt),
  }));
  const preprocess = spans.find((s) => s.name === "Preprocess");
  const train = spans.find((s) => s.name === "Train");
  if (preprocess && train) spans.push({ name: "shards", from: preprocess.to, to: train.from });
  const peaks = new Map<string, number>();
  for (const { name, from, to } of spans)
    for (const { at, rss } of samples)
      if (at >= from && at <= to) peaks.set(name, Math.max(peaks.get(name) ?? 0, rss));
  return peaks;
}

/**
 * Wall time per state. The run lists TrainShards' shards as one Train (their count), so Train
 * counts from Preprocess's end: the shards run between the two.
 */
function stateTimes(states: StateView[]): Map<string, number> {
  const stop = (s: StateView) => Date.parse(s.stoppedAt ?? s.startedAt);
  const times = new Map(states.map((s) => [s.name, stop(s) - Date.parse(s.startedAt)]));
  const preprocess = states.find((s) => s.name === "Preprocess");
  const train = states.find((s) => s.name === "Train");
  if (preprocess && train) times.set("Train", stop(train) - stop(preprocess));
  return times;
}

function print(results: Measured[]) {
  const phases = ["Preprocess", "Train", "Register", "Publish", "Warm"];
  const header = ["customers", "rows", ...phases, "end to end", "ms/customer", "peak RSS", "goals"];
  const rows = results.map((m) => {
    const goal = GOAL_MS[m.customers];
    const verdict = [
      goal ? `${m.totalMs < goal ? "PASS" : "FAIL"} < ${secs(goal)}` : "",
      `${m.peakRss < GOAL_RSS ? "PASS" : "FAIL"} RSS < 1 GB`,
    ]
      .filter(Boolean)
      .join(", ");
    const preprocessMs = m.states.get("Preprocess") ?? 0;
    return [
      m.customers.toLocaleString("en"),
      `${(m.rows / 1e6).toFixed(1)} M`,
      ...phases.map((p) =>
        p === "Preprocess" && preprocessMs > 0
          ? `${secs(preprocessMs)} (${(m.rows / preprocessMs / 1000).toFixed(2)} M rows/s)`
          : secs(m.states.get(p) ?? 0),
      ),
      secs(m.totalMs),
      (m.totalMs / m.customers).toFixed(2),
      `${(m.peakRss / 1024 ** 3).toFixed(2)} GB`,
      verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  for (const m of results) {
    const parts = ["Preprocess", "shards", "Train", "Register", "Publish", "Warm"].flatMap((p) => {
      const rss = m.stateRss.get(p);
      return rss === undefined ? [] : [`${p} ${(rss / 1024 ** 3).toFixed(2)} GB`];
    });
    console.log(
      `peak RSS by state (sampled), ${m.customers.toLocaleString("en")} customers: ${parts.join(", ")}`,
    );
  }
  const first = results[0];
  for (const m of results.slice(1)) {
    console.log(
      `growth ${first.customers.toLocaleString("en")} → ${m.customers.toLocaleString("en")} customers (×${m.customers / first.customers}): time ×${(m.totalMs / first.totalMs).toFixed(1)}, per customer ×${(m.totalMs / m.customers / (first.totalMs / first.customers)).toFixed(2)}, peak RSS ×${(m.peakRss / first.peakRss).toFixed(2)}`,
    );
  }
}

const secs = (ms: number) =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
