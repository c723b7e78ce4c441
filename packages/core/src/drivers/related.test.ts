import { describe, expect, it } from "vitest";
import { MemoryObjectStore } from "../ingest/memory-object-store.ts";
import { parseDatasetConfig } from "../dataset/dataset-config.ts";
import { ingestMetadata } from "./metadata.ts";
import { ingestRelated } from "./related.ts";
import { loadRelated } from "./related-store.ts";

const now = new Date("2026-12-01T00:00:00Z");
const KEY = "raw/ds/related/weather.csv";

async function storeWith(csv: string): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.put(KEY, csv);
  return store;
}

const values = (a: Float64Array | undefined) => Array.from(a ?? [], (v) => (Number.isNaN(v) ? null : v));

describe("ingestRelated", () => {
  it("averages 15-minute temperature readings into hours, per region, negatives included", async () => {
    const store = await storeWith(
      [
        "timestamp,region,temperature",
        "2026-01-01 00:00,north,-1",
        "2026-01-01 00:15,north,-2",
        "2026-01-01 00:30,north,-3",
        "2026-01-01 00:45,north,-4",
        "2026-01-01 01:00,north,10",
        "2026-01-01 01:30,north,12",
        "2026-01-01 03:00,north,7", // hour 02 has no reading: a gap
        "2026-01-01T00:00:00+01:00,south,5", // = 2025-12-31 23:00 UTC
      ].join("\n"),
    );
    const result = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "H",
      quarantineTag: "a",
      now,
    });
    expect(result).toMatchObject({ keyColumn: "region", fields: ["temperature"], frequency: "H", keys: 2 });
    const stored = await loadRelated(store, "ds", "weather");
    const north = stored?.series.get("north");
    expect(new Date(north?.start ?? 0).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(values(north?.fields.temperature)).toEqual([-2.5, 11, null, 7]);
    expect(new Date(stored?.series.get("south")?.start ?? 0).toISOString()).toBe("2025-12-31T23:00:00.000Z");
  });

  it("takes the daily mean by default and a configured aggregation per field", async () => {
    const store = await storeWith(
      [
        "timestamp,customer_id,temperature,rain",
        "2026-03-01 00:00,c1,10,1",
        "2026-03-01 12:00,c1,20,2",
        "2026-03-02 06:00,c1,4,0.5",
        "2026-03-02 18:00,c1,6,0",
      ].join("\n"),
    );
    const related = parseDatasetConfig({ related: { aggregation: { rain: "sum" } } }).related;
    const result = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "D",
      related,
      quarantineTag: "a",
      now,
    });
    expect(result.keyColumn).toBe("customer_id");
    const c1 = (await loadRelated(store, "ds", "weather"))?.series.get("c1");
    expect(values(c1?.fields.temperature)).toEqual([15, 5]);
    expect(values(c1?.fields.rain)).toEqual([3, 0.5]);
  });

  it("infers the frequency from the file when the dataset has none yet", async () => {
    const store = await storeWith(
      ["timestamp,region,temperature", "2026-01-01,north,1", "2026-01-02,north,2", "2026-01-03,north,3"].join(
        "\n",
      ),
    );
    const result = await ingestRelated(store, "ds", "weather", KEY, { quarantineTag: "a", now });
    expect(result.frequency).toBe("D");
  });

  it("quarantines unusable rows with their line and reason", async () => {
    const store = await storeWith(
      [
        "timestamp,region,temperature",
        "2026-01-01 00:00,north,1",
        "2026-01-01 25:00,north,2", // 3
        "2026-01-01 01:00,north,warm", // 4
        "2026-01-01 02:00,,3", // 5
        "1850-01-01 00:00,north,3", // 6
        "2026-01-01 00:00,north,1", // 7
        "2026-01-01 00:00,north,9", // 8
        "2026-01-01 03:00,north,inf", // 9
        "2026-01-01 04:00,north,", // 10
        "2026-01-01 05:00,north,5",
      ].join("\n"),
    );
    const result = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "H",
      quarantineTag: "q1",
      now,
    });
    expect(result.rows).toEqual({ in: 10, out: 2, quarantined: 8 });
    expect(result.reasons).toEqual({
      unparsable_timestamp: 1,
      non_numeric_value: 1,
      missing_field: 2,
      timestamp_out_of_range: 1,
      duplicate_row: 1,
      conflicting_duplicate: 1,
      non_finite_value: 1,
    });
    expect(result.quarantineKey).toBe("quarantine/ds/related-weather-q1.csv");
    const lines = store.text("quarantine/ds/related-weather-q1.csv")?.trim().split("\n");
    expect(lines?.[0]).toBe("line,reason,row");
    expect(lines?.slice(1, 3)).toEqual([
      '3,unparsable_timestamp,"2026-01-01 25:00,north,2"',
      '4,non_numeric_value,"2026-01-01 01:00,north,warm"',
    ]);
    const north = (await loadRelated(store, "ds", "weather"))?.series.get("north");
    expect(values(north?.fields.temperature)).toEqual([1, null, null, null, null, 5]);
  });

  it("quarantines unsafe customer ids in a customer-keyed file", async () => {
    const store = await storeWith("timestamp,customer_id,temperature\n2026-01-01,../x,1\n2026-01-01,c1,2\n");
    const result = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "D",
      quarantineTag: "a",
      now,
    });
    expect(result.reasons).toEqual({ invalid_customer_id: 1 });
  });

  it("rejects a file whose key column cannot be told, with a message saying how to fix it", async () => {
    // Two text columns, neither customer_id nor a metadata attribute.
    const store = await storeWith("timestamp,site,station,temperature\n2026-01-01,a,b,1\n");
    const error = ingestRelated(store, "ds", "weather", KEY, { frequency: "D", quarantineTag: "a", now });
    await expect(error).rejects.toMatchObject({ code: "invalid_header" });
    await expect(error).rejects.toThrow(
      /cannot tell the key column \(site, station all hold text\).*related.*keys/,
    );
    expect(await store.get("drivers/ds/related/weather.json")).toBeUndefined();
  });

  it("finds the key column by the metadata attribute, or as configured, even when its values are numbers", async () => {
    const store = await storeWith("timestamp,zone,temperature\n2026-01-01,75,1\n2026-01-02,75,2\n");
    // All numeric and no metadata: no way to tell.
    await expect(
      ingestRelated(store, "ds", "weather", KEY, { frequency: "D", quarantineTag: "a", now }),
    ).rejects.toMatchObject({ code: "invalid_header" });
    await store.put("raw/ds/metadata.csv", "customer_id,zone\nc1,75\n");
    await ingestMetadata(store, "ds", "raw/ds/metadata.csv", { quarantineTag: "m", now });
    const byMetadata = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "D",
      quarantineTag: "a",
      now,
    });
    expect(byMetadata).toMatchObject({ keyColumn: "zone", fields: ["temperature"], unmatchedKeys: [] });

    const other = await storeWith("timestamp,zone,temperature\n2026-01-01,75,1\n");
    const related = parseDatasetConfig({ related: { keys: { weather: "zone" } } }).related;
    const byConfig = await ingestRelated(other, "ds", "weather", KEY, {
      frequency: "D",
      related,
      quarantineTag: "a",
      now,
    });
    expect(byConfig.keyColumn).toBe("zone");
  });

  it("reports key values no customer has in the metadata", async () => {
    const store = await storeWith("timestamp,region,temperature\n2026-01-01,north,1\n2026-01-01,west,2\n");
    await store.put("raw/ds/metadata.csv", "customer_id,region\nc1,north\n");
    await ingestMetadata(store, "ds", "raw/ds/metadata.csv", { quarantineTag: "m", now });
    const result = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "D",
      quarantineTag: "a",
      now,
    });
    expect(result.unmatchedKeys).toEqual(["west"]);
  });

  it("merges a newer file into the stored series: newer wins, older steps and keys are kept", async () => {
    const store = await storeWith(
      "timestamp,region,temperature\n2026-01-01,north,1\n2026-01-02,north,2\n2026-01-03,north,3\n2026-01-01,south,8\n",
    );
    await ingestRelated(store, "ds", "weather", KEY, { frequency: "D", quarantineTag: "a", now });
    // A revised forecast: from 3 January on, two days further.
    await store.put(
      KEY,
      "timestamp,region,temperature\n2026-01-03,north,30\n2026-01-04,north,40\n2026-01-05,north,50\n",
    );
    const result = await ingestRelated(store, "ds", "weather", KEY, {
      frequency: "D",
      quarantineTag: "b",
      now,
    });
    expect(result.replaced).toBe(false);
    const stored = await loadRelated(store, "ds", "weather");
    expect(values(stored?.series.get("north")?.fields.temperature)).toEqual([1, 2, 30, 40, 50]);
    expect(values(stored?.series.get("south")?.fields.temperature)).toEqual([8]);
  });

  it("re-grids the stored series when the newer file comes at another frequency", async () => {
    const store = await storeWith(
      ["timestamp,region,temperature", "2026-01-01 00:00,north,2", "2026-01-01 12:00,north,4"].join("\n"),
    );
    await ingestRelated(store, "ds", "weather", KEY, { frequency: "H", quarantineTag: "a", now });
    await store.put(KEY, "timestamp,region,temperature\n2026-01-02,north,9\n");
    await ingestRelated(store, "ds", "weather", KEY, { frequency: "D", quarantineTag: "b", now });
    const stored = await loadRelated(store, "ds", "weather");
    expect(stored?.frequency).toBe("D");
    expect(values(stored?.series.get("north")?.fields.temperature)).toEqual([3, 9]);
  });
});
