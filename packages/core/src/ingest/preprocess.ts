import pMap from "p-map";
import { type DatasetConfig, defaultHorizon, parseDatasetConfig } from "../dataset/dataset-config.ts";
import { assertSafeIdentifier } from "../dataset/identifiers.ts";
import { Keys } from "../dataset/keys.ts";
import { badRequest, MyriadError } from "../errors/myriad-error.ts";
import type { Manifest, ManifestCustomer, PreprocessResult } from "../pipeline/manifest.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import type { RunInput } from "../ports/pipeline-runner.ts";
import type { Frequency } from "../series/frequency.ts";
import { seriesEnd } from "../series/series.ts";
import { type BucketGrid, bucketGrid } from "./bucket-index.ts";
import { historyGaps, frequencyFromGaps } from "./infer-frequency.ts";
import { IngestSink } from "./ingest-sink.ts";
import { mergeHistory } from "./merge-history.ts";
import { type Buckets, PagePool } from "./paged-buckets.ts";
import { PartitionReplay } from "./partition-replay.ts";
import { QuarantineWriter } from "./quarantine-writer.ts";
import { encodeSeriesCsv } from "./series-csv.ts";
import { ReadingSpill } from "./reading-spill.ts";
import { readRows } from "./read-rows.ts";
import { DEFAULT_SHARD_SIZE, shardPrefixes } from "./shards.ts";
import { parseTimestamp } from "./timestamp.ts";

export interface PreprocessOptions {
  /** The run's clock: readings later than `now` + 1 day are `future_timestamp`. Default: now. */
  now?: Date;
  /** Most customers per training shard (default 250). */
  shardSize?: number;
  /**
   * Customer series read and written at once (default 32): S3 latency (tens of ms a request), not
   * CPU, bounds this step, and 100,000 customers must fit in the Lambda's 15 minutes.
   */
  concurrency?: number;
  /** Spill partitions (default: from the input's size, see {@link spillPartitions}). */
  partitions?: number;
}

/**
 * Readings a spill partition should hold at most: a partition's buckets (24 bytes each, at most
 * one a reading) are what Preprocess holds in memory, here under 50 MB.
 */
const PARTITION_READINGS = 2_000_000;
/** Bytes of a short meter row (`c1,2025-01-01T00:00:00Z,1.5`), to estimate readings from the size. */
const ROW_BYTES = 24;
/** gzip CSV counted as 8 bytes a byte, as the Lambda sizing does (CSV compresses 3–8×). */
const GZIP_RATIO = 8;
const MAX_PARTITIONS = 256;

/** Customers whose history is sampled to keep a dataset's inferred frequency stable across uploads. */
const HISTORY_SAMPLE = 3;
const decoder = new TextDecoder();

/**
 * The Preprocess state: turns one uploaded file into clean per-customer series.
 *
 * Reads `raw/<dataset>/_dataset.json` (optional), streams the upload (CSV or gzip CSV) row by
 * row, quarantines bad rows to `quarantine/<dataset>/<runId>.csv` with their line and reason,
 * aggregates readings into the dataset frequency, merges each customer's buckets into
 * `customers/<dataset>/<id>/data.csv` (later upload wins per bucket, and the buckets it replaces
 * or sends again are counted; gaps are not filled; see {@link mergeHistory}) and writes
 * `manifests/<dataset>/<runId>.json` for Train.
 *
 * Two passes: the file is read once, its readings routed by customer into spill partitions on
 * local disk ({@link IngestSink}); then each partition is replayed, merged with history and
 * written ({@link PartitionReplay}). Memory is the buckets of at most two partitions (one
 * replayed while the previous one is written; about {@link PARTITION_READINGS} readings' worth
 * each) plus a small record per customer, whatever the file's size or the customer count; the
 * spill is removed at the end, failed or not.
 *
 * The frequency is, in order: `_dataset.json`'s; the frequency of the dataset's existing series
 * (so a small later upload cannot re-grid the history); inferred from the first rows.
 *
 * @throws MyriadError `no_valid_rows` (400) when no row survives validation (the quarantine is
 *   still written, and named in the error's details); `missing_columns`, `invalid_dataset_config`,
 *   `unreadable_input` (400); `input_not_found` (404).
 */
