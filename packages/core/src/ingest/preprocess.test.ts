import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { MyriadError } from "../errors/myriad-error.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import type { RunInput } from "../ports/pipeline-runner.ts";
import { generateRows } from "./generate.ts";
import { MemoryObjectStore } from "./memory-object-store.ts";
import { preprocess } from "./preprocess.ts";

const NOW = new Date("2025-06-01T00:00:00Z");

function upload(store: MemoryObjectStore, key: string, body: string | Uint8Array, runId = "run-1"): RunInput {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  void store.put(key, bytes);
  const dataset = key.split("/").length === 3 ? key.split("/")[1] : "default";
  return { runId, dataset, bucket: "test", key, size: bytes.length, etag: "e" };
}

function manifestOf(store: MemoryObjectStore, key: string): Manifest {
  return JSON.parse(store.text(key) ?? "null") as Manifest;
}

describe("preprocess", () => {
  it("turns the generator's irregular readings into hourly series with a manifest", async () => {
    const store = new MemoryObjectStore(4096);
    const csv = [...generateRows({ customers: 3, days: 4, start: new Date("2025-01-01"), seed: 7 })].join("");
    const input = upload(store, "raw/meters/jan.csv", csv);

    const result = await preprocess(store, input, { now: NOW });

    expect(result).toMatchObject({
      manifestKey: "manifests/meters/run-1.json",
      frequency: "H",
      horizon: 168,
      quantiles: [0.1, 0.5, 0.9],
      customers: 3,
      rows: { in: 288, out: 288, quarantined: 0 },
      reasons: {},
      quarantineKey: null,
    });
    // No backend in _dataset.json: the deployment's default decides.
    expect(result.backend).toBeUndefined();
    const manifest = manifestOf(store, result.manifestKey);
    expect(manifest.frequencyInferred).toBe(true);
    expect(manifest.customers.map((c) => [c.id, c.points, c.gaps])).toEqual([
      ["0", 96, 0],
      ["1", 96, 0],
      ["2", 96, 0],
    ]);
    expect(manifest.timeRange).toEqual({
      start: "2025-01-01T00:00:00.000Z",
      end: "2025-01-04T23:00:00.000Z",
    });
    expect(manifest.shards).toEqual(["customers/meters/"]);
    const series = store.text("customers/meters/1/data.csv") ?? "";
    expect(series.split("\n").slice(0, 2)).toEqual([
      "timestamp,value",
      expect.stringMatching(/^2025-01-01T00:00:00.000Z,\d/),
    ]);
    expect(series.trim().split("\n")).toHaveLength(97);
  });

  it("reads gzip the same as plain text", async () => {
    const csv = "customer_id,timestamp,consumption\na,2025-01-01 00:10:00,1\na,2025-01-01 01:10:00,2\n";
    const plain = new MemoryObjectStore();
    const zipped = new MemoryObjectStore();
    await preprocess(plain, upload(plain, "raw/x.csv", csv), { now: NOW });
    await preprocess(zipped, upload(zipped, "raw/x.csv.gz", gzipSync(csv)), { now: NOW });
    expect(zipped.text("customers/default/a/data.csv")).toBe(plain.text("customers/default/a/data.csv"));
    expect(plain.text("customers/default/a/data.csv")).toBe(
      "timestamp,value\n2025-01-01T00:00:00.000Z,1\n2025-01-01T01:00:00.000Z,2\n",
    );
  });

  it("fails with no_valid_rows and still writes the quarantine", async () => {
    const store = new MemoryObjectStore();
    const input = upload(store, "raw/bad.csv", "customer_id,timestamp,consumption\na,yesterday,1\n");
    const error = await preprocess(store, input, { now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MyriadError);
    expect(error).toMatchObject({ status: 400, code: "no_valid_rows" });
    expect((error as MyriadError).message).toContain("unparsable_timestamp: 1");
    expect(store.text("quarantine/default/run-1.csv")).toBe(
      'line,reason,row\n2,unparsable_timestamp,"a,yesterday,1"\n',
    );
    expect(store.objects.has("manifests/default/run-1.json")).toBe(false);
  });
});

const HEADER = "customer_id,timestamp,consumption";
const lines = (...rows: string[]) => `${[HEADER, ...rows].join("\n")}\n`;

describe("preprocess: validation and quarantine", () => {
  it("quarantines every kind of bad row with its line and reason, and counts them", async () => {
    const store = new MemoryObjectStore();
    const text = lines(
      "a,2025-01-01 00:00:00,1", // 2 ok
      "a,2025-01-01 00:00:00,1", // 3 duplicate_row
      "a,2025-01-01 00:00:00,2", // 4 conflicting_duplicate
      "a,2025-01-01 01:00:00", // 5 missing_field
      "a/b,2025-01-01 01:00:00,1", // 6 invalid_customer_id
      "a,2025-13-01 01:00:00,1", // 7 unparsable_timestamp
      "a,1899-12-31 23:00:00,1", // 8 timestamp_out_of_range
      "a,2025-06-03 00:00:00,1", // 9 future_timestamp (now + 1 day < this)
      "a,2025-01-01 01:00:00,n/a", // 10 non_numeric_value
      "a,2025-01-01 01:00:00,NaN", // 11 non_finite_value
      "a,2025-01-01 01:00:00,-5", // 12 negative_value
      'a,"2025-01-01 02:00:00,3', // 13 malformed_csv (the quote never closes)
    );
    const result = await preprocess(store, upload(store, "raw/q/file.csv", text), { now: NOW });
    expect(result.rows).toEqual({ in: 12, out: 1, quarantined: 11 });
    expect(result.reasons).toEqual({
      duplicate_row: 1,
      conflicting_duplicate: 1,
      missing_field: 1,
      invalid_customer_id: 1,
      unparsable_timestamp: 1,
      timestamp_out_of_range: 1,
      future_timestamp: 1,
      non_numeric_value: 1,
      non_finite_value: 1,
      negative_value: 1,
      malformed_csv: 1,
    });
    expect(result.quarantineKey).toBe("quarantine/q/run-1.csv");
    const quarantined = (store.text("quarantine/q/run-1.csv") ?? "").trimEnd().split("\n");
    expect(quarantined[0]).toBe("line,reason,row");
    expect(quarantined.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "3,duplicate_row",
      "4,conflicting_duplicate",
      "5,missing_field",
      "6,invalid_customer_id",
      "7,unparsable_timestamp",
      "8,timestamp_out_of_range",
      "9,future_timestamp",
      "10,non_numeric_value",
      "11,non_finite_value",
      "12,negative_value",
      "13,malformed_csv",
    ]);
    expect(manifestOf(store, result.manifestKey).reasons).toEqual(result.reasons);
    // The first of two conflicting readings is kept.
    expect(store.text("customers/q/a/data.csv")).toBe("timestamp,value\n2025-01-01T00:00:00.000Z,1\n");
  });

  it("quarantines a repeat far from its twin (an overlapping export appended), not summing it", async () => {
    for (const frequency of [undefined, "H"]) {
      const store = new MemoryObjectStore();
      if (frequency) await store.put("raw/dup/_dataset.json", JSON.stringify({ frequency }));
      const text = lines(
        "a,2025-01-01 00:00:00,1",
        "a,2025-01-01 01:00:00,2",
        "a,2025-01-01 02:00:00,3",
        "a,2025-01-01 00:00:00,1", // 5 duplicate_row
        "a,2025-01-01 01:00:00,5", // 6 conflicting_duplicate
      );
      const result = await preprocess(store, upload(store, "raw/dup/file.csv", text), { now: NOW });
      expect(result.rows).toEqual({ in: 5, out: 3, quarantined: 2 });
      const quarantined = (store.text("quarantine/dup/run-1.csv") ?? "").trimEnd().split("\n").slice(1);
      expect(quarantined.map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
        "5,duplicate_row",
        "6,conflicting_duplicate",
      ]);
      expect(store.text("customers/dup/a/data.csv")).toBe(
        "timestamp,value\n2025-01-01T00:00:00.000Z,1\n2025-01-01T01:00:00.000Z,2\n2025-01-01T02:00:00.000Z,3\n",
      );
    }
  });

  it("never uses an unsafe customer id in a key, and leaves out customers with no valid row", async () => {
    const store = new MemoryObjectStore();
    const text = lines(
      "../../x,2025-01-01 00:00:00,1",
      "ok,2025-01-01 00:00:00,1",
      "late,2030-01-01 00:00:00,1",
    );
    const result = await preprocess(store, upload(store, "raw/s/f.csv", text), { now: NOW });
    expect(result.customers).toBe(1);
    expect([...store.objects.keys()].filter((k) => k.startsWith("customers/"))).toEqual([
      "customers/s/ok/data.csv",
    ]);
    expect(manifestOf(store, result.manifestKey).customers.map((c) => c.id)).toEqual(["ok"]);
  });

  it("fails on bad input with clear codes", async () => {
    const store = new MemoryObjectStore();
    const failure = (input: RunInput) => preprocess(store, input, { now: NOW }).catch((e: unknown) => e);
    expect(await failure(upload(store, "raw/x.csv", "id,when,kwh\na,2025-01-01,1\n"))).toMatchObject({
      code: "missing_columns",
    });
    expect(await failure(upload(store, "raw/y.csv", ""))).toMatchObject({ code: "no_valid_rows" });
    expect(
      await failure(upload(store, "raw/z.csv.gz", gzipSync(lines("a,2025-01-01,1")).slice(0, 25))),
    ).toMatchObject({
      code: "unreadable_input",
    });
    expect(await failure({ ...upload(store, "raw/w.csv", lines()), key: "raw/gone.csv" })).toMatchObject({
      status: 404,
      code: "input_not_found",
    });
    expect(await failure({ ...upload(store, "raw/v.csv", lines()), dataset: "../x" })).toMatchObject({
      code: "invalid_dataset",
    });
    await store.put("raw/cfg/_dataset.json", "{ not json");
    expect(await failure(upload(store, "raw/cfg/a.csv", lines("a,2025-01-01,1")))).toMatchObject({
      code: "invalid_dataset_config",
    });
    await store.put("raw/cfg/_dataset.json", JSON.stringify({ frequency: "2H" }));
    expect(await failure(upload(store, "raw/cfg/a.csv", lines("a,2025-01-01,1")))).toMatchObject({
      code: "invalid_dataset_config",
    });
  });
});

