import { mkdir, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { badRequest } from "@myriad/core/errors/myriad-error";

/** A TargetModel segment: the identifier alphabet of dataset and customer ids, never `..`. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.=-]{0,127}$/;

/** Rejects TargetModel names that could leave the cache folder (`..`, absolute, empty parts). */
export function assertSafeTarget(target: string): string {
  const parts = target.split("/");
  if (target.length > 512 || parts.some((p) => !SEGMENT.test(p) || p.includes(".."))) {
    throw badRequest(
      "invalid_target_model",
      `not a valid target model name: ${JSON.stringify(target.slice(0, 100))}`,
    );
  }
  return target;
}

/**
 * Downloaded artifacts on local disk, as SageMaker keeps them on the instance volume: a model
 * unloaded from memory and asked for again is loaded from disk, not downloaded again. Past
 * `maxBytes` the least recently fetched files go, except those a load is reading right now.
 * The folder belongs to the cache: it is emptied on first use. Files are named by the encoded
 * TargetModel (`default%2F7%2F….tar.gz`), one flat folder, so a download needs no mkdir.
 */
export class ArtifactDiskCache {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #files = new Map<string, number>();
  readonly #busy = new Map<string, number>();
  readonly #deleting = new Map<string, Promise<void>>();
  #bytes = 0;
  #ready: Promise<void> | undefined;

  constructor(dir: string, maxBytes = 1024 ** 3) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
  }

  /**
   * The artifact's path on disk, downloading it if absent, pinned until `release`. Returns
   * undefined when `download` finds nothing; `downloaded` says whether it had to download.
   */
  async acquire(
    target: string,
    download: () => Promise<Uint8Array | undefined>,
  ): Promise<{ path: string; downloaded: boolean } | undefined> {
    const path = this.#pathOf(assertSafeTarget(target));
    this.#busy.set(target, (this.#busy.get(target) ?? 0) + 1);
    try {
      await (this.#ready ??= rm(this.#dir, { recursive: true, force: true }).then(() =>
        mkdir(this.#dir, { recursive: true }).then(() => undefined),
      ));
      const size = this.#files.get(target);
      if (size !== undefined) {
        this.#files.delete(target);
        this.#files.set(target, size);
        return { path, downloaded: false };
      }
      const bytes = await download();
      if (!bytes) {
        this.release(target);
        return undefined;
      }
      await this.#deleting.get(target);
      await writeFile(path, bytes);
      this.#files.set(target, bytes.length);
      this.#bytes += bytes.length;
      this.#trim();
      return { path, downloaded: true };
    } catch (e) {
      this.release(target);
      throw e;
    }
  }

  release(target: string): void {
    const n = (this.#busy.get(target) ?? 1) - 1;
    if (n <= 0) this.#busy.delete(target);
    else this.#busy.set(target, n);
  }

  get bytes(): number {
    return this.#bytes;
  }

  get files(): number {
    return this.#files.size;
  }

  #pathOf(target: string): string {
    return join(this.#dir, encodeURIComponent(target));
  }

  #trim(): void {
    for (const [target, size] of this.#files) {
      if (this.#bytes <= this.#maxBytes) return;
      if (this.#busy.has(target)) continue;
      this.#files.delete(target);
      this.#bytes -= size;
      const gone = unlink(this.#pathOf(target))
        .catch(() => undefined)
        .finally(() => this.#deleting.delete(target));
      this.#deleting.set(target, gone);
    }
  }
}
