import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "@myriad/core/db/migrations";
import { loadCustomerDrivers } from "@myriad/core/drivers/customer-drivers";
import { loadMetadata } from "@myriad/core/drivers/metadata";
import { loadRelated } from "@myriad/core/drivers/related-store";
import { MemoryObjectStore } from "@myriad/core/ingest/memory-object-store";
import { type S3ObjectCreatedRecord, startRuns } from "@myriad/core/pipeline/steps/start-run";
import type { PipelineRunner, RunInput } from "@myriad/core/ports/pipeline-runner";
import { registerModels } from "@myriad/core/registry/models";
import { openDatabase } from "@myriad/local/database";

const created = (key: string, eTag = "e1"): S3ObjectCreatedRecord => ({
  eventName: "ObjectCreated:Put",
  s3: { bucket: { name: "b" }, object: { key, eTag } },
});

/** A runner that records what it was asked to start. */
function recordingRunner(): PipelineRunner & { started: RunInput[] } {
  const started: RunInput[] = [];
  return {
    started,
    start: async (input) => {
      started.push(input);
      return { runId: input.runId, started: true };
    },
    redrive: async () => {},
  };
}

describe("startRuns with driver files (on the database)", () => {
  const db = openDatabase({});
  beforeAll(() => migrateToLatest(db as Kysely<unknown>));
  afterAll(() => db.destroy());

  it("stores metadata and a related series without starting a run while the dataset has no models", async () => {
    const store = new MemoryObjectStore();
    const runner = recordingRunner();
    await store.put("raw/ds/_dataset.json", JSON.stringify({ frequency: "D", holidays: "US" }));
    // The related file arrives before the metadata: order does not matter.
    await store.put(
      "raw/ds/related/weather.csv",
      "timestamp,region,temperature\n2026-07-03,north,20\n2026-07-04,north,bad\n",
    );
    await store.put("raw/ds/metadata.csv", "customer_id,region\nc1,north\n");
    const outcomes = await startRuns({ db, runner, store }, [
      created("raw/ds/related/weather.csv"),
      created("raw/ds/metadata.csv"),
    ]);
    expect(outcomes).toEqual([
      {
        key: "raw/ds/related/weather.csv",
        status: "ignored",
        reason: expect.stringMatching(
          /^related series weather: 1 region value\(s\) × temperature stored at D; 1 row\(s\) quarantined to quarantine\/ds\/related-weather-[0-9a-f]{12}\.csv, used by the next run$/,
        ),
      },
      {
        key: "raw/ds/metadata.csv",
        status: "ignored",
        reason: "item metadata: 1 customers stored (1 new; attributes region), used by the next run",
      },
    ]);
    expect(runner.started).toEqual([]);
    expect((await loadRelated(store, "ds", "weather"))?.frequency).toBe("D");
    expect((await loadMetadata(store, "ds")).customers).toEqual({ c1: { region: "north" } });
    const drivers = await loadCustomerDrivers(store, "ds", "c1", {
      frequency: "D",
      start: Date.parse("2026-07-02T00:00:00Z"),
      length: 2,
      horizon: 0,
    });
    expect(Array.from(drivers.history.fields.temperature ?? [])).toEqual([Number.NaN, 20]);
  });

  it("starts a re-forecast run for a related file once the dataset has an active model, not for metadata", async () => {
    const store = new MemoryObjectStore();
    const runner = recordingRunner();
    await store.put("raw/live/_dataset.json", JSON.stringify({ frequency: "D" }));
    await registerModels(db, [
      {
        dataset: "live",
        customerId: "c1",
        version: "v1",
        runId: "run-1",
        algorithm: "SeasonalNaive",
        metrics: {},
        selection: {},
        artifactKey: "models/live/c1/v1.tar.gz",
      },
    ]);
    await db.updateTable("models").set({ active: true }).where("dataset", "=", "live").execute();
    await store.put("raw/live/related/weather.csv", "timestamp,customer_id,temperature\n2026-07-03,c1,20\n");
    await store.put("raw/live/metadata.csv", "customer_id,region\nc1,north\n");
    const outcomes = await startRuns({ db, runner, store }, [
      created("raw/live/related/weather.csv"),
      created("raw/live/metadata.csv"),
      // The same event again (S3 delivers at least once): no second run.
      created("raw/live/related/weather.csv"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["started", "ignored", "duplicate"]);
    expect(outcomes[0]).toMatchObject({ note: expect.stringMatching(/; active models are re-forecast$/) });
    expect(runner.started).toHaveLength(1);
    expect(runner.started[0]).toMatchObject({ dataset: "live", key: "raw/live/related/weather.csv" });
  });
});
