import { sql } from "kysely";
import type { Db } from "../ports/database.ts";
import { MyriadError } from "../errors/myriad-error.ts";

/** What deleting a dataset's rows removed. */
export interface DeletedDatasetRows {
  runs: number;
  models: number;
  forecasts: number;
  accuracy: number;
  customers: number;
  /** Customer-scoped keys of the dataset, revoked (kept, as any revoked key is, for the record). */
  keysRevoked: number;
}

/** Whether the database knows the dataset at all: its row, a run or a customer. */
export async function datasetHasRows(db: Db, dataset: string): Promise<boolean> {
  const row = await db
    .selectNoFrom(({ exists, selectFrom }) => [
      exists(selectFrom("datasets").select("name").where("name", "=", dataset)).as("dataset"),
      exists(selectFrom("runs").select("run_id").where("dataset", "=", dataset)).as("runs"),
      exists(selectFrom("customers").select("customer_id").where("dataset", "=", dataset)).as("customers"),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(row.dataset || row.runs || row.customers);
}

/** Runs of the dataset not ended yet: RUNNING, which includes those queued behind another. */
export async function unfinishedRuns(db: Db, dataset: string): Promise<string[]> {
  const rows = await db
    .selectFrom("runs")
    .select("run_id")
    .where("dataset", "=", dataset)
    .where("status", "=", "RUNNING")
    .orderBy("started_at")
    .execute();
  return rows.map((r) => r.run_id);
}

export function datasetBusy(dataset: string, runIds: string[]): MyriadError {
  return new MyriadError(
    409,
    "dataset_busy",
    `dataset ${dataset} has ${runIds.length === 1 ? "a run" : `${runIds.length} runs`} under way (${runIds.slice(0, 3).join(", ")}${runIds.length > 3 ? ", …" : ""}); delete it once ${runIds.length === 1 ? "it has" : "they have"} ended`,
    { runIds },
  );
}

/**
 * Deletes every row of the dataset in one transaction: runs (their state events cascade),
 * models, forecasts, accuracy rows, customers and the dataset's own row; and revokes the keys
 * scoped to its customers, so a dataset created later under the same name does not open to them.
 * A run that is still RUNNING when the runs are deleted (one started since the caller looked)
 * rolls it all back with 409.
 */
export async function deleteDatasetRows(db: Db, dataset: string): Promise<DeletedDatasetRows> {
  return db.transaction().execute(async (tx) => {
    const runs = await tx
      .deleteFrom("runs")
      .where("dataset", "=", dataset)
      .returning(["run_id", "status"])
      .execute();
    const running = runs.filter((r) => r.status === "RUNNING").map((r) => r.run_id);
    if (running.length > 0) throw datasetBusy(dataset, running);
    const count = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);
    const forecasts = count(
      await tx.deleteFrom("forecasts").where("dataset", "=", dataset).executeTakeFirst(),
    );
    const accuracy = count(
      await tx.deleteFrom("forecast_accuracy").where("dataset", "=", dataset).executeTakeFirst(),
    );
    const models = count(await tx.deleteFrom("models").where("dataset", "=", dataset).executeTakeFirst());
    const customers = count(
      await tx.deleteFrom("customers").where("dataset", "=", dataset).executeTakeFirst(),
    );
    await tx.deleteFrom("datasets").where("name", "=", dataset).execute();
    // starts_with rather than LIKE: `_`, common in dataset names, is a LIKE wildcard.
    const revoked = await tx
      .updateTable("api_keys")
      .set({ revoked_at: new Date() })
      .where(sql<boolean>`starts_with(scope, ${`customer:${dataset}/`})`)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return {
      runs: runs.length,
      models,
      forecasts,
      accuracy,
      customers,
      keysRevoked: Number(revoked.numUpdatedRows),
    };
  });
}
