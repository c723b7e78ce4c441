/**
 * `npm run bench -- ingest [--scale 1|10] [--gzip] [--keep]`: end-to-end Preprocess throughput
 * and peak memory on the seed's dataset, through a folder-backed ObjectStore.
 *
 * Scale 1: 1,000 customers × 365 days × 24 readings a day (8.76 M rows, hourly after `sum`).
 * Scale 10: the same customers and days with 240 readings a day (ten per hour, 87.6 M rows),
 * `_dataset.json` pinning `H`: ten times the rows for the same buckets, so memory must not grow.
 * Goal on the 2-core machine: ≥ 2 M rows/s end to end at scale 1 (issue #17), peak RSS < 1 GB and
 * independent of the customer count (Preprocess holds one spill partition's buckets at a time).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { generateRows } from "../packages/core/src/ingest/generate.ts";
import { preprocess } from "../packages/core/src/ingest/preprocess.ts";
import type { ObjectInfo, ObjectStore } from "../packages/core/src/ports/object-store.ts";

/** The bench's own bucket folder: just enough ObjectStore for Preprocess. */
class FolderStore implements ObjectStore {
  readonly puts = { count: 0 };
  constructor(readonly root: string) {}

  #path(key: string): string {
    return join(this.root, key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return readFile(this.#path(key)).catch(() => undefined);
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const info = await this.head(key);
    return info && createReadStream(this.#path(key), { highWaterMark: 1024 * 1024 });
  }

  async put(key: string, body: Uint8Array | string): Promise<ObjectInfo> {
    await mkdir(dirname(this.#path(key)), { recursive: true });
    await writeFile(this.#path(key), body);
    this.puts.count++;
    return (await this.head(key)) as ObjectInfo;
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    await mkdir(dirname(this.#path(key)), { recursive: true });
    await pipeline(Readable.from(body), createWriteStream(this.#path(key)));
    this.puts.count++;
    return (await this.head(key)) as ObjectInfo;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const s = await stat(this.#path(key)).catch(() => undefined);
    return s?.isFile() ? { key, size: s.size, etag: String(s.mtimeMs), lastModified: s.mtime } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const files = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    const keys = files
      .filter((f) => f.isFile())
      .map((f) => relative(this.root, join(f.parentPath, f.name)).split("\\").join("/"))
      .filter((k) => k.startsWith(prefix))
      .sort();
    for (const key of keys) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}

/** Samples RSS every 50 ms while `fn` runs. */
async function withRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  try {
    const value = await fn();
    return { value, peakRss: Math.max(peakRss, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString("en-US");

export async function main(args: string[]): Promise<void> {
  const scaleArg = args.indexOf("--scale");
  const scale = scaleArg >= 0 ? Number(args[scaleArg + 1]) : 1;
  if (scale !== 1 && scale !== 10) throw new Error("--scale must be 1 or 10");
  const gzip = args.includes("--gzip");
  const customers = 1000;
  const days = 365;
  const readingsPerDay = 24 * scale;
  const rows = customers * days * readingsPerDay;

  const root = await mkdtemp(join(tmpdir(), "myriad-bench-ingest-"));
  const store = new FolderStore(join(root, "bucket"));
  const key = `raw/bench/meters.csv${gzip ? ".gz" : ""}`;
  try {
    console.log(
      `ingest scale=${scale}: ${customers} customers × ${days} days × ${readingsPerDay} readings/day = ${rows.toLocaleString("en-US")} rows${gzip ? " (gzip)" : ""}`,
    );
    const t0 = performance.now();
    const file = join(root, "bucket", key);
    await mkdir(dirname(file), { recursive: true });
    const text = Readable.from(
      generateRows({ customers, days, readingsPerDay, seed: 1, start: new Date("2025-01-01T00:00:00Z") }),
    );
    if (gzip) await pipeline(text, createGzip({ level: 1 }), createWriteStream(file));
    else await pipeline(text, createWriteStream(file));
    const size = (await stat(file)).size;
    console.log(`generate: ${((performance.now() - t0) / 1000).toFixed(1)} s, file ${mb(size)}`);
    if (scale === 10) await store.put("raw/bench/_dataset.json", JSON.stringify({ frequency: "H" }));

    const input = { runId: "bench-1", dataset: "bench", bucket: "bench", key, size, etag: "1" };
    const now = new Date("2026-01-02T00:00:00Z");
    const baseRss = process.memoryUsage().rss;
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    const { value: result, peakRss } = await withRss(() => preprocess(store, input, { now }));
    const ms = performance.now() - t1;
    const cpu = process.cpuUsage(cpu1);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `preprocess: ${(ms / 1000).toFixed(2)} s, ${perSecond(result.rows.in, ms)} rows/s end to end, ${mb((size / ms) * 1000)}/s of ${gzip ? "gzip" : "CSV"}`,
    );
    console.log(
      `  cpu ${(cpuMs / 1000).toFixed(2)} s (user+sys, zlib threads included): ${perSecond(result.rows.in, cpuMs)} rows per CPU-second`,
    );
    console.log(
      `  load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} on ${cpus().length} cores (wall clock is shared)`,
    );
    console.log(
      `  rows in=${result.rows.in} out=${result.rows.out} quarantined=${result.rows.quarantined}, customers=${result.customers}, frequency=${result.frequency}`,
    );
    console.log(
      `  rss before=${mb(baseRss)} peak(sampled)=${mb(peakRss)} maxRSS(process)=${mb(process.resourceUsage().maxRSS * 1024)}`,
    );

    const writesBefore = store.puts.count;
    const t2 = performance.now();
    const again = await preprocess(store, { ...input, runId: "bench-2" }, { now });
    const ms2 = performance.now() - t2;
    console.log(
      `re-upload (merge with history): ${(ms2 / 1000).toFixed(2)} s, ${perSecond(again.rows.in, ms2)} rows/s, objects written=${store.puts.count - writesBefore} (manifest only: series unchanged)`,
    );
    console.log(`  maxRSS(process)=${mb(process.resourceUsage().maxRSS * 1024)}`);
  } finally {
    if (!args.includes("--keep")) await rm(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}
