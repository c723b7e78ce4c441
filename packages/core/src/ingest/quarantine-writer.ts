import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "../ports/object-store.ts";
import { SyncFileReader } from "./file-reader.ts";
import { QUARANTINE_REASONS, type QuarantineReason } from "./reasons.ts";

export const QUARANTINE_HEADER = "line,reason,row";
/** Rejected rows kept in memory (characters of text) before they spill to temporary files. */
const SPILL_CHARS = 1024 * 1024;
/** A spilled entry's head: line (double), reason (u8), the text's UTF-8 length (u32). */
const ENTRY_HEAD = 13;
/** Quarantine text handed to the store at once when it is streamed. */
const OUT_CHARS = 256 * 1024;

interface Entry {
  line: number;
  reason: QuarantineReason;
  raw: string;
}

interface Run {
  entries: Entry[];
  /** Its spill file, once some of it spilled. */
  path: string | undefined;
}

/**
 * Collects rejected rows as CSV (`line,reason,row`, the row's text quoted when needed), in
 * line order, and counts them per reason.
 *
 * Rows come in runs, each in line order: the first pass over the file is one run, and each
 * partition's replay (which rejects repeats found late) starts another with {@link startRun}.
 * The quarantine merges them by line. A file can be all bad rows, so past 1 MiB of text the
 * runs spill (binary, the text plus 13 bytes a row) to a directory under the OS temp directory
 * and the merge is streamed to the store: memory stays flat however many rows are rejected.
 */
export class QuarantineWriter {
  readonly reasons: Partial<Record<QuarantineReason, number>> = {};
  count = 0;
  readonly #runs: Run[] = [{ entries: [], path: undefined }];
  #bufferedChars = 0;
  #dir: string | undefined;

  add(line: number, reason: QuarantineReason, raw: string): void {
    this.count++;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
    (this.#runs.at(-1) as Run).entries.push({ line, reason, raw });
    this.#bufferedChars += raw.length + 32;
  }

  /** Rows added from now on are in line order among themselves, not after the earlier ones. */
  startRun(): void {
    const current = this.#runs.at(-1) as Run;
    if (current.entries.length > 0 || current.path !== undefined)
      this.#runs.push({ entries: [], path: undefined });
  }

  /** Spills the buffered rows to disk once they are many; undefined when there is nothing to do. */
  flush(): Promise<void> | undefined {
    if (this.#bufferedChars < SPILL_CHARS) return undefined;
    return this.#spill();
  }

  /** Writes the quarantine object when a row was rejected; returns its key, or null. */
  async write(store: ObjectStore, key: string): Promise<string | null> {
    if (this.count === 0) return null;
    if (this.#dir === undefined) {
      const entries = this.#runs.flatMap((run) => run.entries);
      if (this.#runs.length > 1) entries.sort((a, b) => a.line - b.line);
      await store.put(key, `${QUARANTINE_HEADER}\n${entries.map(csvRow).join("")}`, "text/csv");
    } else {
      await this.#spill();
      await store.putStream(key, this.#merged(), "text/csv");
    }
    return key;
  }

  /** Removes the temporary files, if any. Safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  async #spill(): Promise<void> {
    this.#dir ??= await mkdtemp(join(tmpdir(), "myriad-quarantine-"));
    for (const [i, run] of this.#runs.entries()) {
      if (run.entries.length === 0) continue;
      run.path ??= join(this.#dir, `${i}.rows`);
      const entries = run.entries;
      run.entries = [];
      await appendFile(run.path, encodeEntries(entries));
    }
    this.#bufferedChars = 0;
  }

  /** The runs' files merged by line, as CSV text. */
  async *#merged(): AsyncGenerator<Buffer> {
    const cursors = this.#runs
      .filter((run) => run.path !== undefined)
      .map((run) => new RunCursor(run.path as string));
    try {
      const heap = new MinHeap(cursors.filter((c) => c.next()));
      let out = `${QUARANTINE_HEADER}\n`;
      for (let cursor = heap.peek(); cursor !== undefined; cursor = heap.peek()) {
        out += csvRow(cursor.entry);
        if (cursor.next()) heap.replaceTop(cursor);
        else heap.pop();
        if (out.length >= OUT_CHARS) {
          yield Buffer.from(out);
          out = "";
        }
      }
      if (out.length > 0) yield Buffer.from(out);
    } finally {
      for (const cursor of cursors) cursor.close();
    }
  }
}

/** RFC 4180 quoting: only when the text holds a delimiter, quote or line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow({ line, reason, raw }: Entry): string {
  return `${line},${reason},${csvField(raw)}\n`;
}

function encodeEntries(entries: Entry[]): Buffer {
  let size = 0;
  for (const e of entries) size += ENTRY_HEAD + Buffer.byteLength(e.raw);
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  for (const e of entries) {
    buf.writeDoubleLE(e.line, p);
    buf.writeUInt8(QUARANTINE_REASONS.indexOf(e.reason), p + 8);
    const length = buf.write(e.raw, p + ENTRY_HEAD);
    buf.writeUInt32LE(length, p + 9);
    p += ENTRY_HEAD + length;
  }
  return buf;
}

/** One spilled run read back entry by entry. */
class RunCursor {
  entry: Entry = { line: 0, reason: "missing_field", raw: "" };
  readonly #reader: SyncFileReader;

  constructor(path: string) {
    this.#reader = new SyncFileReader(path);
  }

  /** Moves to the next entry; false at the end of the run. */
  next(): boolean {
    if (this.#reader.done()) return false;
    const head = this.#reader.take(ENTRY_HEAD);
    const line = head.readDoubleLE(0);
    const reason = QUARANTINE_REASONS[head.readUInt8(8)];
    const length = head.readUInt32LE(9);
    this.entry = { line, reason, raw: this.#reader.take(length).toString("utf8") };
    return true;
  }

  close(): void {
    this.#reader.close();
  }
}

/** Cursors ordered by their entry's line. */
class MinHeap {
  readonly #items: RunCursor[];

  constructor(items: RunCursor[]) {
    this.#items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  peek(): RunCursor | undefined {
    return this.#items[0];
  }

  pop(): void {
    const last = this.#items.pop() as RunCursor;
    if (this.#items.length > 0) this.replaceTop(last);
  }

  replaceTop(item: RunCursor): void {
    this.#items[0] = item;
    this.#down(0);
  }

  #down(i: number): void {
    const items = this.#items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < items.length && items[l].entry.line < items[least].entry.line) least = l;
      if (r < items.length && items[r].entry.line < items[least].entry.line) least = r;
      if (least === i) return;
      [items[i], items[least]] = [items[least], items[i]];
      i = least;
    }
  }
}
