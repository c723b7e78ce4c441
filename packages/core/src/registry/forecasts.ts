import { sql } from "kysely";
import { jsonColumn } from "../db/json-column.ts";
import type { Db } from "../ports/database.ts";
import type { ForecastPoint } from "../ports/inference-endpoint.ts";

/** One customer's new forecast, with the model version that made it. */
export interface Publication {
  customerId: string;
  version: string;
  /**
   * The points, or their JSON text as the trainer serialised them (forecastArtifact's canonical
   * timestamps): written as given, so Publish never parses and re-serialises 20 KB per customer.
   */
  points: ForecastPoint[] | string;
}

/**
 * Publishes customers' forecasts and makes each one's model version the active one, all in one
 * transaction: a reader sees either a customer's old version with its forecast or the new one
 * with its own, never a mix. Older forecasts are deleted; their registry rows stay. Batching
 * many customers per transaction keeps Publish to a few statements per batch: one multi-row
 * insert carries every forecast.
 */
export async function publishForecasts(db: Db, dataset: string, items: Publication[]): Promise<void> {
  if (items.length === 0) return;
  const ids = items.map((i) => i.customerId);
  const byVersion = new Map<string, string[]>();
  for (const i of items) {
    const customers = byVersion.get(i.version);
    if (customers) customers.push(i.customerId);
    else byVersion.set(i.version, [i.customerId]);
  }
  const rows = items.map((i) => ({
    dataset,
    customer_id: i.customerId,
    version: i.version,
    points: typeof i.points === "string" ? i.points : pointsJson(i.points),
  }));
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("forecasts").where("dataset", "=", dataset).where("customer_id", "in", ids).execute();
    await tx.insertInto("forecasts").values(rows).execute();
    await tx
      .updateTable("models")
      .set({ active: false })
      .where("dataset", "=", dataset)
      .where("customer_id", "in", ids)
      .where("active", "=", true)
      .execute();
    for (const [version, customers] of byVersion) {
      await tx
        .updateTable("models")
        .set({ active: true, activated_at: new Date() })
        .where("dataset", "=", dataset)
        .where("customer_id", "in", customers)
        .where("version", "=", version)
        .execute();
    }
    // Readers that cache forecasts watch this number to know a dataset has changed. Last, so
    // concurrent batches wait on the dataset's row only for each other's commit.
    await tx
      .updateTable("datasets")
      .set({ generation: sql<number>`nextval('publication_generation')` })
      .where("name", "=", dataset)
      .execute();
  });
}

/** The stored form of a forecast: JSON, every timestamp in the API's ISO form. */
function pointsJson(points: ForecastPoint[]): string {
  return JSON.stringify(
    points.every((p) => isCanonicalTime(p.timestamp))
      ? points
      : points.map((p) => ({ ...p, timestamp: new Date(p.timestamp).toISOString() })),
  );
}

/** How many times the dataset has published: changes whenever any of its forecasts does. */
export async function publicationGeneration(db: Db, dataset: string): Promise<number> {
  const row = await db
    .selectFrom("datasets")
    .select("generation")
    .where("name", "=", dataset)
    .executeTakeFirst();
  return Number(row?.generation ?? 0);
}

export interface StoredForecast {
  version: string;
  algorithm: string;
  points: ForecastPoint[];
}

/**
 * The active forecast of a customer, optionally limited to [from, to). One statement joined on
 * the active model, so it reads one consistent version.
 */
export async function readForecast(
  db: Db,
  dataset: string,
  customerId: string,
  range: { from?: Date; to?: Date } = {},
): Promise<StoredForecast | undefined> {
  const row = await db
    .selectFrom("forecasts as f")
    .innerJoin("models as m", (j) =>
      j
        .onRef("m.dataset", "=", "f.dataset")
        .onRef("m.customer_id", "=", "f.customer_id")
        .onRef("m.version", "=", "f.version"),
    )
    .select(["f.points", "m.version", "m.algorithm"])
    .where("f.dataset", "=", dataset)
    .where("f.customer_id", "=", customerId)
    .where("m.active", "=", true)
    .executeTakeFirst();
  if (!row) return undefined;
  const all = jsonColumn(row.points);
  const from = range.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const to = range.to?.getTime() ?? Number.POSITIVE_INFINITY;
  const points =
    range.from || range.to
      ? all.filter((p) => {
          const t = Date.parse(p.timestamp);
          return t >= from && t < to;
        })
      : all;
  if (points.length === 0) return undefined;
  return { version: row.version, algorithm: row.algorithm, points };
}

/** `2026-01-02T00:00:00.000Z`, the form the API serves; models write it, imports may not. */
function isCanonicalTime(t: string): boolean {
  return t.length === 24 && t[10] === "T" && t[23] === "Z";
}
