import pMap from "p-map";
import { unpackArtifact } from "../../artifact/archive.ts";
import { forecastArtifact } from "../../forecasting/forecast-artifact.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { type Publication, publishForecasts } from "../../registry/forecasts.ts";
import { modelsOfRun } from "../../registry/models.ts";
import { addRunCounts } from "../../registry/runs.ts";
import type { PipelineState, PublishSummary } from "../pipeline-state.ts";
import { writeAggregates } from "./aggregate-step.ts";

/** Customers per Publish transaction. */
const BATCH = 50;
/**
 * Artifacts read and forecast at once: reads wait on S3 (tens of ms each), so one at a time
 * would take 100,000 customers past the Lambda's 15 minutes.
 */
const READS = 16;

/**
 * Forecasts every model the run registered and switches each customer to it, fifty customers
 * per transaction. A customer whose artifact cannot be read keeps its previous model and forecast.
 * Then the dataset's total and group forecasts are computed (see writeAggregates).
 *
 * Resumable: each transaction stamps its models' `activated_at`, so a retry after the Lambda
 * timed out part-way publishes only the models not yet switched in (and never switches a
 * customer back to this run's model if a later run has replaced it since).
 */
export async function publishStep(
  ports: { db: Db; store: ObjectStore },
  state: PipelineState,
): Promise<PublishSummary> {
  if (!state.preprocess) throw new Error("Publish needs the Preprocess result");
  const { horizon, quantiles } = state.preprocess;
  const registered = await modelsOfRun(ports.db, state.runId);
  const models = registered.filter((m) => m.activated_at === null);
  const before = registered.length - models.length;
  let published = 0;
  let points = 0;
  const failures: string[] = [];
  for (let i = 0; i < models.length; i += BATCH) {
    const forecasts = await pMap(
      models.slice(i, i + BATCH),
      async (model): Promise<Publication | undefined> => {
        try {
          const bytes = await ports.store.get(model.artifact_key);
          if (!bytes) throw new Error(`artifact ${model.artifact_key} is missing`);
          const forecast = forecastArtifact(await unpackArtifact(bytes), { horizon, quantiles });
          return { customerId: model.customer_id, version: model.version, points: forecast.points };
        } catch (e) {
          failures.push(`${model.customer_id}: ${(e as Error).message}`);
          return undefined;
        }
      },
      { concurrency: READS },
    );
    const batch = forecasts.filter((f): f is Publication => f !== undefined);
    await publishForecasts(ports.db, state.dataset, batch);
    published += batch.length;
    points += batch.reduce((n, b) => n + b.points.length, 0);
  }
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
  return { published: before + published, points, failed: failures.length };
}
