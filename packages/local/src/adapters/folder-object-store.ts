import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable, Transform } from "node:stream";
import { MyriadError } from "@myriad/core/errors/myriad-error";
import type { ObjectInfo, ObjectStore } from "@myriad/core/ports/object-store";

/**
 * The bucket as a folder: key `a/b/c` is file `<root>/a/b/c`. Writes go to a temporary file
 * beside the bucket and are renamed into place, so a watcher never sees half an object. The
 * eTag is the MD5 of the bytes, as S3's is for single-part uploads.
 */
export class FolderObjectStore implements ObjectStore {
  readonly #root: string;
  readonly #tmp: string;

  constructor(root: string, tmpDir = join(dirname(root), "tmp")) {
    this.#root = root;
    this.#tmp = tmpDir;
  }

  get root(): string {
    return this.#root;
  }

  /** The file behind a key; keys that would escape the bucket are refused. */
  pathOf(key: string): string {
    if (
      key === "" ||
      key.startsWith("/") ||
      key.split("/").some((p) => p === ".." || p === "." || p === "")
    ) {
      throw new MyriadError(400, "invalid_key", `invalid object key ${JSON.stringify(key)}`);
    }
    return join(this.#root, ...key.split("/"));
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
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch {
      return undefined;
    }
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  /**
   * A whole body in one write. Not through putStream: Train and Preprocess put one small object
   * per customer, and a stream, its hashing transform and two mkdirs per object cost more than
   * the write (a folder is only made when the rename finds it missing).
   */
  async put(key: string, body: Uint8Array | string): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    const tmp = join(this.#tmp, `${randomUUID()}.part`);
    try {
      await missingFolderRetry(this.#tmp, () => writeFile(tmp, bytes));
      await missingFolderRetry(dirname(path), () => rename(tmp, path));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return {
      key,
      size: bytes.byteLength,
      etag: createHash("md5").update(bytes).digest("hex"),
      lastModified: new Date(),
    };
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    await mkdir(this.#tmp, { recursive: true });
    const tmp = join(this.#tmp, `${randomUUID()}.part`);
    const md5 = createHash("md5");
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.from(body), hashing, createWriteStream(tmp));
      await mkdir(dirname(path), { recursive: true });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const s = await stat(path);
    return { key, size: s.size, etag: md5.digest("hex"), lastModified: s.mtime };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const s = await stat(path);
      if (!s.isFile()) return undefined;
      return { key, size: s.size, etag: await md5File(path), lastModified: s.mtime };
    } catch {
      return undefined;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the deepest folder the prefix names, then filter by the rest of it.
    const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const start = folder ? join(this.#root, ...folder.split("/")) : this.#root;
    for await (const path of walk(start)) {
      const key = relative(this.#root, path).split(sep).join("/");
      if (!key.startsWith(prefix)) continue;
      const s = await stat(path);
      yield { key, size: s.size, etag: "", lastModified: s.mtime };
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for await (const o of this.list(prefix)) {
      await this.delete(o.key);
      deleted++;
    }
    // A prefix that names a folder below the top takes the folder too, so no empty folders are
    // left behind; top-level folders stay (the watcher watches raw/).
    const folder = prefix.slice(0, -1);
    if (prefix.endsWith("/") && folder.includes("/"))
      await rm(this.pathOf(folder), { recursive: true, force: true });
    return deleted;
  }
}

/** Runs `write`; if it fails because `folder` is missing, makes the folder and runs it again. */
async function missingFolderRetry(folder: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(folder, { recursive: true });
    await write();
  }
}

async function* walk(dir: string): AsyncIterable<string> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

export async function md5File(path: string): Promise<string> {
  const md5 = createHash("md5");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) md5.update(chunk as Buffer);
  return md5.digest("hex");
}
