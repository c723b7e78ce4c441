import type { Db } from "../ports/database.ts";
import type { ModelRow } from "../db/schema.ts";

export interface NewModel {
  dataset: string;
  customerId: string;
  version: string;
  runId: string;
  algorithm: string;
  metrics: unknown;
  selection: unknown;
  artifactKey: string;
}

const CHUNK = 500;

/** Registers trained versions, inactive until Publish switches them in with their forecasts. */
export async function registerModels(db: Db, models: NewModel[]): Promise<number> {
  for (let i = 0; i < models.length; i += CHUNK) {
    await db
      .insertInto("models")
      .values(
        models.slice(i, i + CHUNK).map((m) => ({
          dataset: m.dataset,
          customer_id: m.customerId,
          version: m.version,
          run_id: m.runId,
          algorithm: m.algorithm,
          metrics: JSON.stringify(m.metrics),
          selection: JSON.stringify(m.selection),
          artifact_key: m.artifactKey,
        })),
      )
      .onConflict((oc) => oc.columns(["dataset", "customer_id", "version"]).doNothing())
      .execute();
  }
  return models.length;
}

/** What Publish needs of a model the run registered. */
export type RunModel = Pick<ModelRow, "customer_id" | "version" | "artifact_key" | "activated_at">;

/**
 * Models a run registered, for Publish: only the columns it uses, since a run may have
 * 100,000 and their metrics would be parsed for nothing.
 */
export async function modelsOfRun(db: Db, runId: string): Promise<RunModel[]> {
  return db
    .selectFrom("models")
    .select(["customer_id", "version", "artifact_key", "activated_at"])
    .where("run_id", "=", runId)
    .orderBy("customer_id")
    .execute();
}

export async function activeModel(
  db: Db,
  dataset: string,
  customerId: string,
): Promise<ModelRow | undefined> {
  return customerModels(db, dataset, customerId).where("active", "=", true).executeTakeFirst();
}

/** A customer's model versions, to narrow to one. */
function customerModels(db: Db, dataset: string, customerId: string) {
  return db
    .selectFrom("models")
    .selectAll()
    .where("dataset", "=", dataset)
    .where("customer_id", "=", customerId);
}

/** The active model of every customer of a dataset (what a re-forecast run starts from). */
export async function activeModelsOf(
  db: Db,
  dataset: string,
  /** Only these customers' (a training shard's), rather than the whole dataset's. */
  customerIds?: readonly string[],
): Promise<Pick<ModelRow, "customer_id" | "version" | "artifact_key">[]> {
  if (customerIds?.length === 0) return [];
  return db
    .selectFrom("models")
    .select(["customer_id", "version", "artifact_key"])
    .where("dataset", "=", dataset)
    .where("active", "=", true)
    .$if(customerIds !== undefined, (q) => q.where("customer_id", "in", customerIds as string[]))
    .orderBy("customer_id")
    .execute();
}

/** Whether any customer of the dataset has an active model. */
export async function hasActiveModels(db: Db, dataset: string): Promise<boolean> {
  const row = await db
    .selectFrom("models")
    .select("customer_id")
    .where("dataset", "=", dataset)
    .where("active", "=", true)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** One version of a customer's model, active or not. */
export async function modelVersion(
  db: Db,
  dataset: string,
  customerId: string,
  version: string,
): Promise<ModelRow | undefined> {
  return customerModels(db, dataset, customerId).where("version", "=", version).executeTakeFirst();
}

/** Every version of a customer's model, newest first. */
export async function modelHistory(
  db: Db,
  dataset: string,
  customerId: string,
  limit = 50,
): Promise<ModelRow[]> {
  return db
    .selectFrom("models")
    .selectAll()
    .where("dataset", "=", dataset)
    .where("customer_id", "=", customerId)
    .orderBy("created_at", "desc")
    .orderBy("version", "desc")
    .limit(limit)
    .execute();
}