export async function preprocess(
  store: ObjectStore,
  input: RunInput,
  options: PreprocessOptions = {},
): Promise<PreprocessResult> {
  const now = options.now ?? new Date();
  const dataset = assertSafeIdentifier("dataset", input.dataset);
  const config = await readDatasetConfig(store, dataset);
  const knownFrequency = config.frequency ?? (await historyFrequency(store, dataset));
  const quarantine = new QuarantineWriter();
  let spill: ReadingSpill | undefined;
  /** The previous partition's series being written while the next one is replayed. */
  let writing: Promise<void> | undefined;
  try {
    const source = await store.getStream(input.key);
    if (source === undefined) throw new MyriadError(404, "input_not_found", `${input.key} not found`);
    spill = await ReadingSpill.create(options.partitions ?? spillPartitions(input));
    const sink = new IngestSink({ frequency: knownFrequency, now, quarantine, spill });
    const stats = await readRows(source, sink, { names: config.columns, delimiter: config.delimiter }).catch(
      (error: unknown) => {
        throw asInputError(error, input.key);
      },
    );
    if (sink.accepted === 0) {
      // Nothing was spilled, so the replay cannot add rejections: the quarantine is complete.
      const quarantineKey = await quarantine.write(store, Keys.quarantine(dataset, input.runId));
      const rows = { in: stats.rows, out: 0, quarantined: quarantine.count };
      const reasons: Record<string, number> = { ...quarantine.reasons };
      const why = Object.entries(reasons)
        .map(([reason, n]) => `${reason}: ${n}`)
        .join(", ");
      throw badRequest(
        "no_valid_rows",
        `${input.key} has no valid row (${stats.rows} rows read${why ? `; ${why}` : ""})`,
        { rows, reasons, quarantineKey },
      );
    }
    await spill.finish();

    const frequency = sink.frequency();
    const grid = bucketGrid(frequency);
    const customers: ManifestCustomer[] = [];
    let readingsReplaced = 0;
    let readingsResent = 0;
    let rejectedOnReplay = 0;
    const pages = new PagePool(config.aggregation);
    const writePartition = async (replay: PartitionReplay) => {
      const written = await pMap(
        replay.customers(),
        (customer) =>
          writeCustomer(store, dataset, sink.ids[customer], replay.take(customer), grid, config.aggregation),
        { concurrency: options.concurrency ?? 32 },
      );
      for (const w of written) {
        if (w === undefined) continue;
        customers.push(w.customer);
        readingsReplaced += w.replaced;
        readingsResent += w.resent;
      }
    };
    for (let p = 0; p < spill.partitions; p++) {
      const partition = spill.read(p);
      quarantine.startRun();
      const replay = new PartitionReplay(
        partition,
        grid,
        config.aggregation,
        (line, reason, raw) => quarantine.add(line, reason, raw),
        pages,
      );
      try {
        for (const records of partition.chunks()) {
          replay.add(records);
          const flushing = quarantine.flush();
          if (flushing !== undefined) await flushing;
          // Lets the previous partition's writes progress while this one is replayed.
          else await new Promise(setImmediate);
        }
      } finally {
        partition.close();
      }
      rejectedOnReplay += replay.rejected;
      await spill.drop(p);
      // At most two partitions' buckets are held: the one being written and this one.
      await writing;
      writing = writePartition(replay);
      // Awaited above or below; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
    customers.sort((a, b) => (a.id < b.id ? -1 : 1));
    const quarantineKey = await quarantine.write(store, Keys.quarantine(dataset, input.runId));
    const rows = { in: stats.rows, out: sink.accepted - rejectedOnReplay, quarantined: quarantine.count };
    const reasons: Record<string, number> = { ...quarantine.reasons };

    const manifestKey = Keys.manifest(dataset, input.runId);
    const horizon = config.horizon ?? defaultHorizon(frequency);
    const manifest: Manifest = {
      runId: input.runId,
      dataset,
      sourceKey: input.key,
      frequency,
      // Inferred = not given by _dataset.json (whether from the history or from this file).
      frequencyInferred: config.frequency === undefined,
      horizon,
      quantiles: config.quantiles,
      aggregation: config.aggregation,
      backend: config.backend,
      ...(config.algorithm === undefined ? {} : { algorithm: config.algorithm }),
      toleratedFailurePercentage: config.toleratedFailurePercentage,
      retrain: config.retrain,
      anomalies: config.anomalies,
      ...(config.holidays === undefined ? {} : { holidays: config.holidays }),
      ...(config.related === undefined ? {} : { related: config.related }),
      customers,
      rows,
      reasons,
      quarantineKey,
      timeRange: timeRange(customers),
      shards: shardPrefixes(
        Keys.customersPrefix(dataset),
        customers.map((c) => c.id),
        options.shardSize ?? DEFAULT_SHARD_SIZE,
      ),
      createdAt: now.toISOString(),
    };
    await store.put(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, "application/json");
    return {
      manifestKey,
      frequency,
      horizon,
      quantiles: config.quantiles,
      backend: config.backend,
      customers: customers.length,
      rows,
      reasons,
      quarantineKey,
      readingsReplaced,
      readingsResent,
    };
  } finally {
    // A failed run still lets the series writes under way finish before it reports.
    await writing?.catch(() => undefined);
    await quarantine.dispose();
    await spill?.dispose();
  }
}

/** `raw/<dataset>/_dataset.json`, validated; the defaults when there is none. */
export async function readDatasetConfig(store: ObjectStore, dataset: string): Promise<DatasetConfig> {
  const bytes = await store.get(Keys.datasetConfig(dataset));
  if (bytes === undefined) return parseDatasetConfig({});
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw badRequest("invalid_dataset_config", `_dataset.json is not JSON: ${(error as Error).message}`);
  }
  return parseDatasetConfig(json);
}

