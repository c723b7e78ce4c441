import { createHash } from "node:crypto";
import type { ObjectInfo, ObjectStore } from "../ports/object-store.ts";

/**
 * TEST HELPER: an in-memory {@link ObjectStore} for ingest tests. Not an adapter (the folder and
 * S3 adapters live with their runtimes). `getStream` yields in small chunks so tests cross chunk
 * boundaries the way a real stream does; `puts` counts writes per key.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; info: ObjectInfo }>();
  readonly puts = new Map<string, number>();
  readonly #chunkSize: number;

  constructor(chunkSize = 7) {
    this.#chunkSize = chunkSize;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.body;
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const body = this.objects.get(key)?.body;
    if (body === undefined) return undefined;
    const size = this.#chunkSize;
    return (async function* () {
      for (let i = 0; i < body.length; i += size) yield body.slice(i, i + size);
    })();
  }

  async put(key: string, body: Uint8Array | string, _contentType?: string): Promise<ObjectInfo> {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const info: ObjectInfo = {
      key,
      size: bytes.length,
      etag: createHash("md5").update(bytes).digest("hex"),
      lastModified: new Date(),
    };
    this.objects.set(key, { body: bytes, info });
    this.puts.set(key, (this.puts.get(key) ?? 0) + 1);
    return info;
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>, contentType?: string): Promise<ObjectInfo> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return this.put(key, Buffer.concat(chunks), contentType);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.objects.get(key)?.info;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      const object = this.objects.get(key);
      if (object !== undefined) yield object.info;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    for (const key of keys) this.objects.delete(key);
    return keys.length;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  /** The object's text, for assertions. */
  text(key: string): string | undefined {
    const body = this.objects.get(key)?.body;
    return body === undefined ? undefined : new TextDecoder().decode(body);
  }
}
