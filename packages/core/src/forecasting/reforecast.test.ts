import { describe, expect, it } from "vitest";
import { packArtifact, unpackArtifact } from "../artifact/archive.ts";
import { customerDrivers, loadDatasetDrivers } from "../drivers/customer-drivers.ts";
import { ingestRelated } from "../drivers/related.ts";
import { mulberry32 } from "../ingest/generate.ts";
import { MemoryObjectStore } from "../ingest/memory-object-store.ts";
import { reforecastCustomer } from "./reforecast.ts";
import { trainCustomer } from "./train-customer.ts";

const START = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const DAYS = 28;
const H = 48;
const KEY = "raw/ds/related/weather.csv";
const temperature = (t: number) => 5 + 6 * Math.sin((2 * Math.PI * (t - 9)) / 24) + 3 * Math.sin(t / 40);

/** Stores a weather file (hours [from, to), `shift` degrees added) as the related series `weather`. */
async function dropWeather(store: MemoryObjectStore, from: number, to: number, shift = 0, tag = "a") {
  const rows = ["timestamp,customer_id,temperature"];
  for (let t = from; t < to; t++)
    rows.push(`${new Date(START + t * HOUR).toISOString()},c1,${(temperature(t) + shift).toFixed(2)}`);
  await store.put(KEY, rows.join("\n"));
  await ingestRelated(store, "ds", "weather", KEY, { frequency: "H", quarantineTag: tag });
}

/** A heating customer trained with DriverRegression on its temperature, stored as version v1. */
async function trained(store: MemoryObjectStore, algorithm = "DriverRegression") {
  await dropWeather(store, 0, DAYS * 24 + H);
  const random = mulberry32(3);
  const values = Float64Array.from(
    { length: DAYS * 24 },
    (_, t) =>
      20 + 8 * Math.sin((2 * Math.PI * (t - 7)) / 24) + 4 * Math.max(0, 15 - temperature(t)) + random(),
  );
  const series = { start: START, frequency: "H" as const, values };
  const drivers = customerDrivers(await loadDatasetDrivers(store, "ds"), "c1", {
    frequency: "H",
    start: START,
    length: values.length,
    horizon: H,
  });
  const job = {
    dataset: "ds",
    customerId: "c1",
    dataKey: "customers/ds/c1/data.csv",
    modelKey: "models/ds/c1/v1.tar.gz",
    version: "v1",
    frequency: "H" as const,
    horizon: H,
    quantiles: [0.1, 0.5, 0.9],
    algorithm,
  };
  const artifact = trainCustomer(series, job, new Date(0), drivers);
  await store.put(job.modelKey, await packArtifact(artifact));
  return artifact;
}

const job = {
  customerId: "c1",
  activeKey: "models/ds/c1/v1.tar.gz",
  modelKey: "models/ds/c1/v2.tar.gz",
  version: "v2",
  cause: "related weather.csv",
};

describe("reforecastCustomer", () => {
  it("forecasts the fitted model again from a newer weather forecast, without refitting", async () => {
    const store = new MemoryObjectStore();
    const before = await trained(store);
    // The next weather forecast: the horizon turns 5 °C colder.
    await dropWeather(store, DAYS * 24, DAYS * 24 + H, -5, "b");
    const outcome = await reforecastCustomer(store, await loadDatasetDrivers(store, "ds"), job);
    expect(outcome.status).toBe("updated");
    const after = await unpackArtifact((await store.get(job.modelKey))!);
    expect(after.version).toBe("v2");
    expect(after.state).toEqual(before.state);
    expect(after.errors).toEqual(before.errors);
    expect(after.metrics).toEqual(before.metrics);
    expect(after.selection.reason).toMatch(
      /^re-forecast from version v1 with related weather\.csv \(not refitted\)/,
    );
    expect(after.drivers!.fields.temperature[0]).toBeCloseTo(before.drivers!.fields.temperature[0] - 5, 1);
  });

  it("leaves a customer unchanged when its drivers over the horizon did not change", async () => {
    const store = new MemoryObjectStore();
    await trained(store);
    await dropWeather(store, DAYS * 24, DAYS * 24 + H, 0, "b");
    const outcome = await reforecastCustomer(store, await loadDatasetDrivers(store, "ds"), job);
    expect(outcome).toEqual({ status: "unchanged", customerId: "c1" });
    expect(await store.get(job.modelKey)).toBeUndefined();
  });

  it("leaves a model that does not use the drivers unchanged, though they changed", async () => {
    const store = new MemoryObjectStore();
    await trained(store, "SeasonalNaive");
    await dropWeather(store, DAYS * 24, DAYS * 24 + H, -5, "b");
    const outcome = await reforecastCustomer(store, await loadDatasetDrivers(store, "ds"), job);
    expect(outcome.status).toBe("unchanged");
  });

  it("keeps the active model, saying why, when the drivers no longer cover the horizon", async () => {
    const store = new MemoryObjectStore();
    await trained(store);
    // The store keeps what it had: a file can only add or replace. A series with the horizon's
    // values unknown stands for a related file that lost them (another customer's data only).
    const drivers = await loadDatasetDrivers(store, "ds");
    for (const s of drivers.related)
      for (const series of s.series.values()) series.fields.temperature.fill(Number.NaN);
    const outcome = await reforecastCustomer(store, drivers, job);
    expect(outcome).toMatchObject({ status: "kept", customerId: "c1" });
    expect((outcome as { reason: string }).reason).toMatch(
      /related temperature no longer covers the 48 steps/,
    );
    const missing = await reforecastCustomer(store, drivers, { ...job, activeKey: "models/ds/c1/v0.tar.gz" });
    expect(missing).toMatchObject({ status: "kept", reason: "artifact models/ds/c1/v0.tar.gz is missing" });
  });
});
