import { closeSync, openSync, readSync } from "node:fs";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyncFileReader } from "./file-reader.ts";

/** How a spilled reading is replayed: checked for duplicates. */
export const CHECK = 0;
/** Checked on replay, and may repeat an earlier reading: its line and text are spilled too. */
export const SUSPECT = 1;
/** Read while the frequency was sampled: already checked, accepted as it is. */
export const SAMPLE = 2;
export type ReadingKind = typeof CHECK | typeof SUSPECT | typeof SAMPLE;

/** A reading is three doubles: customer × 4 + kind, time, value. */
const FIELDS = 3;
const RECORD_BYTES = FIELDS * 8;
/** Write buffers for all partitions together. */
const BUFFER_BYTES = 16 * 1024 * 1024;
/** Records read back at once. */
const READ_RECORDS = 32 * 1024;
/** A text entry's head: the line (double) and the text's UTF-8 length (u32). */
const TEXT_HEAD = 12;
const TEXT_BUFFER = 64 * 1024;

/**
 * Accepted readings routed by customer into `partitions` temporary files (binary, written in
 * large appends), so that Preprocess can aggregate one partition at a time: memory follows one
 * partition's buckets, not the dataset's. Customer `c` goes to partition `c % partitions`, so
 * a customer's readings are all in one file, in file order: replaying them repeats exactly what
 * one pass over the file decides (duplicates, "first reading wins").
 *
 * 24 bytes a reading; a suspect (a reading whose time is not past every earlier one of its
 * customer: only those can be duplicates) also keeps its line number and text (12 bytes + the
 * text), because the replay may quarantine it. Files whose readings come in time order per
 * customer spill no text at all.
 */
export class ReadingSpill {
  readonly partitions: number;
  readonly #dir: string;
  readonly #capacity: number;
  readonly #records: Float64Array[] = [];
  readonly #counts: number[] = [];
  readonly #texts: Buffer[] = [];
  readonly #textEnds: number[] = [];
  #pending: Pending[] = [];
  /** Record buffers written out, for reuse: fresh ones cost page faults and GC. */
  readonly #free: Float64Array[] = [];
  /** The write under way, which the next flush waits for: parsing goes on while it runs. */
  #writing: Promise<void> | undefined;

  private constructor(dir: string, partitions: number) {
    this.#dir = dir;
    this.partitions = partitions;
    this.#capacity = Math.max(1024, Math.floor(BUFFER_BYTES / RECORD_BYTES / partitions));
    for (let p = 0; p < partitions; p++) {
      this.#records.push(new Float64Array(this.#capacity * FIELDS));
      this.#counts.push(0);
      this.#texts.push(Buffer.alloc(0));
      this.#textEnds.push(0);
    }
  }

  /** A spill in a new directory under the OS temporary directory (`/tmp` in a Lambda). */
  static async create(partitions: number): Promise<ReadingSpill> {
    return new ReadingSpill(await mkdtemp(join(tmpdir(), "myriad-spill-")), partitions);
  }

  add(customer: number, kind: ReadingKind, time: number, value: number): void {
    const p = customer % this.partitions;
    const records = this.#records[p];
    const n = this.#counts[p];
    const at = n * FIELDS;
    records[at] = customer * 4 + kind;
    records[at + 1] = time;
    records[at + 2] = value;
    // Small enough to be inlined where rows are parsed: a call would box `time` and `value`.
    if (n + 1 < this.#capacity) this.#counts[p] = n + 1;
    else this.#full(p);
  }

  /** Queues partition `p`'s full buffer for writing and gives it another. */
  #full(p: number): void {
    const records = this.#records[p];
    this.#pending.push({ path: this.#recordsPath(p), data: new Uint8Array(records.buffer), records });
    this.#records[p] = this.#free.pop() ?? new Float64Array(this.#capacity * FIELDS);
    this.#counts[p] = 0;
  }

  /** The line and text of the {@link SUSPECT} reading just added for `customer`. */
  addText(customer: number, line: number, text: string): void {
    const p = customer % this.partitions;
    const length = Buffer.byteLength(text);
    let buf = this.#texts[p];
    let end = this.#textEnds[p];
    if (end + TEXT_HEAD + length > buf.length) {
      if (end > 0) this.#pending.push({ path: this.#textsPath(p), data: buf.subarray(0, end) });
      buf = Buffer.allocUnsafe(Math.max(TEXT_BUFFER, TEXT_HEAD + length));
      end = 0;
      this.#texts[p] = buf;
    }
    buf.writeDoubleLE(line, end);
    buf.writeUInt32LE(length, end + 8);
    end += TEXT_HEAD + buf.write(text, end + TEXT_HEAD);
    this.#textEnds[p] = end;
  }

