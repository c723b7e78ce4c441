import pMap from "p-map";
import { unpackArtifact } from "../../artifact/archive.ts";
import { forecastArtifact } from "../../forecasting/forecast-artifact.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { type Publication, publishForecasts } from "../../registry/forecasts.ts";
import { modelsOfRun, type RunModel } from "../../registry/models.ts";
import { addRunCounts } from "../../registry/runs.ts";
import type { PipelineState, PublishSummary } from "../pipeline-state.ts";
import { type ForecastRequest, readShardForecasts, shardForecastsKey } from "../shard-forecasts.ts";
import { writeAggregates } from "./aggregate-step.ts";

/** Customers per Publish transaction when their forecasts come from the shards' objects. */
const BATCH = 250;
/**
 * Publish transactions in flight on PostgreSQL (PGlite runs one at a time): the client encodes
 * one batch while the server writes the other. They touch different customers' rows; each
 * bumps the dataset's generation last, so they wait on each other only at commit.
 */
const WRITES = 2;
/** Shards' forecasts objects read ahead of the writes, so a slow read (S3) does not hold them up. */
const READ_AHEAD = 4;
/** Customers per transaction when their forecasts are computed from artifacts. */
const ARTIFACT_BATCH = 50;
/**
 * Artifacts read and forecast at once: reads wait on S3 (tens of ms each), so one at a time
 * would take 100,000 customers past the Lambda's 15 minutes.
 */
const READS = 16;

type Ports = { db: Db; store: ObjectStore };

interface Run {
  dataset: string;
  runId: string;
  request: ForecastRequest;
}

interface Tally {
  published: number;
  points: number;
  failures: string[];
}

/**
 * Publishes the forecast of every model the run registered and switches each customer to it,
 * many customers per transaction. The forecasts the trainers computed come from each shard's
 * forecasts object (shard-forecasts.ts); a customer without one (a remote backend, a run
 * trained before them, a re-forecast) is forecast from its artifact. A customer whose forecast
 * cannot be had either way keeps its previous model and forecast. Then the dataset's total and
 * group forecasts are computed (see writeAggregates).
 *
 * Resumable: each transaction stamps its models' `activated_at`, so a retry after the Lambda
 * timed out part-way publishes only the models not yet switched in (and never switches a
 * customer back to this run's model if a later run has replaced it since).
 */
export async function publishStep(ports: Ports, state: PipelineState): Promise<PublishSummary> {
  if (!state.preprocess) throw new Error("Publish needs the Preprocess result");
  const { horizon, quantiles } = state.preprocess;
  const registered = await modelsOfRun(ports.db, state.runId);
  const models = registered.filter((m) => m.activated_at === null);
  const before = registered.length - models.length;
  const tally: Tally = { published: 0, points: 0, failures: [] };
  const run = { dataset: state.dataset, runId: state.runId, request: { horizon, quantiles } };
  const shards = (state.preprocess.shards ?? []).map((s) => s.shard);
  const rest = await publishPrecomputed(ports, run, shards, models, tally);
  await publishFromArtifacts(ports, run, rest, tally);
  // Never read again once every model has had its turn, and 20 KB per customer: a run of
  // 100,000 would leave 2 GB behind. Best effort: one left over is only space.
  const forget = (shard: number) =>
    ports.store.delete(shardForecastsKey(run.dataset, run.runId, shard)).catch(() => {});
  await pMap(shards, forget, { concurrency: READS });
  const { published, failures } = tally;
  await addRunCounts(ports.db, state.runId, {
    customersPublished: before + published,
    publishFailures: failures.slice(0, 20),
  });
  if (models.length > 0 && before + published === 0)
    throw new Error(`no forecast could be published: ${failures[0]}`);
  if (before + published > 0) {
    // The totals are extra: a failure to compute them is recorded, and the customers' forecasts stand.
    try {
      const { key, groups } = await writeAggregates(
        ports,
        state.dataset,
        state.runId,
        state.preprocess.frequency,
        horizon,
      );
      await addRunCounts(ports.db, state.runId, { aggregatesKey: key, aggregateGroups: groups });
    } catch (e) {
      await addRunCounts(ports.db, state.runId, { aggregatesError: (e as Error).message });
    }
  }
  return { published: before + published, points: tally.points, failed: failures.length };
}

/**
 * Publishes the models whose forecast a shard's trainer left, WRITES batches at a time while
 * the next shards' objects are read; returns the others (theirs is missing, or the database
 * refused it), in their order.
 */
async function publishPrecomputed(
  ports: Ports,
  run: Run,
  shards: number[],
  models: RunModel[],
  tally: Tally,
): Promise<RunModel[]> {
  const pending = new Map(models.map((m) => [m.customer_id, m]));
  const refused: RunModel[] = [];
  await pMap(
    precomputedBatches(ports.store, run, shards, pending),
    async (batch) => {
      try {
        await publishForecasts(
          ports.db,
          run.dataset,
          batch.map((b) => b.publication),
        );
      } catch {
        // A forecast the database refuses takes its batch back to the artifacts' path, where
        // each customer stands alone; an unreachable database fails that path too.
        refused.push(...batch.map((b) => b.model));
        return;
      }
      tally.published += batch.length;
      tally.points += batch.length * run.request.horizon;
    },
    { concurrency: WRITES },
  );
  return [...refused, ...pending.values()];
}

/** The shards' forecasts of `pending` models in batches, each taken out of `pending`. */
async function* precomputedBatches(
  store: ObjectStore,
  run: Run,
  shards: number[],
  pending: Map<string, RunModel>,
): AsyncGenerator<{ model: RunModel; publication: Publication }[]> {
  // A shard's object that cannot be read leaves its customers to their artifacts.
  const read = (shard: number) =>
    readShardForecasts(store, shardForecastsKey(run.dataset, run.runId, shard), run.request).catch(
      () => undefined,
    );
  // A queue, not a list: each shard's forecasts (20 KB a customer) are let go once batched.
  const reads = shards.slice(0, READ_AHEAD).map(read);
  for (let s = 0; s < shards.length && pending.size > 0; s++) {
    const forecasts = await reads.shift();
    if (s + READ_AHEAD < shards.length) reads.push(read(shards[s + READ_AHEAD]));
    let batch: { model: RunModel; publication: Publication }[] = [];
    for (const f of forecasts ?? []) {
      const model = pending.get(f.customerId);
      if (model?.version !== f.version) continue;
      pending.delete(f.customerId);
      batch.push({ model, publication: f });
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** Reads each model's artifact and forecasts from it: the path for models without a shard's forecast. */
async function publishFromArtifacts(ports: Ports, run: Run, models: RunModel[], tally: Tally): Promise<void> {
  for (let i = 0; i < models.length; i += ARTIFACT_BATCH) {
    const forecasts = await pMap(
      models.slice(i, i + ARTIFACT_BATCH),
      async (model): Promise<Publication | undefined> => {
        try {
          const bytes = await ports.store.get(model.artifact_key);
          if (!bytes) throw new Error(`artifact ${model.artifact_key} is missing`);
          const forecast = forecastArtifact(await unpackArtifact(bytes), run.request);
          return { customerId: model.customer_id, version: model.version, points: forecast.points };
        } catch (e) {
          tally.failures.push(`${model.customer_id}: ${(e as Error).message}`);
          return undefined;
        }
      },
      { concurrency: READS },
    );
    const batch = forecasts.filter((f): f is Publication => f !== undefined);
    await publishForecasts(ports.db, run.dataset, batch);
    tally.published += batch.length;
    tally.points += batch.reduce((n, b) => n + b.points.length, 0);
  }
}
