import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import {
  allRuns,
  bucketText,
  customerSeries,
  hour,
  idleWithin,
  parseQuarantine,
  runCount,
  type RunDetail,
  shutdownWithin,
} from "../bad-inputs/pipeline-outputs.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const HEADER = "customer_id,timestamp,consumption\n";
const MANY = 100_000;

/** Writes `parts` to a file in the stack's temp dir, then moves it into raw/<dataset>/ at once. */
async function drop(stack: TestStack, dataset: string, name: string, parts: () => AsyncIterable<Buffer>) {
  const scratch = join(stack.dataDir, "generated");
  await mkdir(scratch, { recursive: true });
  await mkdir(join(stack.ports.bucketDir, "raw", dataset), { recursive: true });
  const tmp = join(scratch, name);
  await pipeline(Readable.from(parts()), createWriteStream(tmp, { highWaterMark: 4 * MIB }));
  const { size } = await stat(tmp);
  const path = join(stack.ports.bucketDir, "raw", dataset, name);
  await rename(tmp, path);
  return { path, size };
}

/** `bytes` bytes of `fill` in 4 MiB chunks: never held whole. */
async function* filler(bytes: number, fill: string): AsyncIterable<Buffer> {
  const chunk = Buffer.alloc(4 * MIB, fill);
  for (let left = bytes; left > 0; left -= chunk.length)
    yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** A run's outcome in one line, for assertion messages. */
function summary(run: RunDetail): string {
  const states = run.states.map(
    (s) =>
      `${s.name} ${s.status} ${s.stoppedAt ? Date.parse(s.stoppedAt) - Date.parse(s.startedAt) : "?"} ms`,
  );
  return `${run.status} (${run.error}: ${run.cause}); ${states.join(", ")}`;
}

/** The dataset's one run once the stack is idle, and the peak resident memory growth meanwhile. */
async function runOf(stack: TestStack, dataset: string): Promise<{ run: RunDetail; peakRssGrowth: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  try {
    await waitFor(async () => ((await runCount(stack, dataset)) > 0 ? true : undefined), 120_000);
    await idleWithin(stack, 15 * 60_000);
  } finally {
    clearInterval(sampler);
  }
  const runs = (await allRuns(stack)).filter((r) => r.dataset === dataset);
  expect(runs).toHaveLength(1);
  return { run: runs[0], peakRssGrowth: peak - baseline };
}

describe("inputs too big to hold", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
  });
  afterAll(() => shutdownWithin(stack, 5 * 60_000));

  it("fails a 2 GiB file that is one line (no line feed at all) on its header, in bounded memory", async () => {
    const started = Date.now();
    const { path, size } = await drop(stack, "oneline", "one-line.csv", async function* () {
      yield Buffer.from("customer_id,timestamp,consumption,");
      yield* filler(2 * GIB, "x");
    });
    expect(size).toBeGreaterThan(2 * GIB);
    const { run, peakRssGrowth } = await runOf(stack, "oneline");
    await rm(path);
    expect(run.status).toBe("FAILED");
    expect(run.error).toBe("invalid_header");
    expect(run.cause).toMatch(/header line exceeds 1 MiB/);
    expect(run.states.map((s) => [s.name, s.status])).toEqual([["Preprocess", "FAILED"]]);
    expect(peakRssGrowth).toBeLessThan(256 * MIB);
    console.log(
      `2 GiB one-line file: ${Date.now() - started} ms, RSS +${Math.round(peakRssGrowth / MIB)} MiB`,
    );
  });

  it("quarantines a 2 GiB line between good rows and keeps the rows around it", async () => {
    const started = Date.now();
    const { path } = await drop(stack, "longline", "long-line.csv", async function* () {
      yield Buffer.from(`${HEADER}a,2025-01-01 00:00:00,1\na,2025-01-01 01:00:00,`);
      yield* filler(2 * GIB, "9");
      yield Buffer.from("\na,2025-01-01 02:00:00,3\n");
    });
    const { run, peakRssGrowth } = await runOf(stack, "longline");
    await rm(path);
    expect(run.status, summary(run)).toBe("SUCCEEDED");
    expect(run.counts.rows).toEqual({ in: 3, out: 2, quarantined: 1 });
    const quarantine = parseQuarantine((await bucketText(stack, run.counts.quarantineKey ?? "")) ?? "");
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[3, "line_too_long"]]);
    expect(quarantine[0].row.length).toBeLessThan(1000);
    expect(await customerSeries(stack, "longline", "a")).toEqual([
      [hour(0), 1],
      [hour(2), 3],
    ]);
    expect(peakRssGrowth).toBeLessThan(512 * MIB);
    console.log(`2 GiB line: ${Date.now() - started} ms, RSS +${Math.round(peakRssGrowth / MIB)} MiB`);
  });

  it(`trains, registers and publishes ${MANY.toLocaleString("en")} customers of one row each`, async () => {
    const started = Date.now();
    await mkdir(join(stack.ports.bucketDir, "raw", "many"), { recursive: true });
    await writeFile(
      join(stack.ports.bucketDir, "raw", "many", "_dataset.json"),
      JSON.stringify({ frequency: "H", horizon: 24 }),
    );
    const id = (i: number) => `u${String(i).padStart(6, "0")}`;
    await drop(stack, "many", "one-row-each.csv", async function* () {
      yield Buffer.from(HEADER);
      for (let i = 0; i < MANY; i += 10_000) {
        let lines = "";
        for (let k = i; k < i + 10_000; k++) lines += `${id(k)},${hour(k % 24).slice(0, 19)},${k % 1000}\n`;
        yield Buffer.from(lines);
      }
    });
    const { run } = await runOf(stack, "many");
    const seconds = Math.round((Date.now() - started) / 1000);
    expect(run.status, summary(run)).toBe("SUCCEEDED");
    expect(run.counts.rows).toEqual({ in: MANY, out: MANY, quarantined: 0 });
    expect(run.counts).toMatchObject({
      customers: MANY,
      customersTrained: MANY,
      customersFailed: 0,
      customersPublished: MANY,
    });

    // Every customer is listed, once, with an active model.
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = (await (
        await stack.api(
          `/v1/datasets/many/customers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        )
      ).json()) as {
        customers: { customerId: string; points: number; model: unknown }[];
        nextCursor: string | null;
      };
      for (const c of page.customers) {
        expect(c.points).toBe(1);
        expect(c.model).not.toBeNull();
        seen.add(c.customerId);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(MANY);

    for (const k of [0, 1, 23, 24, 4_999, 50_000, 77_777, MANY - 1]) {
      expect(await customerSeries(stack, "many", id(k)), id(k)).toEqual([[hour(k % 24), k % 1000]]);
      const forecast = (await (await stack.api(`/v1/datasets/many/customers/${id(k)}/forecast`)).json()) as {
        points: { timestamp: string; p50: number }[];
      };
      expect(forecast.points).toHaveLength(24);
      expect(forecast.points[0].timestamp).toBe(hour((k % 24) + 1));
      expect(forecast.points.every((p) => Number.isFinite(p.p50))).toBe(true);
    }
    console.log(`${MANY} one-row customers: ${seconds} s end to end; ${summary(run)}`);
  });
});
