import { describe, expect, it } from "vitest";
import { rawKeyKind } from "../dataset/keys.ts";
import { MemoryObjectStore } from "../ingest/memory-object-store.ts";
import { type S3ObjectCreatedRecord, startRuns } from "../pipeline/steps/start-run.ts";
import type { Db } from "../ports/database.ts";
import type { PipelineRunner } from "../ports/pipeline-runner.ts";
import { ingestDriverFile } from "./ingest-driver-file.ts";

const created = (key: string): S3ObjectCreatedRecord => ({
  eventName: "ObjectCreated:Put",
  s3: { bucket: { name: "b" }, object: { key, eTag: "e1" } },
});

/** A database and runner that fail the test if a run is started. */
const noRuns = {
  db: new Proxy(
    {},
    {
      get: () => {
        throw new Error("a driver file touched the database");
      },
    },
  ) as Db,
  runner: {
    start: () => {
      throw new Error("a driver file started a run");
    },
  } as unknown as PipelineRunner,
};

describe("rawKeyKind", () => {
  it.each([
    ["raw/ds/data.csv", { kind: "data", dataset: "ds" }],
    ["raw/data.csv", { kind: "data", dataset: "default" }],
    ["raw/ds/metadata.csv", { kind: "metadata", dataset: "ds" }],
    ["raw/ds/Metadata.csv.gz", { kind: "metadata", dataset: "ds" }],
    ["raw/metadata.csv", { kind: "metadata", dataset: "default" }],
    ["raw/ds/related/weather.csv", { kind: "related", dataset: "ds", name: "weather" }],
    ["raw/ds/related/weather.csv.gz", { kind: "related", dataset: "ds", name: "weather" }],
    ["raw/ds/related/notes.txt", undefined],
    ["raw/ds/_dataset.json", undefined],
    ["raw/ds/other/x.csv", undefined],
  ])("%s → %j", (key, kind) => {
    expect(rawKeyKind(key)).toEqual(kind);
  });
});

describe("startRuns with driver files", () => {
  it("reports a driver file it cannot use instead of throwing", async () => {
    const store = new MemoryObjectStore();
    await store.put("raw/ds/metadata.csv", "id,region\nc1,north\n");
    const [outcome] = await startRuns({ ...noRuns, store }, [created("raw/ds/metadata.csv")]);
    expect(outcome).toMatchObject({
      status: "ignored",
      reason: expect.stringMatching(
        /^item metadata not stored: missing_columns: metadata.csv: header lacks column customer_id/,
      ),
    });
    const bad = await ingestDriverFile(store, "raw/ds/metadata.csv");
    expect(bad).toMatchObject({ stored: false, error: { code: "missing_columns" } });
  });

  it("takes the frequency from the dataset's existing series when _dataset.json has none", async () => {
    const store = new MemoryObjectStore();
    await store.put(
      "customers/ds/c1/data.csv",
      "timestamp,value\n2026-01-01T00:00:00.000Z,1\n2026-01-01T01:00:00.000Z,2\n2026-01-01T02:00:00.000Z,3\n",
    );
    // Daily readings, but the dataset is hourly: stored hourly.
    await store.put(
      "raw/ds/related/w.csv",
      "timestamp,region,t\n2026-01-01,north,1\n2026-01-02,north,2\n2026-01-03,north,3\n",
    );
    const outcome = await ingestDriverFile(store, "raw/ds/related/w.csv");
    expect(outcome).toMatchObject({ stored: true, result: { frequency: "H" } });
  });

  it("rejects a bad _dataset.json with its error", async () => {
    const store = new MemoryObjectStore();
    await store.put("raw/ds/_dataset.json", JSON.stringify({ holidays: "Bavaria" }));
    await store.put("raw/ds/related/w.csv", "timestamp,region,t\n2026-01-01,north,1\n");
    const outcome = await ingestDriverFile(store, "raw/ds/related/w.csv");
    expect(outcome).toMatchObject({ stored: false, error: { code: "invalid_dataset_config" } });
    expect(await store.get("drivers/ds/related/w.json")).toBeUndefined();
  });
});
