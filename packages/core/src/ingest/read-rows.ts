import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { badRequest } from "../errors/myriad-error.ts";
import { type ColumnNames, type Delimiter, detectDelimiter, mapHeader } from "./csv-header.ts";
import { readWithCsvParse } from "./csv-parse-rows.ts";
import { FastRowParser, MAX_LINE_BYTES } from "./fast-rows.ts";

import type { RowSink } from "./row-sink.ts";

export interface ReadOptions {
  names: ColumnNames;
  /** `_dataset.json` `delimiter`; detected from the header when absent. */
  delimiter?: Delimiter;
}

export interface ReadStats {
  /** Data rows read: every non-empty line after the header (or record, when quoted). */
  rows: number;
  delimiter: Delimiter;
  gzip: boolean;
  /** Which parser read the rows; `fast+csv-parse` when a quote appeared mid-file. */
  parser: "fast" | "csv-parse" | "fast+csv-parse";
}

const LF = 10;
const GZIP_CHUNK = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Streams a CSV (or gzip CSV, recognised by its magic bytes rather than its name) into `sink`,
 * holding at most one chunk plus one partial line. Handles a UTF-8 BOM, CRLF, `,` `;` or tab
 * delimiters (with `;`, a decimal comma in values is accepted) and quoted fields.
 *
 * Unquoted files go through {@link FastRowParser}; from the first line with a quote on, the
 * rest of the file goes through csv-parse.
 */
export async function readRows(
  source: AsyncIterable<Uint8Array>,
  sink: RowSink,
  options: ReadOptions,
): Promise<ReadStats> {
  const { stream, gzip } = await decompressIfGzip(source);
  const it = stream[Symbol.asyncIterator]();
  try {
    return await readFrom(it, gzip, sink, options);
  } finally {
    // Stops the source (closes the file or the S3 response) when reading ended early.
    await it.return?.();
  }
}

async function readFrom(
  it: AsyncIterator<Uint8Array>,
  gzip: boolean,
  sink: RowSink,
  options: ReadOptions,
): Promise<ReadStats> {
  // The header: everything up to the first line feed.
  let buf: Buffer = Buffer.alloc(0);
  let headerEnd = -1;
  let done = false;
  while (headerEnd < 0 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else buf = concat(buf, next.value);
    headerEnd = buf.indexOf(LF);
    if (headerEnd < 0 && buf.length > MAX_LINE_BYTES)
      throw badRequest("invalid_header", "header line exceeds 1 MiB");
  }
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const headerStop = headerEnd < 0 ? buf.length : headerEnd;
  const headerText = buf.toString("utf8", bom, headerStop).replace(/\r$/, "");
  const delimiter = options.delimiter ?? detectDelimiter(headerText);
  const decimalComma = delimiter === ";";
  if (headerText.trim() === "") return { rows: 0, delimiter, gzip, parser: "fast" };

  if (headerText.includes('"')) {
    const result = await readWithCsvParse(prepend(buf.subarray(bom), it, done), sink, {
      delimiter,
      names: options.names,
      lineOffset: 0,
      decimalComma,
    });
    return { rows: result.rows, delimiter, gzip, parser: "csv-parse" };
  }

  const layout = mapHeader(headerText.split(delimiter), options.names);
  const fast = new FastRowParser(sink, layout, delimiter, decimalComma, 1);
  /** The rest of the file from `buffers` on goes to csv-parse: a quote appeared. */
  const handOver = async (buffers: Uint8Array[]): Promise<ReadStats> => {
    const result = await readWithCsvParse(prependAll(buffers, it, done), sink, {
      delimiter,
      names: options.names,
      layout,
      lineOffset: fast.line,
      decimalComma,
    });
    return { rows: fast.rows + result.rows, delimiter, gzip, parser: "fast+csv-parse" };
  };
  // What followed the header in the chunks read so far: consumed like a chunk of its own.
  let first = headerEnd < 0 ? EMPTY : buf.subarray(headerEnd + 1);
  let carry = EMPTY; // a partial line, copied
  let skipping = false; // inside an over-long line, dropping bytes until its line feed
  for (;;) {
    let body: Buffer = first;
    first = EMPTY;
    if (body.length === 0 && !done) {
      const next = await it.next();
      if (next.done) done = true;
      else body = asBuffer(next.value);
    }
    if (skipping) {
      const lf = body.indexOf(LF);
      if (lf < 0) {
        if (done) break;
        continue;
      }
      skipping = false;
      body = body.subarray(lf + 1);
    }
    if (carry.length > 0) {
      // Only the carried lines and the chunk's first line are copied: copying whole chunks
      // (Buffer.concat) took a quarter of the ingest benchmark's CPU.
      const lf = body.indexOf(LF);
      if (lf < 0 && !done) {
        carry = Buffer.concat([carry, body]);
      } else {
        const cut = done ? body.length : lf + 1;
        const head = Buffer.concat([carry, body.subarray(0, cut)]);
        carry = EMPTY;
        body = body.subarray(cut);
        const stop = fast.consume(head, 0, head.length);
        if (stop < head.length) return handOver([head.subarray(stop), body]);
      }
    }
    if (carry.length === 0) {
      const end = done ? body.length : body.lastIndexOf(LF) + 1;
      const stop = fast.consume(body, 0, end);
      if (stop < end) return handOver([body.subarray(stop)]);
      // Copied: the chunk it points into is not ours to keep.
      if (end < body.length) carry = Buffer.from(body.subarray(end));
    }
    const flushing = sink.flush();
    if (flushing !== undefined) await flushing;
    if (done) break;
    if (carry.length > MAX_LINE_BYTES) {
      fast.line++;
      fast.rows++;
      sink.reject(fast.line, "line_too_long", `${carry.toString("utf8", 0, 200)}…`);
      carry = EMPTY;
      skipping = true;
    }
  }
  return { rows: fast.rows, delimiter, gzip, parser: "fast" };
}

/** Gzip is recognised by its magic bytes (1f 8b), so a `.gz` name is not required. */
async function decompressIfGzip(
  source: AsyncIterable<Uint8Array>,
): Promise<{ stream: AsyncIterable<Uint8Array>; gzip: boolean }> {
  const it = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = concat(head, next.value);
  }
  const rest = prepend(head, it, done);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return { stream: rest, gzip: false };
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
  // Errors (a corrupt archive) surface through the iteration of `gunzip`, which pipeline destroys.
  pipeline(Readable.from(rest, { objectMode: false }), gunzip).catch(() => undefined);
  return { stream: gunzip, gzip: true };
}

/** `first`, then whatever `it` still yields (nothing when `done`); closing it closes `it`. */
function prepend(
  first: Uint8Array,
  it: AsyncIterator<Uint8Array>,
  done: boolean,
): AsyncGenerator<Uint8Array> {
  return prependAll([first], it, done);
}

/** `firsts` in order, then whatever `it` still yields (nothing when `done`); closing it closes `it`. */
async function* prependAll(
  firsts: Uint8Array[],
  it: AsyncIterator<Uint8Array>,
  done: boolean,
): AsyncGenerator<Uint8Array> {
  let finished = done;
  try {
    for (const first of firsts) if (first.length > 0) yield first;
    while (!finished) {
      const next = await it.next();
      if (next.done) finished = true;
      else yield next.value;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function concat(a: Buffer, b: Uint8Array): Buffer {
  return a.length === 0 ? asBuffer(b) : Buffer.concat([a, b]);
}