/** The grid of the dataset's existing series, from the first few `data.csv` files; undefined if none. */
export async function historyFrequency(store: ObjectStore, dataset: string): Promise<Frequency | undefined> {
  const gaps: number[] = [];
  let sampled = 0;
  for await (const object of store.list(Keys.customersPrefix(dataset))) {
    if (!object.key.endsWith("/data.csv")) continue;
    const bytes = await store.get(object.key);
    if (bytes !== undefined) gaps.push(...historyGaps(decoder.decode(bytes), parseTimestamp));
    if (++sampled >= HISTORY_SAMPLE) break;
  }
  return frequencyFromGaps(gaps);
}

async function writeCustomer(
  store: ObjectStore,
  dataset: string,
  id: string,
  upload: Buckets,
  grid: BucketGrid,
  aggregation: "sum" | "mean",
): Promise<{ customer: ManifestCustomer; replaced: number; resent: number } | undefined> {
  // A customer whose every row was rejected is not part of this run.
  if (upload.indices.length === 0) return undefined;
  const dataKey = Keys.customerData(dataset, id);
  const history = await store.get(dataKey);
  const { series, points, changed, replaced, resent } = mergeHistory(history, upload, grid, aggregation);
  // Unchanged series (a re-upload) are not rewritten: nothing changes, not even a timestamp.
  if (changed) await store.put(dataKey, encodeSeriesCsv(series), "text/csv");
  const customer = {
    id,
    dataKey,
    points,
    gaps: series.values.length - points,
    first: new Date(series.start).toISOString(),
    last: new Date(seriesEnd(series)).toISOString(),
  };
  return { customer, replaced, resent };
}

/** Enough spill partitions that each holds about {@link PARTITION_READINGS} readings at most. */
function spillPartitions(input: Pick<RunInput, "key" | "size">): number {
  const bytes = input.size * (input.key.endsWith(".gz") ? GZIP_RATIO : 1);
  return Math.min(MAX_PARTITIONS, Math.max(1, Math.ceil(bytes / ROW_BYTES / PARTITION_READINGS)));
}

function timeRange(customers: ManifestCustomer[]): Manifest["timeRange"] {
  let start = customers[0].first;
  let end = customers[0].last;
  for (const c of customers) {
    if (c.first < start) start = c.first;
    if (c.last > end) end = c.last;
  }
  return { start, end };
}

/** A stream that is not CSV text (corrupt gzip, I/O failure mid-file) fails the run as bad input. */
function asInputError(error: unknown, key: string): unknown {
  if (error instanceof MyriadError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("Z_")) {
    return badRequest("unreadable_input", `${key}: not a readable gzip file (${(error as Error).message})`);
  }
  return error;
}
