import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { FolderObjectStore } from "@myriad/local/adapters/folder-object-store";

interface Adapter {
  name: string;
  open(): Promise<{ store: ObjectStore; close(): Promise<void> }>;
}

/** Every ObjectStore adapter; `OBJECT_STORES=folder` narrows a run. */
const ADAPTERS: Adapter[] = [
  {
    name: "folder",
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "myriad-store-"));
      return {
        store: new FolderObjectStore(join(dir, "bucket")),
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];
const selected = (process.env.OBJECT_STORES ?? ADAPTERS.map((a) => a.name).join(",")).split(",");

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of iterable) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

for (const adapter of ADAPTERS.filter((a) => selected.includes(a.name))) {
  describe(`ObjectStore contract: ${adapter.name}`, () => {
    let store: ObjectStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await adapter.open());
    });
    afterAll(() => close());

    it("puts, heads and gets an object with an MD5 eTag", async () => {
      const info = await store.put("raw/a b/file.csv", "hello");
      expect(info).toMatchObject({
        key: "raw/a b/file.csv",
        size: 5,
        etag: "5d41402abc4b2a76b9719d911017c592",
      });
      expect(new TextDecoder().decode(await store.get("raw/a b/file.csv"))).toBe("hello");
      expect((await store.head("raw/a b/file.csv"))?.etag).toBe(info.etag);
      expect(await store.get("raw/missing")).toBeUndefined();
      expect(await store.head("raw/missing")).toBeUndefined();
    });

    it("streams large bodies in and out unchanged", async () => {
      const chunk = Buffer.alloc(1 << 20, 7);
      async function* body() {
        for (let i = 0; i < 6; i++) yield chunk;
      }
      const info = await store.putStream("big/blob.bin", body());
      expect(info.size).toBe(6 << 20);
      const stream = await store.getStream("big/blob.bin");
      expect((await collect(stream!)).equals(Buffer.concat(Array(6).fill(chunk)))).toBe(true);
      expect(await store.getStream("big/none")).toBeUndefined();
    });

    it("lists by prefix and deletes", async () => {
      await store.put("models/d/1/v1.tar.gz", "x");
      await store.put("models/d/10/v1.tar.gz", "y");
      await store.put("models/e/1/v1.tar.gz", "z");
      const keys: string[] = [];
      for await (const o of store.list("models/d/1")) keys.push(o.key);
      expect(keys.sort()).toEqual(["models/d/1/v1.tar.gz", "models/d/10/v1.tar.gz"]);
      await store.delete("models/d/1/v1.tar.gz");
      expect(await store.get("models/d/1/v1.tar.gz")).toBeUndefined();
    });
  });
}

describe("FolderObjectStore keys", () => {
  it("refuses keys that would leave the bucket", () => {
    const store = new FolderObjectStore("/tmp/never-created");
    for (const key of ["../etc/passwd", "/abs", "a/../../b", "a//b", ""])
      expect(() => store.pathOf(key)).toThrow(/invalid object key/);
  });
});
