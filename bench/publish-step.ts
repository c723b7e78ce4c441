/**
 * `npm run bench -- publish --step [--customers 5000] [--dialects pglite,postgres]`: the whole
 * Publish step (store and database, aggregates included) on the embedded stack's bucket folder.
 * Each customer has a real model artifact (a few trained ones, copied) and history. Two runs
 * replace a published forecast: one whose forecasts must come from the artifacts (a remote
 * backend's, the path before trainers handed theirs on), one whose shards carry them. Prints
 * ms per customer, the time 100,000 customers would take, the aggregates' share
 * (writeAggregates timed again on its own), which is the same work on either path, and the
 * step's peak memory in this process.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys } from "@myriad/core/dataset/keys";
import { runTrainJob } from "@myriad/core/forecasting/run-train-job";
import type { TrainResult } from "@myriad/core/forecasting/train-job";
import { shardForecastsKey, writeShardForecasts } from "@myriad/core/pipeline/shard-forecasts";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { writeAggregates } from "@myriad/core/pipeline/steps/aggregate-step";
import { publishStep } from "@myriad/core/pipeline/steps/publish-step";
import type { Db } from "@myriad/core/ports/database";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { upsertCustomers } from "@myriad/core/registry/customers";
import { registerModels } from "@myriad/core/registry/models";
import { createRun } from "@myriad/core/registry/runs";
import { customersOfShard, DEFAULT_CUSTOMERS_PER_SHARD } from "@myriad/core/pipeline/train-shards";
import pMap from "p-map";
import { FolderObjectStore } from "@myriad/local/adapters/folder-object-store";
import { openTestDatabase } from "../test/support/databases.ts";

const DATASET = "bench";
const HORIZON = 168;
const QUANTILES = [0.1, 0.5, 0.9];
const DAYS = 60;
/** Distinct trained models, copied to every customer. */
const MODELS = 4;

interface Trained {
  csv: string;
  artifact: Uint8Array;
  forecast: string;
}

export async function publishStepBench(customers: number, dialects: ("pglite" | "postgres")[]) {
  console.log(
    `publish step bench: ${customers.toLocaleString("en")} customers × ${HORIZON} points, ${DAYS} days of hourly history, bucket folder`,
  );
  console.log(
    "database   forecasts from   step total  ms/customer  100,000 customers   of which aggregates  without them (ms/customer)  peak RSS  peak heap  external",
  );
  for (const dialect of dialects) {
    const dir = await mkdtemp(join(tmpdir(), "myriad-publish-"));
    const { db, close } = await openTestDatabase(dialect);
    try {
      const store = new FolderObjectStore(join(dir, "bucket"));
      const ids = Array.from({ length: customers }, (_, i) => `c${i}`);
      const trained = await trainModels(store);
      await seed(db, store, ids, trained);
      await publishStep({ db, store }, state("run-0", customers, true));
      for (const [run, label, shards] of [
        ["run-1", "artifacts", false],
        ["run-2", "shards", true],
      ] as const) {
        const memory = sampleMemory();
        const started = performance.now();
        const summary = await publishStep({ db, store }, state(run, customers, shards)).finally(memory.stop);
        const ms = performance.now() - started;
        if (summary.published !== customers)
          throw new Error(`published ${summary.published} of ${customers}`);
        const aggregating = performance.now();
        await writeAggregates({ db, store }, DATASET, run, "H", HORIZON);
        const aggregates = performance.now() - aggregating;
        const perCustomer = ms / customers;
        // Aggregates are measured again on their own, after the step: the same work it did last.
        console.log(
          `${dialect.padEnd(10)} ${label.padEnd(14)} ${(ms / 1000).toFixed(1).padStart(8)} s  ${perCustomer.toFixed(3).padStart(9)}  ${((perCustomer * 100_000) / 1000).toFixed(0).padStart(11)} s  ${(aggregates / 1000).toFixed(1).padStart(15)} s  ${((ms - aggregates) / customers).toFixed(3).padStart(16)}  ${mb(memory.peak.rss).padStart(8)}  ${mb(memory.peak.heapUsed).padStart(9)}  ${mb(memory.peak.external).padStart(8)}`,
        );
      }
    } finally {
      await close();
      await rm(dir, { recursive: true, force: true });
    }
  }
}

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;

/**
 * The process's highest resident set, JS heap and external memory (buffers) while the step
 * runs, sampled every 50 ms (the database server is another process, not counted).
 */
function sampleMemory() {
  const peak = { rss: 0, heapUsed: 0, external: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
  };
  const timer = setInterval(sample, 50);
  return {
    peak,
    stop: () => {
      clearInterval(timer);
      sample();
    },
  };
}

