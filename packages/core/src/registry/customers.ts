import { sql } from "kysely";
import type { Db } from "../ports/database.ts";
import type { ManifestCustomer } from "../pipeline/manifest.ts";
import { decodeCursor, encodeCursor } from "./run-queries.ts";

const CHUNK = 1000;

/** Records the dataset and its customers as Preprocess found them. */
export async function upsertCustomers(
  db: Db,
  dataset: string,
  config: Record<string, unknown>,
  frequency: string,
  customers: ManifestCustomer[],
): Promise<void> {
  await db
    .insertInto("datasets")
    .values({ name: dataset, config: JSON.stringify(config), frequency })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({ config: JSON.stringify(config), frequency, updated_at: new Date() }),
    )
    .execute();
  for (let i = 0; i < customers.length; i += CHUNK) {
    await db
      .insertInto("customers")
      .values(
        customers.slice(i, i + CHUNK).map((c) => ({
          dataset,
          customer_id: c.id,
          first_ts: c.first,
          last_ts: c.last,
          points: c.points,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["dataset", "customer_id"]).doUpdateSet((eb) => ({
          first_ts: eb.ref("excluded.first_ts"),
          last_ts: eb.ref("excluded.last_ts"),
          points: eb.ref("excluded.points"),
          updated_at: sql`now()`,
        })),
      )
      .execute();
  }
}

export interface CustomerSummary {
  customerId: string;
  points: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  model: { algorithm: string; version: string; metrics: unknown } | null;
  /** The latest drift verdict of its model; null until actuals scored a forecast. */
  drift: { flagged: boolean; reason: string; version: string; at: string } | null;
}

/**
 * A dataset's customers in id order, with their active model and drift verdict; `search`
 * matches an id prefix, `flag: "drift"` keeps the customers whose model is flagged.
 */
export async function listCustomers(
  db: Db,
  dataset: string,
  options: { limit: number; cursor?: string; search?: string; customerId?: string; flag?: "drift" },
): Promise<{ customers: CustomerSummary[]; nextCursor: string | null }> {
  let q = db
    .selectFrom("customers as c")
    .leftJoin("models as m", (j) =>
      j
        .onRef("m.dataset", "=", "c.dataset")
        .onRef("m.customer_id", "=", "c.customer_id")
        .on("m.active", "=", true),
    )
    .select([
      "c.customer_id",
      "c.points",
      "c.first_ts",
      "c.last_ts",
      "c.drift",
      "m.algorithm",
      "m.version",
      "m.metrics",
    ])
    .where("c.dataset", "=", dataset)
    .orderBy("c.customer_id");
  if (options.flag === "drift") q = q.where(sql<boolean>`(c.drift->>'flagged')::boolean`, "=", true);
  if (options.customerId !== undefined) q = q.where("c.customer_id", "=", options.customerId);
  if (options.search) q = q.where("c.customer_id", "like", `${options.search.replace(/[\\%_]/g, "\\$&")}%`);
  if (options.cursor) q = q.where("c.customer_id", ">", decodeCursor(options.cursor)[0]);
  const rows = await q.limit(options.limit + 1).execute();
  const page = rows.slice(0, options.limit);
  return {
    customers: page.map((r) => ({
      customerId: r.customer_id,
      points: Number(r.points),
      firstTimestamp: r.first_ts ? new Date(r.first_ts).toISOString() : null,
      lastTimestamp: r.last_ts ? new Date(r.last_ts).toISOString() : null,
      model:
        r.algorithm && r.version ? { algorithm: r.algorithm, version: r.version, metrics: r.metrics } : null,
      drift: (typeof r.drift === "string" ? JSON.parse(r.drift) : r.drift) ?? null,
    })),
    nextCursor: rows.length > options.limit ? encodeCursor([page[page.length - 1].customer_id]) : null,
  };
}

export async function customerExists(db: Db, dataset: string, customerId: string): Promise<boolean> {
  const row = await db
    .selectFrom("customers")
    .select("customer_id")
    .where("dataset", "=", dataset)
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listDatasets(db: Db) {
  const rows = await db
    .selectFrom("datasets as d")
    .select((eb) => [
      "d.name",
      "d.frequency",
      "d.config",
      "d.updated_at",
      eb
        .selectFrom("customers as c")
        .whereRef("c.dataset", "=", "d.name")
        .select(eb.fn.countAll<number>().as("n"))
        .as("customers"),
    ])
    .orderBy("d.name")
    .execute();
  return rows.map((r) => ({
    dataset: r.name,
    frequency: r.frequency,
    config: r.config,
    customers: Number(r.customers ?? 0),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
