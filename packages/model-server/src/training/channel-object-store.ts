import type { ObjectInfo, ObjectStore } from "@myriad/core/ports/object-store";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";

/**
 * The ObjectStore that core's runTrainJob sees inside the training container. It maps the
 * keys of a TrainJob onto SageMaker's directories, so the container needs no AWS SDK and runs
 * with network isolation:
 * - `customers/<dataset>/<rest>` reads `<train channel>/<rest>` (the channel is that prefix);
 * - `drivers/<dataset>/<rest>` reads `<drivers channel>/<rest>`, and lists it (a dataset without
 *   drivers has no such channel: nothing is listed);
 * - any other key (the model keys) lives under `checkpoints/<key>`, each artifact its own
 *   file, which SageMaker uploads one by one.
 * Writes go to a temporary name and are renamed, so a checkpoint sync never sees half a file.
 */
export class ChannelObjectStore implements ObjectStore {
  readonly #dataset: string;
  readonly #channel: string;
  readonly #checkpoints: string;
  readonly #drivers: string | undefined;

  constructor(dataset: string, channelDir: string, checkpointsDir: string, driversDir?: string) {
    this.#dataset = dataset;
    this.#channel = channelDir;
    this.#checkpoints = checkpointsDir;
    this.#drivers = driversDir;
  }

  /** The local file behind a key. */
  pathOf(key: string): string {
    if (key.split("/").some((s) => s === ".." || s === "")) throw new Error(`unsafe key ${key}`);
    const prefix = `customers/${this.#dataset}/`;
    if (key.startsWith(prefix)) return join(this.#channel, key.slice(prefix.length));
    const drivers = `drivers/${this.#dataset}/`;
    if (this.#drivers !== undefined && key.startsWith(drivers))
      return join(this.#drivers, key.slice(drivers.length));
    return join(this.#checkpoints, key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    return (await this.head(key)) ? createReadStream(this.pathOf(key)) : undefined;
  }

  async put(key: string, body: Uint8Array | string): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, path);
    return (await this.head(key)) as ObjectInfo;
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    const chunks: Uint8Array[] = [];
    for await (const c of body) chunks.push(c);
    return this.put(key, Buffer.concat(chunks));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return { key, size: s.size, etag: `${s.size}-${s.mtimeMs}`, lastModified: s.mtime };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** Lists the drivers channel only (core lists a dataset's related series); nothing else lists. */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const drivers = `drivers/${this.#dataset}/`;
    if (!prefix.startsWith(drivers)) throw new Error("the training store lists only the drivers channel");
    if (this.#drivers === undefined) return;
    let names: string[];
    try {
      names = (await readdir(this.#drivers, { recursive: true })) as string[];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const name of names.sort()) {
      const key = `${drivers}${name.split(sep).join("/")}`;
      if (!key.startsWith(prefix)) continue;
      const info = await this.head(key);
      if (info && (await stat(this.pathOf(key))).isFile()) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Training deletes single keys only; a prefix would span channels it cannot list. */
  async deletePrefix(): Promise<number> {
    throw new Error("the training store does not delete by prefix");
  }
}