/** A few real models with their trainer's forecasts. */
async function trainModels(store: ObjectStore): Promise<Trained[]> {
  const out: Trained[] = [];
  for (let k = 0; k < MODELS; k++) {
    const id = `model${k}`;
    const csv = hourlyCsv(DAYS, k);
    const job = {
      dataset: DATASET,
      customerId: id,
      dataKey: Keys.customerData(DATASET, id),
      modelKey: Keys.model(DATASET, id, "v"),
      version: "v",
      frequency: "H" as const,
      horizon: HORIZON,
      quantiles: QUANTILES,
      forecast: true as const,
    };
    await store.put(job.dataKey, csv);
    const result = await runTrainJob(store, job);
    if (!result.ok || !result.forecast) throw new Error(`training failed: ${JSON.stringify(result)}`);
    out.push({ csv, artifact: (await store.get(job.modelKey)) as Uint8Array, forecast: result.forecast });
  }
  return out;
}

const versionOf = (run: string) => `v${run.slice(4)}`;

/** Customers, their history, and three runs' registered models with artifacts and shard forecasts. */
async function seed(db: Db, store: ObjectStore, ids: string[], trained: Trained[]) {
  const day = new Date(Date.UTC(2026, 0, 1)).toISOString();
  await upsertCustomers(
    db,
    DATASET,
    { horizon: HORIZON },
    "H",
    ids.map((id) => ({
      id,
      dataKey: Keys.customerData(DATASET, id),
      points: 0,
      gaps: 0,
      first: day,
      last: day,
    })),
  );
  await pMap(ids, (id, i) => store.put(Keys.customerData(DATASET, id), trained[i % MODELS].csv), {
    concurrency: 16,
  });
  for (const run of ["run-0", "run-1", "run-2"]) {
    const version = versionOf(run);
    await createRun(db, { runId: run, dataset: DATASET, bucket: "b", key: "raw/x.csv", size: 1, etag: "e" });
    await pMap(ids, (id, i) => store.put(Keys.model(DATASET, id, version), trained[i % MODELS].artifact), {
      concurrency: 16,
    });
    await registerModels(
      db,
      ids.map((id) => ({
        dataset: DATASET,
        customerId: id,
        version,
        runId: run,
        algorithm: "bench",
        metrics: {},
        selection: {},
        artifactKey: Keys.model(DATASET, id, version),
      })),
    );
    if (run === "run-1") continue;
    for (const shard of shardsOf(ids.length)) {
      const results = customersOfShard(ids, shard).map(
        (id): TrainResult => ({
          ok: true,
          customerId: id,
          version,
          modelKey: Keys.model(DATASET, id, version),
          algorithm: "bench",
          metrics: {} as never,
          reason: "",
          trainedPoints: 0,
          durationMs: 0,
          forecast: trained[Number(id.slice(1)) % MODELS].forecast,
        }),
      );
      await writeShardForecasts(
        store,
        shardForecastsKey(DATASET, run, shard.shard),
        { horizon: HORIZON, quantiles: QUANTILES },
        results,
      );
    }
  }
}

function shardsOf(customers: number) {
  const of = Math.ceil(customers / DEFAULT_CUSTOMERS_PER_SHARD);
  return Array.from({ length: of }, (_, shard) => ({ shard, of }));
}

/** Publish's input; without shards, every forecast comes from its artifact. */
function state(runId: string, customers: number, shards: boolean): PipelineState {
  return {
    runId,
    dataset: DATASET,
    bucket: "b",
    key: "raw/x.csv",
    size: 1,
    etag: "e",
    preprocess: {
      manifestKey: "",
      frequency: "H",
      horizon: HORIZON,
      quantiles: QUANTILES,
      customers,
      rows: { in: 0, out: 0, quarantined: 0 },
      reasons: {},
      quarantineKey: null,
      ...(shards ? { shards: shardsOf(customers) } : {}),
    },
  };
}

/** A daily cycle with noise, hourly, `days` long; `k` varies the level and the noise. */
function hourlyCsv(days: number, k: number): string {
  const start = Date.UTC(2025, 10, 1);
  let seed = 17 + k;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const lines = ["timestamp,value"];
  for (let i = 0; i < days * 24; i++) {
    const v = 50 + 10 * k + 20 * Math.sin((2 * Math.PI * (i % 24)) / 24) + 5 * noise();
    lines.push(`${new Date(start + i * 3_600_000).toISOString()},${v.toFixed(3)}`);
  }
  return `${lines.join("\n")}\n`;
}
