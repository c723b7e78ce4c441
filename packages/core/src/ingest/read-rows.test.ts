import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MyriadError } from "../errors/myriad-error.ts";
import { MAX_LINE_BYTES } from "./fast-rows.ts";
import { type ReadOptions, readRows } from "./read-rows.ts";
import type { QuarantineReason } from "./reasons.ts";
import type { AddOutcome, RowSink } from "./row-sink.ts";

const NAMES: ReadOptions["names"] = {
  customerId: "customer_id",
  timestamp: "timestamp",
  value: "consumption",
};

/** Records what the readers deliver: accepted rows as `id@iso=value`, rejects as `line:reason:raw`. */
class RecordingSink implements RowSink {
  readonly ids: string[] = [];
  readonly rows: string[] = [];
  readonly rejects: string[] = [];
  customer(id: string): number {
    const known = this.ids.indexOf(id);
    return known >= 0 ? known : this.ids.push(id) - 1;
  }
  readonly suspects: string[] = [];
  /** A value of 99 is a suspect: the reader must hand over its line and text. */
  add(customer: number, time: number, value: number): AddOutcome {
    this.rows.push(`${this.ids[customer]}@${new Date(time).toISOString()}=${value}`);
    return value === 99 ? "suspect" : undefined;
  }
  suspect(customer: number, line: number, raw: string): void {
    this.suspects.push(`${this.ids[customer]}:${line}:${raw}`);
  }
  reject(line: number, reason: QuarantineReason, raw: string): void {
    this.rejects.push(`${line}:${reason}:${raw}`);
  }
  flush(): undefined {
    return undefined;
  }
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function read(text: string | Uint8Array, chunkSize = 5, options: Partial<ReadOptions> = {}) {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const sink = new RecordingSink();
  const stats = await readRows(chunked(bytes, chunkSize), sink, { names: NAMES, ...options });
  return { sink, stats };
}

const T0 = "2025-01-01T00:00:00.000Z";
const T1 = "2025-01-01T01:00:00.000Z";

describe("readRows", () => {
  it("reads plain CSV on the fast path", async () => {
    const { sink, stats } = await read(
      "customer_id,timestamp,consumption\na,2025-01-01 00:00:00,1.5\nb,2025-01-01T01:00:00Z,2\n",
    );
    expect(sink.rows).toEqual([`a@${T0}=1.5`, `b@${T1}=2`]);
    expect(stats).toEqual({ rows: 2, delimiter: ",", gzip: false, parser: "fast" });
  });

  it("strips a BOM and reads CRLF line ends, blank lines and a missing final newline", async () => {
    const { sink, stats } = await read(
      "\uFEFFcustomer_id,timestamp,consumption\r\na,2025-01-01 00:00:00,1\r\n\r\nb,2025-01-01 01:00:00,2",
    );
    expect(sink.rows).toEqual([`a@${T0}=1`, `b@${T1}=2`]);
    expect(stats.rows).toBe(2);
  });

  it("detects ';' (with decimal commas) and tab delimiters", async () => {
    const semi = await read("customer_id;timestamp;consumption\na;2025-01-01 00:00:00;1,5\n");
    expect(semi.sink.rows).toEqual([`a@${T0}=1.5`]);
    expect(semi.stats.delimiter).toBe(";");
    const tab = await read("customer_id\ttimestamp\tconsumption\na\t2025-01-01 00:00:00\t3\n");
    expect(tab.sink.rows).toEqual([`a@${T0}=3`]);
    expect(tab.stats.delimiter).toBe("\t");
  });

  it("uses a configured delimiter over detection", async () => {
    const { sink, stats } = await read("customer_id;timestamp;consumption\na;2025-01-01 00:00:00;2\n", 5, {
      delimiter: ";",
    });
    expect(stats.delimiter).toBe(";");
    expect(sink.rows).toEqual([`a@${T0}=2`]);
  });

  it("maps columns by name, in any order, ignoring case and extra columns", async () => {
    const { sink } = await read('Reading,Note,Meter,When\n4,"x",m1,2025-01-01 00:00:00\n', 5, {
      names: { customerId: "meter", timestamp: "when", value: "reading" },
    });
    expect(sink.rows).toEqual([`m1@${T0}=4`]);
  });

  it("fails the file when a mapped column is missing", async () => {
    const error = await read("id,timestamp,consumption\na,2025-01-01,1\n").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MyriadError);
    expect(error).toMatchObject({ code: "missing_columns", details: { missing: ["customer_id"] } });
  });

  it("reads quoted fields through csv-parse: delimiters, quotes and line breaks inside", async () => {
    const text =
      '"customer_id","timestamp","consumption"\n"a","2025-01-01 00:00:00","1"\n"b,c","2025-01-01 01:00:00","2"\n"d ""q""\nx","2025-01-01 01:00:00","3"\n"e","2025-01-01 01:00:00","4"\n';
    const { sink, stats } = await read(text);
    expect(stats.parser).toBe("csv-parse");
    expect(stats.rows).toBe(4);
    expect(sink.rows).toEqual([`a@${T0}=1`, `e@${T1}=4`]);
    expect(sink.rejects).toEqual([
      '3:invalid_customer_id:"b,c","2025-01-01 01:00:00","2"',
      '4:invalid_customer_id:"d ""q""\nx","2025-01-01 01:00:00","3"',
    ]);
  });

  it("switches to csv-parse at the first quote mid-file and keeps the file's line numbers", async () => {
    const text =
      'customer_id,timestamp,consumption\na,2025-01-01 00:00:00,1\n"b","2025-01-01 01:00:00","2"\nc,"2025-01-01\n01:00:00",3\nd,bad,4\n';
    const { sink, stats } = await read(text, 8);
    expect(stats.parser).toBe("fast+csv-parse");
    expect(sink.rows).toEqual([`a@${T0}=1`, `b@${T1}=2`]);
    expect(sink.rejects).toEqual([
      '4:unparsable_timestamp:c,"2025-01-01\n01:00:00",3',
      "6:unparsable_timestamp:d,bad,4",
    ]);
  });

  it("reads a first chunk of more than 1 MiB of whole lines followed by chunks without a line feed", async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `c${i % 7},2025-01-01 00:00:00,${i}\n`).join("");
    expect(lines.length).toBeGreaterThan(MAX_LINE_BYTES);
    const chunks = [`customer_id,timestamp,consumption\n${lines}a,2025-01-01 00:00:00,`, "1", "2\n"];
    const sink = new RecordingSink();
    async function* source() {
      for (const chunk of chunks) yield bytesOf(chunk);
    }
    await readRows(source(), sink, { names: NAMES });
    expect(sink.rejects).toEqual([]);
    expect(sink.rows).toHaveLength(40_001);
    expect(sink.rows.at(-1)).toBe(`a@${T0}=12`);
  });

  it("hands over the line and text of a suspect reading, on both paths", async () => {
    const text =
      'customer_id,timestamp,consumption\na,2025-01-01 00:00:00,99\nb,2025-01-01 00:00:00,1\n"c","2025-01-01 01:00:00","99"\n';
    const { sink } = await read(text, 8);
    expect(sink.suspects).toEqual(["a:2:a,2025-01-01 00:00:00,99", 'c:4:"c","2025-01-01 01:00:00","99"']);
    expect(sink.rejects).toEqual([]);
  });

  it("quarantines only the first line of a quote that never closes, and reads on", async () => {
    for (const size of [5, 64 * 1024]) {
      const { sink, stats } = await read(
        'customer_id,timestamp,consumption\na,2025-01-01 00:00:00,1\nb,"2025-01-01 01:00:00,2\nc,2025-01-01 01:00:00,3\n"d",2025-01-01 01:00:00,4',
        size,
      );
      expect(stats.rows).toBe(4);
      expect(sink.rows).toEqual([`a@${T0}=1`, `c@${T1}=3`, `d@${T1}=4`]);
      expect(sink.rejects).toEqual(['3:malformed_csv:b,"2025-01-01 01:00:00,2']);
    }
  });

  it("quarantines the first line of a record whose closing quote is followed by text", async () => {
    const { sink, stats } = await read(
      'customer_id,timestamp,consumption\na,"2025-01-01 00:00:00,1\nb,2025-01-01 01:00:00,2\nc,"x"y,3\nd,2025-01-01 01:00:00,4\n',
    );
    expect(stats.rows).toBe(4);
    expect(sink.rows).toEqual([`b@${T1}=2`, `d@${T1}=4`]);
    expect(sink.rejects).toEqual(['2:malformed_csv:a,"2025-01-01 00:00:00,1', '4:malformed_csv:c,"x"y,3']);
  });

  it("fails the file when the header's quote never closes", async () => {
    const error = await read('"customer_id,timestamp,consumption\na,2025-01-01 00:00:00,1\n').catch((e) => e);
    expect(error).toBeInstanceOf(MyriadError);
    expect(error).toMatchObject({ code: "invalid_header" });
  });

  it("reports missing fields, unsafe ids, bad timestamps and bad values with line numbers", async () => {
    const text = [
      "customer_id,timestamp,consumption",
      "a,2025-01-01 00:00:00",
      ",2025-01-01 00:00:00,1",
      "a,,1",
      "a,2025-01-01 00:00:00,",
      "../etc,2025-01-01 00:00:00,1",
      "x".repeat(65) + ",2025-01-01 00:00:00,1",
      "é,2025-01-01 00:00:00,1",
      "a,01/01/2025,1",
      "a,2025-01-01 00:00:00,abc",
      "a,2025-01-01 00:00:00,Infinity",
      "a,2025-01-01 00:00:00,-2",
      " a , 2025-01-01 00:00:00 , 7 ",
    ].join("\n");
    const { sink, stats } = await read(text, 3);
    expect(stats.rows).toBe(12);
    expect(sink.rows).toEqual([`a@${T0}=7`]);
    expect(sink.rejects.map((r) => r.split(":").slice(0, 2).join(":"))).toEqual([
      "2:missing_field",
      "3:missing_field",
      "4:missing_field",
      "5:missing_field",
      "6:invalid_customer_id",
      "7:invalid_customer_id",
      "8:invalid_customer_id",
      "9:unparsable_timestamp",
      "10:non_numeric_value",
      "11:non_finite_value",
      "12:negative_value",
    ]);
    expect(sink.rejects[6]).toBe("8:invalid_customer_id:é,2025-01-01 00:00:00,1");
  });

  it("loses no row after an unclosed quote followed by more than 1 MiB", async () => {
    const count = Math.ceil((2.5 * MAX_LINE_BYTES) / 24);
    const rest = "c,2025-01-01 01:00:00,3\n".repeat(count);
    const { sink, stats } = await read(
      `customer_id,timestamp,consumption\nb,"2025-01-01 01:00:00,2\n${rest}`,
      64 * 1024,
    );
    expect(stats.rows).toBe(count + 1);
    expect(sink.rows).toHaveLength(count);
    expect(sink.rejects).toEqual(['2:malformed_csv:b,"2025-01-01 01:00:00,2']);
  });

  it("quarantines a quoted field over 1 MiB as line_too_long and reads the next line", async () => {
    const long = `a,2025-01-01 00:00:00,"${"9".repeat(MAX_LINE_BYTES + 10)}"`;
    const multiline = `a,"${`${"x".repeat(1023)}\n`.repeat(1100)}",1`;
    for (const size of [64 * 1024, 1000 * 1024]) {
      const { sink, stats } = await read(
        `customer_id,timestamp,consumption\n${long}\nb,2025-01-01 01:00:00,2\n${multiline}\nc,2025-01-01 01:00:00,3\n`,
        size,
      );
      expect(sink.rows.slice(0, 1)).toEqual([`b@${T1}=2`]);
      expect(sink.rows.at(-1)).toBe(`c@${T1}=3`);
      expect(sink.rejects[0]).toMatch(/^2:line_too_long:a,2025-01-01 00:00:00,"9{900}/);
      expect(sink.rejects[0].length).toBeLessThan(1100);
      // The multi-line record costs its first line; its other lines are read as rows of their own.
      expect(sink.rejects[1]).toBe(`4:malformed_csv:a,"${"x".repeat(997)}…`);
      expect(stats.rows).toBe(sink.rows.length + sink.rejects.length);
    }
  });

  it("quarantines an over-long line and goes on with the next", async () => {
    const long = `a,2025-01-01 00:00:00,${"9".repeat(MAX_LINE_BYTES + 10)}`;
    const text = `customer_id,timestamp,consumption\n${long}\nb,2025-01-01 01:00:00,2\n`;
    for (const size of [64 * 1024, 1000 * 1024]) {
      const { sink, stats } = await read(text, size);
      expect(stats.rows).toBe(2);
      expect(sink.rows).toEqual([`b@${T1}=2`]);
      expect(sink.rejects).toHaveLength(1);
      expect(sink.rejects[0]).toMatch(/^2:line_too_long:a,2025/);
      expect(sink.rejects[0].length).toBeLessThan(300);
    }
  });

  it("reads gzip by its magic bytes, whatever the name", async () => {
    const { sink, stats } = await read(
      gzipSync("customer_id,timestamp,consumption\na,2025-01-01 00:00:00,1\n"),
      3,
    );
    expect(stats.gzip).toBe(true);
    expect(sink.rows).toEqual([`a@${T0}=1`]);
  });

  it("rejects a corrupt gzip stream", async () => {
    const bytes = gzipSync("customer_id,timestamp,consumption\n".repeat(100));
    const corrupt = bytes.slice(0, 30);
    const error = await read(corrupt).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toMatch(/^Z_|ERR_/);
  });

  it("closes the source when the file fails early, plain or gzip", async () => {
    for (const body of [
      bytesOf("id,ts,v\n1,2,3\n".repeat(1000)),
      gzipSync("id,ts,v\n1,2,3\n".repeat(1000)),
    ]) {
      let closed = false;
      async function* source(): AsyncGenerator<Uint8Array> {
        try {
          yield* chunked(body, 64);
        } finally {
          closed = true;
        }
      }
      const error = await readRows(source(), new RecordingSink(), { names: NAMES }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "missing_columns" });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(closed).toBe(true);
    }
  });

  it("returns no rows for an empty file", async () => {
    expect((await read("")).stats.rows).toBe(0);
    expect((await read("customer_id,timestamp,consumption\n")).stats.rows).toBe(0);
  });

  it("gives the same rows and rejects whatever the chunk sizes", async () => {
    const text =
      "\uFEFFcustomer_id,timestamp,consumption\r\n" +
      "a,2025-01-01 00:00:00,1\r\nb,bad,2\r\n\r\nc,2025-01-01T01:00:00+00:00,3.25\r\n" +
      'd,2025-01-01 01:00:00,-1\r\n"e",2025-01-01 00:00:00,5\r\nf,2025-01-01 00:00:00,x\r\n' +
      'g,"2025-01-01 00:00:00,7\r\nh,"x"y,8\r\ni,"2025-01-01\r\n01:00:00",9\r\nj,2025-01-01 00:00:00,"1""0"';
    const reference = await read(text, text.length);
    expect(reference.sink.rows).toHaveLength(3);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (size) => {
        const { sink } = await read(text, size);
        expect(sink.rows).toEqual(reference.sink.rows);
        expect(sink.rejects).toEqual(reference.sink.rejects);
      }),
      { numRuns: 40 },
    );
  });
});
