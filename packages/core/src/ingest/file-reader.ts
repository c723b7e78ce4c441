import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1024 * 1024;

/**
 * Reads a local spill file front to back in 1 MiB chunks, synchronously.
 *
 * Why synchronous: the readers of spill files (the replay of a partition, the quarantine merge)
 * run per record in tight loops over local temporary files that were just written (so mostly
 * in the page cache); an await per record would cost more than the reads.
 */
export class SyncFileReader {
  readonly #fd: number;
  #buf: Buffer = Buffer.allocUnsafe(CHUNK);
  #pos = 0;
  #end = 0;
  #eof = false;

  constructor(path: string) {
    this.#fd = openSync(path, "r");
  }

  /** Whether every byte was taken. */
  done(): boolean {
    if (this.#pos < this.#end) return false;
    this.#fill(1);
    return this.#pos === this.#end;
  }

  /** The next `n` bytes, valid until the next call; throws when the file ends first. */
  take(n: number): Buffer {
    if (this.#end - this.#pos < n) this.#fill(n);
    if (this.#end - this.#pos < n) throw new Error("spill file ends inside a record");
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** Moves what is left to the front and reads until `n` bytes are there or the file ends. */
  #fill(n: number): void {
    if (this.#eof) return;
    const left = this.#end - this.#pos;
    if (n > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(n, this.#buf.length * 2));
      this.#buf.copy(grown, 0, this.#pos, this.#end);
      this.#buf = grown;
    } else {
      this.#buf.copy(this.#buf, 0, this.#pos, this.#end);
    }
    this.#pos = 0;
    this.#end = left;
    while (this.#end < n) {
      const read = readSync(this.#fd, this.#buf, this.#end, this.#buf.length - this.#end, null);
      if (read === 0) {
        this.#eof = true;
        return;
      }
      this.#end += read;
    }
  }
}
