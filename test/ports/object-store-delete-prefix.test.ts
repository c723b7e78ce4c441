import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { FolderObjectStore } from "@myriad/local/adapters/folder-object-store";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function keys(store: ObjectStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

const ADAPTERS: { name: string; open(): Promise<{ store: ObjectStore; root?: string }> }[] = [
  {
    name: "folder",
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "myriad-delete-prefix-"));
      dirs.push(dir);
      return {
        store: new FolderObjectStore(join(dir, "bucket"), join(dir, "tmp")),
        root: join(dir, "bucket"),
      };
    },
  },
  { name: "memory", open: async () => ({ store: new MemoryObjectStore() }) },
];

for (const adapter of ADAPTERS) {
  describe(`ObjectStore.deletePrefix: ${adapter.name}`, () => {
    it("deletes every object under the prefix and nothing beside it; again, nothing", async () => {
      const { store, root } = await adapter.open();
      for (const key of [
        "raw/d/a.csv",
        "raw/d/related/t.csv",
        "raw/d2/a.csv",
        "raw/top.csv",
        "models/d/1/v.tar.gz",
      ])
        await store.put(key, key);
      expect(await store.deletePrefix("raw/d/")).toBe(2);
      expect(await keys(store)).toEqual(["models/d/1/v.tar.gz", "raw/d2/a.csv", "raw/top.csv"]);
      expect(await store.deletePrefix("raw/d/")).toBe(0);
      if (root) {
        // The emptied folder goes too; the top-level one (watched) stays.
        expect((await readdir(join(root, "raw"))).sort()).toEqual(["d2", "top.csv"]);
        expect(await store.deletePrefix("models/")).toBe(1);
        expect(await readdir(root)).toContain("models");
      }
    });
  });
}
