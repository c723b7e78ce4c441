import { readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuarantineReason } from "@myriad/core/ingest/reasons";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import {
  allRuns,
  bucketKeys,
  bucketText,
  customerSeries,
  customersOnDisk,
  hour,
  idleWithin,
  parseQuarantine,
  runCount,
  type RunDetail,
  shutdownWithin,
} from "./pipeline-outputs.ts";

/** A reading in `data.csv`: hours after 2025-01-01T00:00Z (or an ISO timestamp) and its value. */
type Point = [at: number | string, value: number];
type Quarantined = [line: number, reason: QuarantineReason];

interface Succeeds {
  /** Data rows read and rows accepted; quarantined = in − out, and must list exactly `quarantine`. */
  rows: [rowsIn: number, rowsOut: number];
  quarantine?: Quarantined[];
  /** Every customer the run writes, with every bucket of its `data.csv`. */
  series: Record<string, Point[]>;
}

interface Fails {
  /** The run is FAILED by Preprocess with this error code and cause; nothing is written under customers/. */
  fails: [error: string, cause: RegExp];
  /** The quarantine written before failing (no_valid_rows), if any. */
  quarantine?: Quarantined[];
}

type Expected = (Succeeds | Fails) & {
  /** `raw/<dataset>/_dataset.json` written before the file. */
  config?: Record<string, unknown>;
};

const hours = (values: number[], from = 0, step = 1): Point[] => values.map((v, i) => [from + i * step, v]);
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const NO_HEADER: Fails["fails"] = [
  "missing_columns",
  /header lacks column\(s\) customer_id, timestamp, consumption/,
];
const NO_ROWS: Fails["fails"] = ["no_valid_rows", /has no valid row \(0 rows read\)/];

/**
 * The corpus (test/bad-inputs/corpus/, one dataset per file, named after it) and what the
 * pipeline must make of each file. Line numbers are the file's own (the header is line 1).
 */
