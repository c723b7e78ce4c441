import { createReadStream } from "node:fs";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "../ports/object-store.ts";
import type { QuarantineReason } from "./reasons.ts";

export const QUARANTINE_HEADER = "line,reason,row";
/** Buffered quarantine text kept in memory before it spills to a temporary file. */
const SPILL_BYTES = 1024 * 1024;

/**
 * Collects rejected rows as CSV (`line,reason,row`, the row's text quoted when needed) and
 * counts them per reason. A file can be all bad rows, so past 1 MiB the text spills to a file
 * in the OS temp directory and is uploaded as a stream: memory stays flat however many rows
 * are rejected.
 */
export class QuarantineWriter {
  readonly reasons: Partial<Record<QuarantineReason, number>> = {};
  count = 0;
  #buffer: string[] = [];
  #bufferedChars = 0;
  #dir: string | undefined;

  add(line: number, reason: QuarantineReason, raw: string): void {
    this.count++;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
    const row = `${line},${reason},${csvField(raw)}\n`;
    this.#buffer.push(row);
    this.#bufferedChars += row.length;
  }

  /** Spills the buffer to disk once it is large; undefined when there is nothing to do. */
  flush(): Promise<void> | undefined {
    if (this.#bufferedChars < SPILL_BYTES) return undefined;
    return this.#spill();
  }

  /** Writes the quarantine object when a row was rejected; returns its key, or null. */
  async write(store: ObjectStore, key: string): Promise<string | null> {
    if (this.count === 0) return null;
    if (this.#dir === undefined) {
      await store.put(key, `${QUARANTINE_HEADER}\n${this.#buffer.join("")}`, "text/csv");
    } else {
      await this.#spill();
      await store.putStream(key, createReadStream(this.#path()), "text/csv");
    }
    return key;
  }

  /** Removes the temporary file, if any. Safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  async #spill(): Promise<void> {
    const text = this.#buffer.join("");
    this.#buffer = [];
    this.#bufferedChars = 0;
    if (this.#dir === undefined) {
      this.#dir = await mkdtemp(join(tmpdir(), "myriad-quarantine-"));
      await appendFile(this.#path(), `${QUARANTINE_HEADER}\n`);
    }
    await appendFile(this.#path(), text);
  }

  #path(): string {
    return join(this.#dir as string, "quarantine.csv");
  }
}

/** RFC 4180 quoting: only when the text holds a delimiter, quote or line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