describe("preprocess: spill partitions", () => {
  // Customers interleaved, each with an overlapping export appended (distant repeats, some
  // conflicting), finer readings than the frequency, and bad rows between them.
  const rows: string[] = [];
  for (let h = 0; h < 30; h++) {
    for (const id of ["a", "b", "c", "d", "e"])
      rows.push(`${id},2025-01-01 ${String(h % 24).padStart(2, "0")}:${h < 24 ? "00" : "30"}:00,${h}`);
    if (h % 7 === 3) rows.push(`x/y,2025-01-01 00:00:00,1`);
  }
  for (let h = 0; h < 10; h++)
    for (const id of ["c", "a"])
      rows.push(`${id},2025-01-01 ${String(h).padStart(2, "0")}:00:00,${h % 3 === 0 ? h : 99}`);
  const text = lines(...rows);

  it("gives the same series, quarantine and counts whatever the number of partitions", async () => {
    const outputs = [];
    for (const partitions of [1, 3, 7]) {
      const store = new MemoryObjectStore(64);
      await store.put("raw/p/_dataset.json", JSON.stringify({ frequency: "H" }));
      const result = await preprocess(store, upload(store, "raw/p/f.csv", text), { now: NOW, partitions });
      const objects = [...store.objects.keys()].sort().map((key) => [key, store.text(key)]);
      outputs.push({ result, objects });
    }
    // 150 readings, 4 unsafe ids, and 20 repeats: 00:00, 03:00, 06:00, 09:00 resent as they
    // were (duplicate_row) and the other six with 99 (conflicting), for a and c each.
    expect(outputs[0].result.rows).toEqual({ in: 174, out: 150, quarantined: 24 });
    expect(outputs[0].result.reasons).toEqual({
      invalid_customer_id: 4,
      duplicate_row: 8,
      conflicting_duplicate: 12,
    });
    const quarantine = outputs[0].objects.find(([key]) => key === "quarantine/p/run-1.csv")?.[1] ?? "";
    const lineNumbers = quarantine
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split(",")[0]));
    expect(lineNumbers).toEqual([...lineNumbers].sort((x, y) => x - y));
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });

  it("leaves no spill file behind, whether the run succeeds or fails", async () => {
    const previous = process.env.TMPDIR;
    const temp = await mkdtemp(join(tmpdir(), "preprocess-spill-test-"));
    process.env.TMPDIR = temp;
    try {
      const store = new MemoryObjectStore(64);
      await preprocess(store, upload(store, "raw/p/f.csv", text), { now: NOW, partitions: 3 });
      expect(await readdir(temp)).toEqual([]);

      // Fails while writing the series, after the whole file was spilled.
      const failing = new MemoryObjectStore(64);
      failing.put = async (key, body, type) => {
        if (key.startsWith("customers/")) throw new Error("disk full");
        return MemoryObjectStore.prototype.put.call(failing, key, body, type);
      };
      const error = await preprocess(failing, upload(failing, "raw/p/f.csv", text), {
        now: NOW,
        partitions: 3,
      }).catch((e: unknown) => e);
      expect((error as Error).message).toBe("disk full");
      expect(await readdir(temp)).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      await rm(temp, { recursive: true, force: true });
    }
  });
});

