import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { type ColumnLayout, type ColumnNames, type Delimiter, mapHeader } from "./csv-header.ts";
import { MAX_LINE_BYTES } from "./fast-rows.ts";
import { addStringRow, type RowSink } from "./row-sink.ts";
import { type RejectedLine, shownText, wholeRecords } from "./whole-records.ts";

export interface CsvParseOptions {
  delimiter: Delimiter;
  names: ColumnNames;
  /** Known when the fast path already read the header; else the first record is the header. */
  layout?: ColumnLayout;
  /** Lines consumed before `source` starts, so line numbers stay those of the file. */
  lineOffset: number;
  decimalComma: boolean;
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
  raw: string;
}

/**
 * Reads rows with csv-parse: the path for quoted fields (embedded delimiters, quotes and line
 * breaks). Bad CSV syntax does not stop the file: {@link wholeRecords} rejects the first line of
 * a record that is not well formed or over 1 MiB and resumes on the next line, and whatever
 * csv-parse still refuses is skipped; both are quarantined in line order.
 *
 * @returns the data records read (quarantined ones included) and the last line number.
 */
export async function readWithCsvParse(
  source: AsyncIterable<Uint8Array>,
  sink: RowSink,
  options: CsvParseOptions,
): Promise<{ rows: number; line: number }> {
  let layout = options.layout;
  let rows = 0;
  let line = options.lineOffset;
  // Rejections found ahead of the rows being read, handed to the sink in line order.
  const rejected: RejectedLine[] = [];
  const rejectBefore = (next: number) => {
    if (rejected.length === 0 || rejected[0].line >= next) return;
    rejected.sort((a, b) => a.line - b.line);
    while (rejected.length > 0 && rejected[0].line < next) {
      const r = rejected.shift() as RejectedLine;
      sink.reject(r.line, r.reason, r.text);
    }
  };
  const parser = parse({
    delimiter: options.delimiter,
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
      const text = trimLineBreaks(raw ?? "");
      rows++;
      rejected.push({
        line: options.lineOffset + parser.info.lines - countLineBreaks(text),
        reason: "malformed_csv",
        text: shownText(text),
      });
      return undefined;
    },
  });
  const records = wholeRecords(source, {
    delimiter: options.delimiter,
    lineOffset: options.lineOffset,
    headerFirst: layout === undefined,
    onReject: (r) => {
      rows++;
      rejected.push(r);
    },
  });
  const feeding = pipeline(Readable.from(records, { objectMode: false }), parser);
  // If the loop below throws, the pipeline's own rejection is that same failure: not unhandled.
  feeding.catch(() => undefined);
  for await (const { record, info, raw } of parser as AsyncIterable<ParsedRecord>) {
    const text = trimLineBreaks(raw);
    line = options.lineOffset + info.lines;
    const firstLine = line - countLineBreaks(text);
    if (layout === undefined) {
      layout = mapHeader(record, options.names);
      continue;
    }
    rows++;
    rejectBefore(firstLine);
    addStringRow(sink, layout, record, firstLine, text, options.decimalComma);
    const flushing = sink.flush();
    if (flushing !== undefined) await flushing;
  }
  await feeding;
  rejectBefore(Number.POSITIVE_INFINITY);
  line = options.lineOffset + parser.info.lines;
  return { rows, line };
}

function trimLineBreaks(raw: string): string {
  return raw.replace(/^[\r\n]+|[\r\n]+$/g, "");
}

function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
