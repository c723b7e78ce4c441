import { badRequest } from "../errors/myriad-error.ts";
import { MAX_LINE_BYTES } from "./fast-rows.ts";

const LF = 10;
const CR = 13;
const QUOTE = 34;
const NEWLINE = Buffer.from("\n");
const EMPTY = Buffer.alloc(0);
/** Characters of a rejected record kept in the quarantine. */
const SHOWN = 1000;

/** A rejected record's text as the quarantine keeps it: at most 1,000 characters. */
export function shownText(text: string, cut = false): string {
  return cut || text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

export interface RejectedLine {
  /** 1-based line number in the file. */
  line: number;
  reason: "malformed_csv" | "line_too_long";
  text: string;
}

export interface WholeRecordsOptions {
  delimiter: string;
  /** Lines consumed before `source` starts. */
  lineOffset: number;
  /** The first record is the header: rejecting it fails the file instead. */
  headerFirst: boolean;
  onReject: (rejected: RejectedLine) => void;
}

/**
 * Passes on only whole, well-formed CSV records of at most 1 MiB, cut the way csv-parse reads
 * them (a quote opens a field only at its start; `""` inside quotes is a quote).
 *
 * Why this exists: csv-parse 6.2 stops emitting records for good once one exceeds
 * `max_record_size`, even with `skip_records_with_error`, and a quote that never closes swallows
 * every line after it into one record. So a stray quote would make the rest of the file vanish.
 * Here such a record costs only its first line: it is rejected (`malformed_csv`, or
 * `line_too_long` when that line alone is over 1 MiB) and reading resumes on the next line. The
 * same goes for a closing quote followed by text, which csv-parse would reject as one record
 * spanning every line since the opening quote. A rejected line reaches csv-parse as an empty
 * line, which it skips but counts, so its line numbers stay the file's.
 *
 * Memory: one record (at most 1 MiB) besides the chunk; a longer line is skipped, not held.
 */
export async function* wholeRecords(
  source: AsyncIterable<Uint8Array>,
  options: WholeRecordsOptions,
): AsyncGenerator<Buffer> {
  const delimiter = options.delimiter.charCodeAt(0);
  let line = options.lineOffset + 1; // the line the next record starts on
  let recordsSeen = 0;
  let tail: Buffer = EMPTY; // the start of a record not yet whole
  let skipping = false; // inside a line over 1 MiB, dropping bytes until its line feed
  const it = source[Symbol.asyncIterator]();
  for (let final = false; !final; ) {
    const next = await it.next();
    final = next.done === true;
    let data = next.done ? tail : concat(tail, next.value);
    tail = EMPTY;
    if (skipping) {
      const lf = data.indexOf(LF);
      if (lf < 0) continue;
      skipping = false;
      data = data.subarray(lf + 1);
      line++;
      yield NEWLINE;
    }
    let pos = 0;
    let whole = 0; // data[0, whole) is whole records not yet passed on
    while (pos < data.length) {
      const record = scanRecord(data, pos, delimiter, final);
      const length = record.end - pos;
      if (record.kind === "whole" && length <= MAX_LINE_BYTES) {
        recordsSeen++;
        line += record.lines;
        pos = record.end;
        continue;
      }
      if (record.kind === "partial" && length <= MAX_LINE_BYTES && !final) break;

      // Not well formed, too long, or a quote still open at the end: reject its first line,
      // once that line is whole (or known to be too long).
      const lf = data.indexOf(LF, pos);
      const lineEnd = lf < 0 ? data.length : lf;
      if (lf < 0 && !final && lineEnd - pos <= MAX_LINE_BYTES) break;
      if (whole < pos) yield data.subarray(whole, pos);
      const tooLong = lineEnd - pos > MAX_LINE_BYTES;
      if (options.headerFirst && recordsSeen === 0)
        throw badRequest(
          "invalid_header",
          tooLong ? "header line exceeds 1 MiB" : "the header is not valid CSV (a quote is not closed)",
        );
      options.onReject({
        line,
        reason: tooLong ? "line_too_long" : "malformed_csv",
        text: shown(data, pos, lineEnd),
      });
      recordsSeen++;
      if (lf < 0) {
        skipping = !final;
        pos = whole = data.length;
        break;
      }
      line++;
      yield NEWLINE;
      pos = whole = lf + 1;
    }
    if (whole < pos) yield data.subarray(whole, pos);
    // Copied: the chunk it points into is not ours to keep.
    if (pos < data.length) tail = Buffer.from(data.subarray(pos));
  }
}

interface ScannedRecord {
  /** `whole`: ends at a line feed (or the end of the file); `partial`: needs more bytes. */
  kind: "whole" | "partial" | "malformed";
  /** Just past the record's line feed, or where scanning stopped. */
  end: number;
  /** Line feeds in the record, its own included. */
  lines: number;
}

/** The record starting at `start`, scanned as csv-parse with `relax_quotes` reads it. */
function scanRecord(data: Buffer, start: number, delimiter: number, final: boolean): ScannedRecord {
  const n = data.length;
  let lines = 0;
  let fieldStart = true;
  let i = start;
  while (i < n) {
    const b = data[i];
    if (b === QUOTE && fieldStart) {
      // A quoted field: up to a quote that is not doubled.
      i++;
      for (;;) {
        const q = data.indexOf(QUOTE, i);
        if (q < 0) return { kind: final ? "malformed" : "partial", end: n, lines };
        lines += countLineFeeds(data, i, q);
        if (q + 1 === n) {
          if (!final) return { kind: "partial", end: n, lines };
          i = n;
          break;
        }
        if (data[q + 1] === QUOTE) {
          i = q + 2;
          continue;
        }
        i = q + 1;
        const after = data[i];
        if (after !== delimiter && after !== LF && after !== CR) return { kind: "malformed", end: i, lines };
        break;
      }
      fieldStart = false;
      continue;
    }
    if (b === LF) return { kind: "whole", end: i + 1, lines: lines + 1 };
    fieldStart = b === delimiter;
    i++;
  }
  return { kind: final ? "whole" : "partial", end: n, lines };
}

function countLineFeeds(data: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (data[i] === LF) count++;
  return count;
}

function shown(data: Buffer, from: number, to: number): string {
  // Decodes no more than the characters kept can take (4 bytes each at most).
  const text = data.toString("utf8", from, Math.min(to, from + SHOWN * 4)).replace(/\r$/, "");
  return shownText(text, to - from > SHOWN);
}

function concat(a: Buffer, b: Uint8Array): Buffer {
  const chunk = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return a.length === 0 ? chunk : Buffer.concat([a, chunk]);
}
