import type { Db } from "../ports/database.ts";
import type { ForecastPoint } from "../ports/inference-endpoint.ts";

const CORE_KEYS = new Set(["timestamp", "mean", "p10", "p50", "p90"]);
const CHUNK = 1000;

/** One customer's new forecast, with the model version that made it. */
export interface Publication {
  customerId: string;
  version: string;
  points: ForecastPoint[];
}

/**
 * Publishes customers' forecasts and makes each one's model version the active one, all in one
 * transaction: a reader sees either a customer's old version with its forecast or the new one
 * with its own, never a mix. Older forecasts are deleted; their registry rows stay. Batching
 * many customers per transaction keeps Publish to a few statements per batch.
 */
export async function publishForecasts(db: Db, dataset: string, items: Publication[]): Promise<void> {
  if (items.length === 0) return;
  const ids = items.map((i) => i.customerId);
  const rows = items.flatMap(({ customerId, version, points }) =>
    points.map((p) => {
      const extra: Record<string, number> = {};
      for (const [k, v] of Object.entries(p)) if (!CORE_KEYS.has(k)) extra[k] = v as number;
      return {
        dataset,
        customer_id: customerId,
        version,
        ts: p.timestamp,
        mean: p.mean,
        p10: p.p10 ?? null,
        p50: p.p50 ?? null,
        p90: p.p90 ?? null,
        extra: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
      };
    }),
  );
  const byVersion = new Map<string, string[]>();
  for (const i of items) byVersion.set(i.version, [...(byVersion.get(i.version) ?? []), i.customerId]);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("forecasts").where("dataset", "=", dataset).where("customer_id", "in", ids).execute();
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx
        .insertInto("forecasts")
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
    await tx
      .updateTable("models")
      .set({ active: false })
      .where("dataset", "=", dataset)
      .where("customer_id", "in", ids)
      .where("active", "=", true)
      .execute();
    // Readers that cache forecasts watch this number to know a dataset has changed.
    await tx
      .updateTable("datasets")
      .set((eb) => ({ generation: eb("generation", "+", 1) }))
      .where("name", "=", dataset)
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
  });
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
  let q = db
    .selectFrom("forecasts as f")
    .innerJoin("models as m", (j) =>
      j
        .onRef("m.dataset", "=", "f.dataset")
        .onRef("m.customer_id", "=", "f.customer_id")
        .onRef("m.version", "=", "f.version"),
    )
    .select(["f.ts", "f.mean", "f.p10", "f.p50", "f.p90", "f.extra", "m.version", "m.algorithm"])
    .where("f.dataset", "=", dataset)
    .where("f.customer_id", "=", customerId)
    .where("m.active", "=", true)
    .orderBy("f.ts");
  if (range.from) q = q.where("f.ts", ">=", range.from);
  if (range.to) q = q.where("f.ts", "<", range.to);
  const rows = await q.execute();
  if (rows.length === 0) return undefined;
  return {
    version: rows[0].version,
    algorithm: rows[0].algorithm,
    points: rows.map((r) => {
      const point: ForecastPoint = { timestamp: new Date(r.ts).toISOString(), mean: r.mean };
      if (r.p10 !== null) point.p10 = r.p10;
      if (r.p50 !== null) point.p50 = r.p50;
      if (r.p90 !== null) point.p90 = r.p90;
      if (r.extra) Object.assign(point, typeof r.extra === "string" ? JSON.parse(r.extra) : r.extra);
      return point;
    }),
  };
}
