import { describe, expect, it } from "vitest";
import { parseDatasetConfig } from "../dataset/dataset-config.ts";
import { MemoryObjectStore } from "../ingest/memory-object-store.ts";
import { loadCustomerDrivers, loadDatasetDrivers, customerDrivers } from "./customer-drivers.ts";
import { holidayCalendar } from "./holidays.ts";
import { ingestMetadata } from "./metadata.ts";
import { ingestRelated } from "./related.ts";

const now = new Date("2026-12-01T00:00:00Z");
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const values = (a: Float64Array | undefined) => Array.from(a ?? [], (v) => (Number.isNaN(v) ? null : v));

/** Metadata for c1..c3 and a region-keyed weather series from 1 to 6 July 2026 (daily). */
async function dataset(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.put("raw/ds/metadata.csv", "customer_id,region\nc1,north\nc2,north\nc3,south\n");
  await ingestMetadata(store, "ds", "raw/ds/metadata.csv", { quarantineTag: "m", now });
  const rows = ["timestamp,region,temperature"];
  for (let d = 1; d <= 6; d++) {
    rows.push(`2026-07-0${d},north,${d}`);
    rows.push(`2026-07-0${d},south,${d * 10}`);
  }
  await store.put("raw/ds/related/weather.csv", rows.join("\n"));
  await ingestRelated(store, "ds", "weather", "raw/ds/related/weather.csv", {
    frequency: "D",
    quarantineTag: "w",
    now,
  });
  return store;
}

const grid = { frequency: "D" as const, start: day("2026-07-01"), length: 4, horizon: 2 };

describe("loadCustomerDrivers", () => {
  it("gives every customer of a region that region's series, split into history and future", async () => {
    const store = await dataset();
    for (const id of ["c1", "c2"]) {
      const drivers = await loadCustomerDrivers(store, "ds", id, grid);
      expect(values(drivers.history.fields.temperature)).toEqual([1, 2, 3, 4]);
      expect(values(drivers.future.fields.temperature)).toEqual([5, 6]);
      expect(drivers.missing).toEqual([]);
      expect(drivers.coverage.fields.temperature).toEqual({
        sources: ["weather:region=north"],
        history: 4,
        future: 2,
        used: true,
      });
    }
    const south = await loadCustomerDrivers(store, "ds", "c3", grid);
    expect(values(south.future.fields.temperature)).toEqual([50, 60]);
  });

  it("lets a customer-keyed series override the region's, and fills its gaps from the region", async () => {
    const store = await dataset();
    await store.put(
      "raw/ds/related/site.csv",
      "timestamp,customer_id,temperature\n2026-07-01,c1,100\n2026-07-02,c1,200\n2026-07-05,c1,500\n2026-07-06,c1,600\n",
    );
    await ingestRelated(store, "ds", "site", "raw/ds/related/site.csv", {
      frequency: "D",
      quarantineTag: "s",
      now,
    });
    const c1 = await loadCustomerDrivers(store, "ds", "c1", grid);
    expect(values(c1.history.fields.temperature)).toEqual([100, 200, 3, 4]);
    expect(values(c1.future.fields.temperature)).toEqual([500, 600]);
    expect(c1.coverage.fields.temperature.sources).toEqual(["site:customer_id", "weather:region=north"]);
    // c2 shares c1's region but not its site series.
    const c2 = await loadCustomerDrivers(store, "ds", "c2", grid);
    expect(values(c2.history.fields.temperature)).toEqual([1, 2, 3, 4]);
  });

  it("leaves out and reports a field that does not cover the horizon, and one named but absent", async () => {
    const store = await dataset();
    const longer = { ...grid, horizon: 3 }; // 7 July is unknown
    const related = parseDatasetConfig({ related: { fields: ["temperature", "humidity"] } }).related;
    const drivers = await loadCustomerDrivers(store, "ds", "c1", { ...longer, related });
    expect(drivers.missing).toEqual(["humidity", "temperature"]);
    expect(drivers.history.fields).toEqual({});
    expect(drivers.future.fields).toEqual({});
    expect(drivers.coverage.fields.temperature).toMatchObject({ history: 4, future: 2, used: false });
    expect(drivers.coverage.fields.humidity).toMatchObject({ sources: [], used: false });
  });

  it("keeps NaN for unknown history steps and a customer with no metadata gets no region series", async () => {
    const store = await dataset();
    const early = await loadCustomerDrivers(store, "ds", "c1", {
      ...grid,
      start: day("2026-06-29"),
      length: 6,
    });
    expect(values(early.history.fields.temperature)).toEqual([null, null, 1, 2, 3, 4]);
    const stranger = await loadCustomerDrivers(store, "ds", "c9", grid);
    expect(stranger.history.fields).toEqual({});
    expect(stranger.missing).toEqual([]);
  });

  it("re-grids a daily series onto an hourly grid by holding each day's value", async () => {
    const store = await dataset();
    const hourly = {
      frequency: "H" as const,
      start: day("2026-07-01") + 22 * 3_600_000,
      length: 3,
      horizon: 1,
    };
    const drivers = await loadCustomerDrivers(store, "ds", "c1", hourly);
    expect(values(drivers.history.fields.temperature)).toEqual([1, 1, 2]);
    expect(values(drivers.future.fields.temperature)).toEqual([2]);
  });

  it("adds holiday flags over history and horizon", async () => {
    const store = await dataset();
    const loaded = await loadDatasetDrivers(store, "ds");
    const drivers = customerDrivers(loaded, "c1", { ...grid, holidays: holidayCalendar("US") });
    // 1–4 July: 3 (observed) and 4 July are holidays; 5–6 July are not.
    expect([...(drivers.history.holiday ?? [])]).toEqual([0, 0, 1, 1]);
    expect([...(drivers.future.holiday ?? [])]).toEqual([0, 0]);
    expect(drivers.coverage.holidays).toBe(true);
    expect(customerDrivers(loaded, "c1", grid).history.holiday).toBeUndefined();
  });
});
