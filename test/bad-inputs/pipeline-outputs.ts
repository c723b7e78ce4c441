import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { parse } from "csv-parse/sync";
import type { TestStack } from "../support/stack.ts";

/** A run as `GET /v1/runs/{runId}` returns it (the fields these suites read). */
export interface RunDetail {
  runId: string;
  dataset: string;
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  input: { key: string };
  error: string | null;
  cause: string | null;
  counts: {
    rows?: { in: number; out: number; quarantined: number };
    customers?: number;
    quarantineKey?: string | null;
    quarantined?: Record<string, number>;
  };
  states: { name: string; status: string; startedAt: string; stoppedAt: string | null; error?: string }[];
}

/** One line of `quarantine/<dataset>/<runId>.csv`. */
export interface QuarantinedRow {
  line: number;
  reason: string;
  row: string;
}

/** Every run, newest first, with its states. */
export async function allRuns(stack: TestStack): Promise<RunDetail[]> {
  const runs: RunDetail[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await stack.api(`/v1/runs?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
    ).json()) as { runs: { runId: string }[]; nextCursor: string | null };
    for (const { runId } of page.runs) {
      runs.push((await (await stack.api(`/v1/runs/${runId}`)).json()) as RunDetail);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

/** The number of runs the API lists (cheap: no per-run detail). */
export async function runCount(stack: TestStack, dataset?: string): Promise<number> {
  const query = dataset ? `&dataset=${encodeURIComponent(dataset)}` : "";
  const page = (await (await stack.api(`/v1/runs?limit=1000${query}`)).json()) as { runs: unknown[] };
  return page.runs.length;
}

/** An object's text from the stack's bucket, or undefined. */
export async function bucketText(stack: TestStack, key: string): Promise<string | undefined> {
  const bytes = await stack.ports.store.get(key);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
}

/** A customer's clean series as written by Preprocess: `[ISO timestamp, value]` per bucket. */
export async function customerSeries(
  stack: TestStack,
  dataset: string,
  customerId: string,
): Promise<[string, number][] | undefined> {
  const text = await bucketText(stack, `customers/${dataset}/${customerId}/data.csv`);
  if (text === undefined) return undefined;
  const [header, ...lines] = text.split("\n").filter((l) => l !== "");
  if (header !== "timestamp,value") throw new Error(`unexpected data.csv header ${header}`);
  return lines.map((line) => {
    const [timestamp, value] = line.split(",");
    return [timestamp, Number(value)];
  });
}

/** Customer ids that have a `data.csv` under `customers/<dataset>/`. */
export async function customersOnDisk(stack: TestStack, dataset: string): Promise<string[]> {
  const prefix = `customers/${dataset}/`;
  return (await bucketKeys(stack))
    .filter((k) => k.startsWith(prefix) && k.endsWith("/data.csv"))
    .map((k) => k.slice(prefix.length, -"/data.csv".length))
    .sort();
}

/** Every key in the stack's bucket folder. */
export async function bucketKeys(stack: TestStack): Promise<string[]> {
  const root = stack.ports.bucketDir;
  const keys: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else keys.push(relative(root, path).split(sep).join("/"));
    }
  };
  await walk(root);
  return keys.sort();
}

/** The quarantine file's rows (`line,reason,row`, RFC 4180). */
export function parseQuarantine(text: string): QuarantinedRow[] {
  const records = parse(text, { columns: true, relax_column_count: false }) as {
    line: string;
    reason: string;
    row: string;
  }[];
  return records.map((r) => ({ line: Number(r.line), reason: r.reason, row: r.row }));
}

/** The ISO text (as data.csv holds it) of `n` hours after 2025-01-01T00:00:00Z; `n` may be fractional. */
export function hour(n: number): string {
  return new Date(Date.UTC(2025, 0, 1) + n * 3_600_000).toISOString();
}

/**
 * `stack.idle()`, but a run that never ends (a deadlock, a lost wake-up) fails the test after
 * `ms` with the runs still RUNNING, instead of hanging until the suite's timeout.
 */
export async function idleWithin(stack: TestStack, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const running = (await allRuns(stack).catch(() => []))
        .filter((r) => r.status === "RUNNING")
        .map((r) => `${r.runId} (${r.input.key}) ${JSON.stringify(r.counts)}`);
      reject(new Error(`runs still RUNNING after ${ms} ms: ${running.join("; ")}`));
    }, ms);
  });
  try {
    await Promise.race([stack.idle(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `stack.shutdown()`, bounded: a stack that cannot stop (runs queued behind a stuck one keep
 * starting after `stop()`) fails the suite after `ms` instead of holding it until the hook
 * timeout. What is left running ends with the test worker.
 */
export async function shutdownWithin(stack: TestStack | undefined, ms = 60_000): Promise<void> {
  if (!stack) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stack did not shut down within ${ms} ms`)), ms);
  });
  const closing = stack.shutdown();
  // Past the deadline nobody awaits it: its own failure must not surface as unhandled.
  closing.catch(() => undefined);
  try {
    await Promise.race([closing, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