const CORPUS: Record<string, Expected> = {
  "empty.csv": { fails: NO_ROWS },
  "header-only.csv": { fails: NO_ROWS },
  "blank-lines-only.csv": { fails: NO_ROWS },
  "pipe-delimited.csv": { fails: NO_HEADER },
  "tab-delimited.csv": { rows: [3, 3], series: { a: hours([1.5, 2.5]), b: hours([3]) } },
  "tab-when-comma-configured.csv": { config: { delimiter: "," }, fails: NO_HEADER },
  "semicolon-decimal-comma.csv": {
    rows: [5, 4],
    quarantine: [[6, "non_numeric_value"]],
    series: { a: hours([1.5, 2.25, 7]), b: hours([0.5]) },
  },
  "bom.csv": { rows: [2, 2], series: { a: hours([1, 2]) } },
  "crlf.csv": {
    rows: [4, 3],
    quarantine: [[5, "non_numeric_value"]],
    series: { a: hours([1.25, 2.5]), b: hours([4]) },
  },
  "bom-crlf-quoted.csv": { rows: [2, 2], series: { a: hours([1]), b: hours([2]) } },
  // A quote that never closes costs its own line only.
  "unclosed-quote.csv": {
    rows: [4, 3],
    quarantine: [[3, "malformed_csv"]],
    series: { a: [[0, 1], ...hours([3, 4], 2)] },
  },
  // A closing quote followed by text: that line only, not every line up to the next quote.
  "text-after-closing-quote.csv": {
    rows: [4, 3],
    quarantine: [[3, "malformed_csv"]],
    series: { a: hours([1, 3], 0, 2), b: hours([5]) },
  },
  "quoted-commas.csv": {
    rows: [6, 5],
    quarantine: [[7, "non_numeric_value"]],
    series: {
      a: hours([1, 2, 3]),
      b: [
        [0, 4],
        [2, 6],
      ],
    },
  },
  "non-finite.csv": {
    rows: [7, 2],
    quarantine: range(5, (i) => i + 3).map((line) => [line, "non_finite_value"]),
    series: { a: hours([1, 7]) },
  },
  "negative.csv": {
    rows: [6, 3],
    quarantine: [
      [3, "negative_value"],
      [4, "negative_value"],
      [7, "negative_value"],
    ],
    series: {
      a: [
        [0, 1],
        [3, 0],
        [4, 0],
      ],
    },
  },
  "huge-values.csv": {
    rows: [6, 4],
    quarantine: [
      [3, "non_finite_value"],
      [5, "non_finite_value"],
    ],
    series: {
      a: [
        [0, 1e308],
        [2, 1.7976931348623157e308],
        [4, 1.2345678901234568e29],
        [5, 0],
      ],
    },
  },
  "number-formats.csv": {
    rows: [9, 5],
    quarantine: range(4, (i) => i + 6).map((line) => [line, "non_numeric_value"]),
    series: {
      a: [
        [0, 5],
        [1, 0.5],
        [2, 5],
        [3, 1000],
        [8, 42],
      ],
    },
  },
  "duplicates.csv": {
    rows: [6, 3],
    quarantine: [
      [3, "duplicate_row"],
      [4, "duplicate_row"],
      [7, "duplicate_row"],
    ],
    series: { a: hours([1, 2]), b: hours([5]) },
  },
  "conflicting-duplicates.csv": {
    rows: [5, 3],
    quarantine: [
      [3, "conflicting_duplicate"],
      [5, "conflicting_duplicate"],
    ],
    series: { a: hours([1, 2, 4]) },
  },
  // An overlapping export appended to the file: its repeats are caught, not summed into their hour.
  "distant-duplicate.csv": {
    rows: [5, 3],
    quarantine: [
      [5, "duplicate_row"],
      [6, "conflicting_duplicate"],
    ],
    series: { a: hours([1, 2, 3]) },
  },
  "out-of-order.csv": { rows: [8, 8], series: { a: hours([1, 2, 3, 4, 5, 6]), b: hours([10, 20]) } },
  "mixed-offsets.csv": {
    rows: [7, 5],
    quarantine: [
      [7, "duplicate_row"],
      [8, "unparsable_timestamp"],
    ],
    series: { a: hours([1, 2, 3, 4, 5]) },
  },
  // The frequency is inferred from the gaps (mostly 15 min): every reading keeps its own bucket.
  "mixed-frequencies.csv": {
    rows: [123, 123],
    series: {
      hourly: hours(range(24, (i) => i + 1)),
      quarter: hours(
        range(96, (i) => (i % 10) / 10),
        0,
        0.25,
      ),
      daily: hours([100, 101, 102], 0, 24),
    },
  },
  "one-row-customers.csv": {
    rows: [6, 6],
    series: Object.fromEntries(range(6, (i) => [`solo${i}`, [[i, i + 1]] as Point[]])),
  },
  "latin1.csv": {
    rows: [6, 2],
    quarantine: [
      [3, "invalid_customer_id"],
      [4, "non_numeric_value"],
      [5, "unparsable_timestamp"],
      [7, "invalid_customer_id"],
    ],
    series: {
      a: [
        [0, 1],
        [3, 5],
      ],
    },
  },
  "utf16le.csv": { fails: NO_HEADER },
  "binary-garbage.bin": { fails: NO_HEADER },
  "gzip-of-garbage.csv.gz": { fails: NO_HEADER },
  "gzip-magic-garbage.csv.gz": { fails: ["unreadable_input", /not a readable gzip file/] },
  "truncated.csv.gz": { fails: ["unreadable_input", /not a readable gzip file \(unexpected end of file\)/] },
  "valid.csv.gz": {
    rows: [200, 200],
    series: Object.fromEntries(range(4, (c) => [`c${c}`, hours(range(50, (i) => 4 * i + c))])),
  },
  "plain-named-gz.csv.gz": { rows: [2, 2], series: { a: hours([1, 2]) } },
  "path-traversal-ids.csv": {
    rows: [13, 2],
    quarantine: range(11, (i) => i + 3).map((line) => [line, "invalid_customer_id"]),
    series: { ok: hours([1, 2]) },
  },
  "quoted-ids.csv": {
    rows: [7, 3],
    quarantine: range(4, (i) => i + 4).map((line) => [line, "invalid_customer_id"]),
    series: { plain: hours([1, 7]), quoted: hours([2]) },
  },
  "sql-injection-ids.csv": {
    rows: [6, 2],
    quarantine: [2, 3, 4, 7].map((line) => [line, "invalid_customer_id"]),
    series: { safe: hours([1, 2]) },
  },
  "ten-kb-field.csv": {
    rows: [5, 3],
    quarantine: [
      [4, "invalid_customer_id"],
      [5, "non_finite_value"],
    ],
    series: {
      a: [
        [0, 1],
        [1, 2],
        [3, 4],
      ],
    },
  },
  "missing-column.csv": {
    fails: [
      "missing_columns",
      /header lacks column\(s\) consumption \(found: customer_id, timestamp, reading\)/,
    ],
  },
  "unknown-columns.csv": {
    rows: [4, 3],
    quarantine: [[5, "missing_field"]],
    series: { a: hours([1, 2]), b: hours([3]) },
  },
  "short-rows.csv": {
    rows: [7, 2],
    quarantine: range(5, (i) => i + 3).map((line) => [line, "missing_field"]),
    series: {
      a: [
        [0, 1],
        [4, 5],
      ],
    },
  },
  "bad-timestamps.csv": {
    rows: [10, 2],
    quarantine: range(8, (i) => i + 3).map((line) => [line, "unparsable_timestamp"]),
    series: { a: hours([1]), leap: [["2024-02-29T05:00:00.000Z", 2]] },
  },
  "time-out-of-range.csv": {
    rows: [6, 2],
    quarantine: [
      [2, "timestamp_out_of_range"],
      [4, "timestamp_out_of_range"],
      [5, "future_timestamp"],
      [6, "future_timestamp"],
    ],
    series: {
      a: [
        ["1900-01-01T00:00:00.000Z", 2],
        ["1900-01-01T01:00:00.000Z", 6],
      ],
    },
  },
  "whitespace.csv": { rows: [3, 2], quarantine: [[4, "missing_field"]], series: { a: hours([1, 2]) } },
  "no-final-newline.csv": { rows: [2, 2], series: { a: hours([1, 2]) } },
  "header-repeated.csv": {
    rows: [3, 2],
    quarantine: [[3, "unparsable_timestamp"]],
    series: { a: hours([1, 2]) },
  },
  "blank-lines-between.csv": { rows: [2, 2], series: { a: hours([1, 2]) } },
  "all-rows-invalid.csv": {
    fails: ["no_valid_rows", /has no valid row \(4 rows read; /],
    quarantine: [
      [2, "unparsable_timestamp"],
      [3, "negative_value"],
      [4, "invalid_customer_id"],
      [5, "non_finite_value"],
    ],
  },
};

const MIB = 1024 * 1024;
const HEADER = "customer_id,timestamp,consumption\n";
/** ~1.1 MB of rows: more than one 1 MiB record. */
const STRAY_QUOTE_ROWS = 42_000;
/** `YYYY-MM-DD HH:MM:SS` of `n` hours after 2025-01-01. */
const at = (n: number) =>
  new Date(Date.UTC(2025, 0, 1) + n * 3_600_000).toISOString().slice(0, 19).replace("T", " ");

/** Inputs over 1 MiB, generated at test time (never committed), with their expectations. */
const GENERATED: Record<string, { bytes: () => Buffer; expected: Expected }> = {
  // Fast path: an unquoted line over 1 MiB.
  "very-long-line.csv": {
    bytes: () =>
      Buffer.from(
        `${HEADER}a,2025-01-01 00:00:00,1\na,2025-01-01 01:00:00,${"9".repeat(MIB + 10)}\na,2025-01-01 02:00:00,3\n`,
      ),
    expected: { rows: [3, 2], quarantine: [[3, "line_too_long"]], series: { a: hours([1, 3], 0, 2) } },
  },
  // csv-parse path (a quote came first), then an unquoted line over 1 MiB.
  "long-line-after-quote.csv": {
    bytes: () =>
      Buffer.from(
        `${HEADER}a,2025-01-01 00:00:00,"1"\na,2025-01-01 01:00:00,${"9".repeat(MIB + 10)}\na,2025-01-01 02:00:00,3\n`,
      ),
    expected: { rows: [3, 2], quarantine: [[3, "line_too_long"]], series: { a: hours([1, 3], 0, 2) } },
  },
  "very-long-quoted-field.csv": {
    bytes: () =>
      Buffer.from(
        `${HEADER}a,2025-01-01 00:00:00,1\na,2025-01-01 01:00:00,"${"x".repeat(MIB + 10)}"\na,2025-01-01 02:00:00,3\n`,
      ),
    expected: { rows: [3, 2], quarantine: [[3, "line_too_long"]], series: { a: hours([1, 3], 0, 2) } },
  },
  // A stray quote followed by more than 1 MiB of good rows: none of them is lost.
  "stray-quote-then-1mib.csv": {
    bytes: () => {
      let rows = "";
      for (let i = 0; i < STRAY_QUOTE_ROWS; i++)
        rows += `b${i % 10},${at(24 + Math.floor(i / 10))},${i % 1000}\n`;
      return Buffer.from(`${HEADER}a,2025-01-01 00:00:00,1\na,"2025-01-01 01:00:00,2\n${rows}`);
    },
    expected: {
      rows: [STRAY_QUOTE_ROWS + 2, STRAY_QUOTE_ROWS + 1],
      quarantine: [[3, "malformed_csv"]],
      series: {
        a: hours([1]),
        ...Object.fromEntries(
          range(10, (b) => [
            `b${b}`,
            hours(
              range(STRAY_QUOTE_ROWS / 10, (i) => (10 * i + b) % 1000),
              24,
            ),
          ]),
        ),
      },
    },
  },
  "very-long-header.csv": {
    bytes: () => Buffer.from(`customer_id,timestamp,consumption,${"n".repeat(MIB + 10)}`),
    expected: { fails: ["invalid_header", /header line exceeds 1 MiB/] },
  },
};

const CORPUS_DIR = join(import.meta.dirname, "corpus");
const datasetOf = (file: string) => file.replace(/\..*$/, "");
const ALL: [string, Expected][] = [
  ...Object.entries(CORPUS),
  ...Object.entries(GENERATED).map(([f, g]) => [f, g.expected] as [string, Expected]),
];

/** The file's text lines (gunzipped when it is gzip), for comparing quarantined rows. */
function sourceLines(bytes: Buffer): string[] {
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
  return text.split("\n").map((l) => l.replace(/\r$/, ""));
}

describe("every bad input through the embedded stack", () => {
  let stack: TestStack;
  const runs = new Map<string, RunDetail>();
  const sources = new Map<string, Buffer>();
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => crashes.push(e);

  beforeAll(async () => {
    process.on("unhandledRejection", onCrash);
    process.on("uncaughtException", onCrash);
    stack = await startTestStack("pglite");
    for (const file of readdirSync(CORPUS_DIR)) sources.set(file, readFileSync(join(CORPUS_DIR, file)));
    for (const [file, g] of Object.entries(GENERATED)) sources.set(file, g.bytes());
    for (const [file, expected] of ALL) {
      const folder = join(stack.ports.bucketDir, "raw", datasetOf(file));
      await mkdir(folder, { recursive: true });
      if (expected.config) await writeFile(join(folder, "_dataset.json"), JSON.stringify(expected.config));
      await writeFile(join(folder, file), sources.get(file) ?? Buffer.alloc(0));
    }
    await waitFor(async () => ((await runCount(stack)) >= ALL.length ? true : undefined), 60_000);
    await idleWithin(stack, 60_000);
    for (const run of await allRuns(stack)) {
      expect(runs.has(run.dataset), `one run for ${run.dataset}`).toBe(false);
      runs.set(run.dataset, run);
    }
  });
  afterAll(async () => {
    await shutdownWithin(stack);
    process.off("unhandledRejection", onCrash);
    process.off("uncaughtException", onCrash);
  });

  it("has an expectation for every corpus file, and at least 30 of them", () => {
    expect(Object.keys(CORPUS).sort()).toEqual(readdirSync(CORPUS_DIR).sort());
    expect(Object.keys(CORPUS).length).toBeGreaterThanOrEqual(30);
    for (const file of Object.keys(CORPUS)) expect(sources.get(file)?.length ?? 0, file).toBeLessThan(MIB);
  });

  it.each(ALL)("%s", async (file, expected) => {
    const dataset = datasetOf(file);
    const run = runs.get(dataset);
    expect(run, `a run for ${file}`).toBeDefined();
    if (!run) return;
    const quarantine = async () => {
      const text = await bucketText(stack, `quarantine/${dataset}/${run.runId}.csv`);
      return text === undefined ? undefined : parseQuarantine(text);
    };

    if ("fails" in expected) {
      expect(run.status).toBe("FAILED");
      const [error, cause] = expected.fails;
      expect(run.error).toBe(error);
      expect(run.cause).toMatch(cause);
      expect(run.states.map((s) => [s.name, s.status])).toEqual([["Preprocess", "FAILED"]]);
      expect(await customersOnDisk(stack, dataset)).toEqual([]);
      const rows = await quarantine();
      expect(rows?.map((r) => [r.line, r.reason])).toEqual(expected.quarantine);
      return;
    }

    expect(run.status, `${run.error}: ${run.cause}`).toBe("SUCCEEDED");
    expect(run.states.map((s) => s.status)).toEqual(Array(5).fill("SUCCEEDED"));
    const listed = expected.quarantine ?? [];
    const [rowsIn, rowsOut] = expected.rows;
    expect(run.counts.rows).toEqual({ in: rowsIn, out: rowsOut, quarantined: listed.length });
    expect(rowsOut + listed.length).toBe(rowsIn);

    // Each rejected row is listed with its own line number, reason and text.
    const rows = (await quarantine()) ?? [];
    expect(rows.map((r) => [r.line, r.reason])).toEqual(listed);
    expect(run.counts.quarantineKey ?? null).toBe(
      listed.length > 0 ? `quarantine/${dataset}/${run.runId}.csv` : null,
    );
    const lines = sourceLines(sources.get(file) ?? Buffer.alloc(0));
    for (const r of rows) {
      const shown = r.row.split("\n")[0].replace(/…$/, "");
      expect(lines[r.line - 1].startsWith(shown), `line ${r.line}: ${shown.slice(0, 80)}`).toBe(true);
      expect(shown.length).toBeGreaterThan(0);
    }

    // Every accepted row is in its customer's series, with its value; no other customer appears.
    expect(await customersOnDisk(stack, dataset)).toEqual(Object.keys(expected.series).sort());
    for (const [id, points] of Object.entries(expected.series)) {
      const want = points.map(([at, v]) => [typeof at === "number" ? hour(at) : at, v]);
      expect(await customerSeries(stack, dataset, id), `${dataset}/${id}`).toEqual(want);
    }

    // And each customer is served a forecast: the full horizon, finite, quantiles in order.
    const horizon = (run.states[0] as { summary?: { horizon?: number } }).summary?.horizon;
    for (const id of Object.keys(expected.series)) {
      const res = await stack.api(`/v1/datasets/${dataset}/customers/${id}/forecast`);
      expect(res.status, `${dataset}/${id} forecast`).toBe(200);
      const body = (await res.json()) as { points: { p10: number; p50: number; p90: number }[] };
      expect(body.points).toHaveLength(horizon ?? -1);
      for (const p of body.points) {
        expect([p.p10, p.p50, p.p90].every(Number.isFinite), `${dataset}/${id} ${JSON.stringify(p)}`).toBe(
          true,
        );
        expect(p.p10 <= p.p50 && p.p50 <= p.p90).toBe(true);
      }
    }
  });

  it("writes nothing outside the dataset's own folders, whatever the ids", async () => {
    const keys = await bucketKeys(stack);
    const datasets = new Set(ALL.map(([f]) => datasetOf(f)));
    for (const key of keys) {
      const [top, dataset, ...rest] = key.split("/");
      expect(["raw", "customers", "manifests", "quarantine", "models", "runs"], key).toContain(top);
      expect(datasets.has(dataset), key).toBe(true);
      expect(
        rest.every((part) => /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(part) && !part.includes("..")),
        key,
      ).toBe(true);
    }
  });

  it("keeps serving, with the database intact after SQL in the ids", async () => {
    expect((await stack.api("/health", { key: null })).status).toBe(200);
    expect(await runCount(stack)).toBe(ALL.length);
    const res = await stack.api("/v1/datasets/sql-injection-ids/customers");
    const body = (await res.json()) as { customers: { customerId: string }[] };
    expect(body.customers.map((c) => c.customerId)).toEqual(["safe"]);
    expect(crashes).toEqual([]);
  });
});
