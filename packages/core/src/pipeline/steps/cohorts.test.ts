import { describe, expect, it } from "vitest";
import { Keys } from "../../dataset/keys.ts";
import { MemoryObjectStore } from "../../ingest/memory-object-store.ts";
import { seriesToCsv } from "../../series/series.ts";
import type { Manifest, ManifestCustomer } from "../manifest.ts";
import { coldStartCohorts, coldStartSteps } from "./cohorts.ts";

const START = Date.UTC(2026, 0, 5); // a Monday
const HOUR = 3_600_000;

/** Hourly customer `id` with `days` of readings ending on the same hour as every other. */
async function customer(store: MemoryObjectStore, id: string, days: number, weekdayLoad: number) {
  const first = START + (28 - days) * 24 * HOUR;
  const values = Float64Array.from({ length: days * 24 }, (_, t) => {
    const weekday = Math.floor((first + t * HOUR - START) / (24 * HOUR)) % 7 < 5;
    return weekday ? weekdayLoad : 1;
  });
  await store.put(Keys.customerData("ds", id), seriesToCsv({ start: first, frequency: "H", values }));
  const c: ManifestCustomer = {
    id,
    dataKey: Keys.customerData("ds", id),
    points: values.length,
    gaps: 0,
    first: new Date(first).toISOString(),
    last: new Date(first + (values.length - 1) * HOUR).toISOString(),
  };
  return c;
}

function manifest(customers: ManifestCustomer[], frequency: Manifest["frequency"] = "H"): Manifest {
  return { dataset: "ds", frequency, customers } as Manifest;
}

describe("cold-start cohorts", () => {
  it("gives each newcomer the profile of established customers with its attributes", async () => {
    const store = new MemoryObjectStore();
    const customers = [
      await customer(store, "n1", 28, 10),
      await customer(store, "n2", 28, 10),
      await customer(store, "n3", 28, 10),
      await customer(store, "s1", 28, 1),
      await customer(store, "s2", 28, 1),
      await customer(store, "s3", 28, 1),
      await customer(store, "new", 5, 10),
    ];
    const regions = {
      n1: "north",
      n2: "north",
      n3: "north",
      s1: "south",
      s2: "south",
      s3: "south",
      new: "north",
    };
    await store.put(
      Keys.driversMetadata("ds"),
      JSON.stringify({
        attributes: ["region"],
        customers: Object.fromEntries(Object.entries(regions).map(([id, region]) => [id, { region }])),
        updatedAt: null,
      }),
    );
    const cohorts = await coldStartCohorts(store, manifest(customers));
    expect([...cohorts.keys()]).toEqual(["new"]);
    const profile = cohorts.get("new")!;
    expect(profile.key).toBe("region=north");
    expect(profile.peers).toBe(3);
    // The north's weekdays run at ten times its weekends.
    expect(Math.max(...profile.profile) / Math.min(...profile.profile)).toBeCloseTo(10, 6);
  });

  it("falls back to every established customer when fewer than three share the attributes", async () => {
    const store = new MemoryObjectStore();
    const customers = [
      await customer(store, "a", 28, 2),
      await customer(store, "b", 28, 2),
      await customer(store, "new", 3, 2),
    ];
    const profile = (await coldStartCohorts(store, manifest(customers))).get("new")!;
    expect(profile.key).toBe("all");
    expect(profile.peers).toBe(2);
  });

  it("needs two calendar cycles, and has none for weekly or yearly data", () => {
    expect(coldStartSteps("H")).toBe(336);
    expect(coldStartSteps("D")).toBe(14);
    expect(coldStartSteps("M")).toBe(24);
    expect(coldStartSteps("W")).toBeUndefined();
    expect(coldStartSteps("Y")).toBeUndefined();
  });
});
