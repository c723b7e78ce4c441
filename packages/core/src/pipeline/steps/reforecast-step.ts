import pMap from "p-map";
import { DEFAULT_QUANTILES, defaultHorizon } from "../../dataset/dataset-config.ts";
import { Keys, rawKeyKind } from "../../dataset/keys.ts";
import { loadDatasetDrivers } from "../../drivers/customer-drivers.ts";
import { type ReforecastResult, reforecastCustomer } from "../../forecasting/reforecast.ts";
import type { TrainResult } from "../../forecasting/train-job.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import type { RunInput } from "../../ports/pipeline-runner.ts";
import { activeModelsOf } from "../../registry/models.ts";
import { addRunCounts } from "../../registry/runs.ts";
import type { Frequency } from "../../series/frequency.ts";
import type { Manifest, PreprocessResult } from "../manifest.ts";
import type { TrainSummary } from "../pipeline-state.ts";

/** Artifacts read and re-forecast at once: the work is reading and writing objects. */
const CONCURRENCY = 16;
const MAX_LISTED = 20;

/**
 * The related file a run re-forecasts for, when its input is one (`raw/<dataset>/related/<name>.csv`):
 * such a run refits nothing. Derived from the key so a redrive, which rebuilds the input from
 * the run's row, takes the same path.
 */
export function reforecastCause(input: Pick<RunInput, "key">): string | undefined {
  const kind = rawKeyKind(input.key);
  return kind?.kind === "related" ? `related ${input.key.split("/").at(-1)}` : undefined;
}

/**
 * Preprocess of a re-forecast run: nothing to read from the upload (the related file was stored
 * when it arrived); writes the manifest Train, Register and Publish read, with the dataset's
 * registered frequency, horizon and quantiles and no customers to upsert.
 */
export async function reforecastManifest(
  ports: { db: Db; store: ObjectStore },
  input: RunInput,
  cause: string,
): Promise<PreprocessResult> {
  const dataset = await ports.db
    .selectFrom("datasets")
    .select(["config", "frequency"])
    .where("name", "=", input.dataset)
    .executeTakeFirst();
  if (!dataset?.frequency) throw new Error(`dataset ${input.dataset} has no trained models to re-forecast`);
  const config = (
    typeof dataset.config === "string" ? JSON.parse(dataset.config) : dataset.config
  ) as Partial<Pick<Manifest, "horizon" | "quantiles" | "aggregation" | "backend">>;
  const frequency = dataset.frequency as Frequency;
  const now = new Date().toISOString();
  const manifest: Manifest = {
    runId: input.runId,
    dataset: input.dataset,
    sourceKey: input.key,
    frequency,
    frequencyInferred: false,
    horizon: config.horizon ?? defaultHorizon(frequency),
    quantiles: config.quantiles ?? DEFAULT_QUANTILES,
    aggregation: config.aggregation ?? "sum",
    ...(config.backend ? { backend: config.backend } : {}),
    reforecast: { cause },
    customers: [],
    rows: { in: 0, out: 0, quarantined: 0 },
    reasons: {},
    quarantineKey: null,
    timeRange: { start: now, end: now },
    shards: [],
    createdAt: now,
  };
  const manifestKey = Keys.manifest(input.dataset, input.runId);
  await ports.store.put(manifestKey, JSON.stringify(manifest), "application/json");
  await addRunCounts(ports.db, input.runId, { reforecast: cause });
  const { horizon, quantiles, backend } = manifest;
  return {
    manifestKey,
    frequency,
    horizon,
    quantiles,
    ...(backend ? { backend } : {}),
    customers: 0,
    rows: manifest.rows,
    reasons: {},
    quarantineKey: null,
  };
}

/**
 * Train of a re-forecast run: every active model of the dataset forecast again from the related
 * fields now stored (see reforecastCustomer), in this process whatever the training backend,
 * since nothing is fitted. Only the customers whose forecast changes get a new version; the
 * others, and those that cannot be re-forecast (counted with their reason), keep theirs.
 */
export async function reforecastModels(
  ports: { db: Db; store: ObjectStore },
  manifest: Manifest,
  version: string,
  resultsKey: string,
): Promise<TrainSummary> {
  const cause = manifest.reforecast?.cause ?? "new drivers";
  const [models, drivers] = await Promise.all([
    activeModelsOf(ports.db, manifest.dataset),
    loadDatasetDrivers(ports.store, manifest.dataset),
  ]);
  const outcomes: ReforecastResult[] = await pMap(
    models,
    (m) =>
      reforecastCustomer(ports.store, drivers, {
        customerId: m.customer_id,
        activeKey: m.artifact_key,
        modelKey: Keys.model(manifest.dataset, m.customer_id, version),
        version,
        cause,
      }),
    { concurrency: CONCURRENCY },
  );
  const results: TrainResult[] = outcomes.flatMap((o) => (o.status === "updated" ? [o.result] : []));
  const kept = outcomes.filter(
    (o): o is Extract<ReforecastResult, { status: "kept" }> => o.status === "kept",
  );
  await ports.store.put(resultsKey, JSON.stringify(results), "application/json");
  await addRunCounts(ports.db, manifest.runId, {
    customersReforecast: results.length,
    customersUnchanged: outcomes.length - results.length - kept.length,
    customersKept: kept.length,
    reforecastKept: kept.slice(0, MAX_LISTED).map(({ customerId, reason }) => ({ customerId, reason })),
    trainProgress: { done: outcomes.length, total: outcomes.length },
  });
  return { resultsKey, version, trained: results.length, failed: 0 };
}
