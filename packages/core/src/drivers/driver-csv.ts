import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import { badRequest } from "../errors/myriad-error.ts";
import { type Delimiter, detectDelimiter } from "../ingest/csv-header.ts";
import { MAX_LINE_BYTES } from "../ingest/fast-rows.ts";
import { parseValue, type ValueResult } from "../ingest/parse-value.ts";

/** One data record of a driver file: its fields, 1-based first line, and text for quarantine. */
export interface DriverRecord {
  fields: string[];
  line: number;
  raw: string;
}

export interface DriverCsv {
  /** Header names, trimmed and lower-cased (`Region` is `region`). */
  header: string[];
  delimiter: Delimiter;
  records: AsyncIterable<DriverRecord>;
}

const LF = 10;

/**
 * Opens a driver file (metadata or related series; CSV or gzip CSV by its magic bytes) with
 * csv-parse, the delimiter detected from the header as for data files. A record that is not
 * valid CSV is handed to `onMalformed` (quarantined as `malformed_csv`) and reading goes on.
 *
 * @throws MyriadError `invalid_header` when the file is empty or its header line is over 1 MiB.
 */
export async function openDriverCsv(
  source: AsyncIterable<Uint8Array>,
  onMalformed: (line: number, raw: string) => void,
): Promise<DriverCsv> {
  const it = gunzipIfNeeded(source)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.indexOf(LF) < 0 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
    if (head.length > MAX_LINE_BYTES) throw badRequest("invalid_header", "header line exceeds 1 MiB");
  }
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const lf = head.indexOf(LF);
  const headerText = head.toString("utf8", bom, lf < 0 ? head.length : lf).replace(/\r$/, "");
  if (headerText.trim() === "")
    throw badRequest("invalid_header", "the file is empty or starts with a blank line");
  const delimiter = detectDelimiter(headerText);
  const parser = parse({
    delimiter,
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ["\r\n", "\n"],
    max_record_size: MAX_LINE_BYTES,
    skip_records_with_error: true,
    on_skip: (_error, raw) => {
      onMalformed(parser.info.lines, (raw ?? "").replace(/[\r\n]+$/, "").slice(0, 200));
      return undefined;
    },
  });
  const feeding = pipeline(Readable.from(prepend(head, it, done), { objectMode: false }), parser);
  feeding.catch(() => undefined);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<{
    record: string[];
    info: { lines: number };
    raw: string;
  }>;
  const first = await records.next();
  if (first.done) throw badRequest("invalid_header", "the file has no header");
  const header = first.value.record.map((f) =>
    f
      .trim()
      .replace(/^\uFEFF/, "")
      .toLowerCase(),
  );
  return {
    header,
    delimiter,
    records: (async function* () {
      for (;;) {
        const next = await records.next();
        if (next.done) break;
        const raw = next.value.raw.replace(/^[\r\n]+|[\r\n]+$/g, "");
        const breaks = raw.split("\n").length - 1;
        yield { fields: next.value.record, line: next.value.info.lines - breaks, raw };
      }
      await feeding;
    })(),
  };
}

/**
 * A related field's value: a decimal as for consumption (parse-value.ts), but negative values
 * are allowed (temperatures).
 */
export function parseDriverValue(text: string, decimalComma: boolean): ValueResult {
  const t = text.trim();
  if (!t.startsWith("-")) return parseValue(t, decimalComma);
  const magnitude = parseValue(t.slice(1), decimalComma);
  if (!magnitude.ok) {
    return {
      ok: false,
      reason: magnitude.reason === "negative_value" ? "non_numeric_value" : magnitude.reason,
    };
  }
  return { ok: true, value: magnitude.value === 0 ? 0 : -magnitude.value };
}

function gunzipIfNeeded(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return (async function* () {
    const it = source[Symbol.asyncIterator]();
    let head = Buffer.alloc(0);
    let done = false;
    while (head.length < 2 && !done) {
      const next = await it.next();
      if (next.done) done = true;
      else head = Buffer.concat([head, next.value]);
    }
    const rest = prepend(head, it, done);
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      yield* rest;
      return;
    }
    const gunzip = createGunzip();
    pipeline(Readable.from(rest, { objectMode: false }), gunzip).catch(() => undefined);
    try {
      for await (const chunk of gunzip) yield chunk as Uint8Array;
    } catch (error) {
      throw badRequest("unreadable_input", `not a readable gzip file (${(error as Error).message})`);
    }
  })();
}

async function* prepend(first: Uint8Array, it: AsyncIterator<Uint8Array>, done: boolean) {
  if (first.length > 0) yield first;
  if (done) return;
  for (;;) {
    const next = await it.next();
    if (next.done) return;
    yield next.value;
  }
}