describe("preprocess: configuration", () => {
  it("follows _dataset.json: columns, delimiter, frequency, mean, horizon, quantiles, backend", async () => {
    const store = new MemoryObjectStore();
    await store.put(
      "raw/cfg/_dataset.json",
      JSON.stringify({
        frequency: "D",
        aggregation: "mean",
        horizon: 10,
        quantiles: [0.9, 0.1],
        columns: { customerId: "meter", timestamp: "read_at", value: "kwh" },
        delimiter: ";",
        backend: "sagemaker",
        algorithm: "seasonal_naive",
      }),
    );
    const text =
      "meter;read_at;kwh\nm1;2025-01-01T08:00:00+02:00;2\nm1;2025-01-01T20:00:00Z;4,5\nm1;2025-01-03;1\n";
    const result = await preprocess(store, upload(store, "raw/cfg/a.csv", text), { now: NOW });
    expect(result).toMatchObject({
      frequency: "D",
      horizon: 10,
      quantiles: [0.1, 0.9],
      backend: "sagemaker",
    });
    const manifest = manifestOf(store, result.manifestKey);
    expect(manifest).toMatchObject({
      frequencyInferred: false,
      aggregation: "mean",
      algorithm: "seasonal_naive",
    });
    expect(manifest.customers).toEqual([
      {
        id: "m1",
        dataKey: "customers/cfg/m1/data.csv",
        points: 2,
        gaps: 1,
        first: "2025-01-01T00:00:00.000Z",
        last: "2025-01-03T00:00:00.000Z",
      },
    ]);
    expect(store.text("customers/cfg/m1/data.csv")).toBe(
      "timestamp,value\n2025-01-01T00:00:00.000Z,3.25\n2025-01-03T00:00:00.000Z,1\n",
    );
  });

  it("infers the frequency per customer (interleaved customers do not halve it) and defaults the horizon", async () => {
    const store = new MemoryObjectStore(1024);
    const rows = Array.from({ length: 40 }, (_, i) => {
      const t = new Date(Date.UTC(2025, 0, 1) + i * 15 * 60_000).toISOString();
      return `c${i % 2},${t},1`;
    });
    // Two customers, each every 30 minutes, offset by 15: the per-customer gaps say 30min.
    const result = await preprocess(store, upload(store, "raw/f/a.csv", lines(...rows)), { now: NOW });
    expect(result.frequency).toBe("30min");
    expect(result.horizon).toBe(336);
  });

  it("splits many customers into shard prefixes", async () => {
    const store = new MemoryObjectStore(4096);
    const csv = [...generateRows({ customers: 30, days: 1, start: new Date("2025-01-01"), seed: 2 })].join(
      "",
    );
    const result = await preprocess(store, upload(store, "raw/sh/a.csv", csv), { now: NOW, shardSize: 5 });
    const manifest = manifestOf(store, result.manifestKey);
    for (const c of manifest.customers) {
      expect(manifest.shards.filter((s) => c.dataKey.startsWith(s))).toHaveLength(1);
    }
    expect(manifest.shards.length).toBeGreaterThan(5);
  });
});

