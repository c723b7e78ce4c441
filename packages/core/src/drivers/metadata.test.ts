import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { MemoryObjectStore } from "../ingest/memory-object-store.ts";
import { ingestMetadata, loadMetadata } from "./metadata.ts";

const now = new Date("2026-12-01T00:00:00Z");
const opts = { quarantineTag: "t1", now };

describe("ingestMetadata", () => {
  it("stores customers' attributes and upserts a second file per customer", async () => {
    const store = new MemoryObjectStore();
    await store.put(
      "raw/ds/metadata.csv",
      "customer_id,Region,segment\nc1,north,home\nc2,south,shop\nc3,north,home\n",
    );
    const first = await ingestMetadata(store, "ds", "raw/ds/metadata.csv", opts);
    expect(first).toMatchObject({
      customers: 3,
      added: 3,
      attributes: ["region", "segment"],
      quarantineKey: null,
    });

    // c2 moves region and keeps its segment (empty cell), c4 is new with a new attribute, c1/c3 untouched.
    await store.put(
      "raw/ds/metadata.csv",
      "customer_id;region;segment;tariff\nc2;north;;flat\nc4;east;home;peak\n",
    );
    const second = await ingestMetadata(store, "ds", "raw/ds/metadata.csv", { ...opts, quarantineTag: "t2" });
    expect(second).toMatchObject({ customers: 2, added: 1, attributes: ["region", "segment", "tariff"] });
    const metadata = await loadMetadata(store, "ds");
    expect(metadata.customers).toEqual({
      c1: { region: "north", segment: "home" },
      c2: { region: "north", segment: "shop", tariff: "flat" },
      c3: { region: "north", segment: "home" },
      c4: { region: "east", segment: "home", tariff: "peak" },
    });
    expect(store.text("drivers/ds/metadata.json")).toContain('"updatedAt":"2026-12-01T00:00:00.000Z"');
  });

  it("quarantines bad rows with their line and reason, keeps the rest", async () => {
    const store = new MemoryObjectStore();
    const csv = [
      "customer_id,region",
      "c1,north",
      ",south", // 3: no id
      "../etc,west", // 4: unsafe id
      "c1,north", // 5: same row again
      "c1,east", // 6: same customer, other value
      "c2,south,extra", // 7: more fields than the header
      "c3,west",
    ].join("\n");
    await store.put("raw/ds/metadata.csv.gz", gzipSync(csv));
    const result = await ingestMetadata(store, "ds", "raw/ds/metadata.csv.gz", opts);
    expect(result.rows).toEqual({ in: 7, out: 2, quarantined: 5 });
    expect(result.quarantineKey).toBe("quarantine/ds/metadata-t1.csv");
    expect(store.text("quarantine/ds/metadata-t1.csv")).toBe(
      [
        "line,reason,row",
        '3,missing_field,",south"',
        '4,invalid_customer_id,"../etc,west"',
        '5,duplicate_row,"c1,north"',
        '6,conflicting_duplicate,"c1,east"',
        '7,malformed_csv,"c2,south,extra"',
        "",
      ].join("\n"),
    );
    expect((await loadMetadata(store, "ds")).customers).toEqual({
      c1: { region: "north" },
      c3: { region: "west" },
    });
  });

  it.each([
    ["id,region\nc1,north\n", "missing_columns"],
    ["customer_id\nc1\n", "invalid_header"],
    ["customer_id,region,region\nc1,a,b\n", "invalid_header"],
    ["customer_id,timestamp\nc1,a\n", "invalid_header"],
  ])("rejects the file %j as %s and stores nothing", async (csv, code) => {
    const store = new MemoryObjectStore();
    await store.put("raw/ds/metadata.csv", csv);
    await expect(ingestMetadata(store, "ds", "raw/ds/metadata.csv", opts)).rejects.toMatchObject({ code });
    expect(await store.get("drivers/ds/metadata.json")).toBeUndefined();
  });

  it("loads an empty metadata when none was uploaded", async () => {
    expect(await loadMetadata(new MemoryObjectStore(), "ds")).toEqual({
      attributes: [],
      customers: {},
      updatedAt: null,
    });
  });
});