  /**
   * Starts writing the full buffers and returns the previous write, if any, to wait for: at most
   * two batches are in memory, and parsing overlaps the disk.
   */
  flush(): Promise<void> | undefined {
    if (this.#pending.length === 0) return undefined;
    const previous = this.#writing;
    const batch = this.#pending;
    this.#pending = [];
    const writing = (previous ?? Promise.resolve()).then(() => this.#write(batch));
    // Its failure surfaces at the next flush or at finish, whichever awaits it.
    writing.catch(() => undefined);
    this.#writing = writing;
    return previous;
  }

  /** Writes everything added: call once, before reading any partition back. */
  async finish(): Promise<void> {
    for (let p = 0; p < this.partitions; p++) {
      if (this.#counts[p] > 0) {
        const data = new Uint8Array(this.#records[p].buffer, 0, this.#counts[p] * RECORD_BYTES);
        this.#pending.push({ path: this.#recordsPath(p), data });
      }
      if (this.#textEnds[p] > 0)
        this.#pending.push({ path: this.#textsPath(p), data: this.#texts[p].subarray(0, this.#textEnds[p]) });
      this.#records[p] = new Float64Array(0);
      this.#texts[p] = Buffer.alloc(0);
      this.#counts[p] = 0;
      this.#textEnds[p] = 0;
    }
    await this.#writing;
    await this.#write(this.#pending);
    this.#pending = [];
    this.#free.length = 0;
  }

  /** Partition `p`'s readings in the order they were added. */
  read(p: number): SpilledPartition {
    return new SpilledPartition(this.#recordsPath(p), this.#textsPath(p));
  }

  /** Deletes partition `p`'s files once it has been read: the spill shrinks as it is replayed. */
  async drop(p: number): Promise<void> {
    await rm(this.#recordsPath(p), { force: true });
    await rm(this.#textsPath(p), { force: true });
  }

  /** Removes every file. Safe to call more than once. */
  async dispose(): Promise<void> {
    this.#pending = [];
    await this.#writing?.catch(() => undefined);
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #write(batch: Pending[]): Promise<void> {
    // Sequential: appends to one file must land in the order they were queued.
    for (const { path, data, records } of batch) {
      await appendFile(path, data);
      if (records !== undefined && records.length === this.#capacity * FIELDS) this.#free.push(records);
    }
  }

  #recordsPath(p: number): string {
    return join(this.#dir, `${p}.readings`);
  }

  #textsPath(p: number): string {
    return join(this.#dir, `${p}.texts`);
  }
}

interface Pending {
  path: string;
  data: Uint8Array;
  /** The record buffer `data` views, reusable once written. */
  records?: Float64Array;
}

/** One partition read back: its readings in chunks, and the texts of its suspects in order. */
export class SpilledPartition {
  readonly #recordsPath: string;
  readonly #textsPath: string;
  #texts: SyncFileReader | undefined;

  constructor(recordsPath: string, textsPath: string) {
    this.#recordsPath = recordsPath;
    this.#textsPath = textsPath;
  }

  /** The readings, {@link READ_RECORDS} at a time (each chunk valid until the next). */
  *chunks(): Generator<Float64Array> {
    let fd: number;
    try {
      fd = openSync(this.#recordsPath, "r");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return; // no reading in this partition
      throw error;
    }
    try {
      const records = new Float64Array(READ_RECORDS * FIELDS);
      const bytes = new Uint8Array(records.buffer);
      for (;;) {
        let filled = 0;
        while (filled < bytes.length) {
          const read = readSync(fd, bytes, filled, bytes.length - filled, null);
          if (read === 0) break;
          filled += read;
        }
        if (filled % RECORD_BYTES !== 0) throw new Error("spill file ends inside a reading");
        if (filled > 0) yield records.subarray(0, (filled / RECORD_BYTES) * FIELDS);
        if (filled < bytes.length) return;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The next suspect's line and text. */
  nextText(): { line: number; text: string } {
    const { line, length } = this.#nextHead();
    return { line, text: (this.#texts as SyncFileReader).take(length).toString("utf8") };
  }

  /** Passes over the next suspect's text: it was accepted. */
  skipText(): void {
    const { length } = this.#nextHead();
    (this.#texts as SyncFileReader).take(length);
  }

  #nextHead(): { line: number; length: number } {
    this.#texts ??= new SyncFileReader(this.#textsPath);
    const head = this.#texts.take(TEXT_HEAD);
    return { line: head.readDoubleLE(0), length: head.readUInt32LE(8) };
  }

  close(): void {
    this.#texts?.close();
    this.#texts = undefined;
  }
}