describe("preprocess: incremental uploads", () => {
  it("merges into history; the later upload wins on the same bucket", async () => {
    const store = new MemoryObjectStore();
    await preprocess(
      store,
      upload(store, "raw/m/1.csv", lines("a,2025-01-01 00:10:00,1", "a,2025-01-01 01:10:00,2")),
      {
        now: NOW,
      },
    );
    const second = await preprocess(
      store,
      upload(store, "raw/m/2.csv", lines("a,2025-01-01 01:20:00,5", "a,2025-01-01 03:20:00,7"), "run-2"),
      { now: NOW },
    );
    expect(store.text("customers/m/a/data.csv")).toBe(
      "timestamp,value\n2025-01-01T00:00:00.000Z,1\n2025-01-01T01:00:00.000Z,5\n2025-01-01T03:00:00.000Z,7\n",
    );
    expect(manifestOf(store, second.manifestKey).customers[0]).toMatchObject({ points: 3, gaps: 1 });
  });

  it("counts the steps of the history a later upload replaced, and those it sent again unchanged", async () => {
    const store = new MemoryObjectStore();
    const first = await preprocess(
      store,
      upload(
        store,
        "raw/m/1.csv",
        lines("a,2025-01-01 00:00:00,1", "a,2025-01-01 01:00:00,2", "b,2025-01-01 00:00:00,3"),
      ),
      { now: NOW },
    );
    // Nothing in the history yet: nothing replaced.
    expect(first).toMatchObject({ readingsReplaced: 0, readingsResent: 0 });
    const second = await preprocess(
      store,
      upload(
        store,
        "raw/m/2.csv",
        // a 00:00 changed, a 01:00 the same, a 02:00 new; b 00:00 changed.
        lines(
          "a,2025-01-01 00:00:00,10",
          "a,2025-01-01 01:00:00,2",
          "a,2025-01-01 02:00:00,4",
          "b,2025-01-01 00:00:00,30",
        ),
        "run-2",
      ),
      { now: NOW },
    );
    expect(second).toMatchObject({ readingsReplaced: 2, readingsResent: 1 });
    expect(store.text("customers/m/a/data.csv")).toBe(
      "timestamp,value\n2025-01-01T00:00:00.000Z,10\n2025-01-01T01:00:00.000Z,2\n2025-01-01T02:00:00.000Z,4\n",
    );
  });

  it("changes nothing when the same file is uploaded again", async () => {
    const store = new MemoryObjectStore(4096);
    const csv = [...generateRows({ customers: 4, days: 3, start: new Date("2025-01-01"), seed: 3 })].join("");
    const first = await preprocess(store, upload(store, "raw/r/a.csv", csv), { now: NOW });
    const before = new Map(
      [...store.objects].filter(([k]) => k.startsWith("customers/")).map(([k, v]) => [k, v.body]),
    );
    const putsBefore = new Map(store.puts);
    const again = await preprocess(store, upload(store, "raw/r/a.csv", csv, "run-2"), { now: NOW });
    for (const [key, body] of before) {
      expect(store.objects.get(key)?.body).toEqual(body);
      expect(store.puts.get(key)).toBe(putsBefore.get(key));
    }
    const m1 = manifestOf(store, first.manifestKey);
    const m2 = manifestOf(store, again.manifestKey);
    expect(m2.customers).toEqual(m1.customers);
    expect(again.rows).toEqual(first.rows);
  });

  it("keeps the dataset's frequency from its history when a later upload looks coarser", async () => {
    const store = new MemoryObjectStore(1024);
    const hourly = Array.from(
      { length: 48 },
      (_, i) => `a,${new Date(Date.UTC(2025, 0, 1, i)).toISOString()},1`,
    );
    await preprocess(store, upload(store, "raw/k/1.csv", lines(...hourly)), { now: NOW });
    const daily = ["b,2025-02-01,1", "b,2025-02-02,1", "b,2025-02-03,1"];
    const result = await preprocess(store, upload(store, "raw/k/2.csv", lines(...daily), "run-2"), {
      now: NOW,
    });
    expect(result.frequency).toBe("H");
    expect(manifestOf(store, result.manifestKey).frequencyInferred).toBe(true);
  });
});
