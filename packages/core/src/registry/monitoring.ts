import type { DriftState, ForecastAccuracyRow } from "../db/schema.ts";
import type { TrainResult } from "../forecasting/train-job.ts";
import { sql } from "kysely";
import type { Db } from "../ports/database.ts";

const CHUNK = 500;

/**
 * Keeps what a run's training learned about the forecasts already published: each previous
 * version's realised accuracy (replacing an earlier score of the same version, which saw fewer
 * of its steps) and each customer's latest drift verdict. Returns how many were flagged.
 */
export async function recordMonitoring(
  db: Db,
  dataset: string,
  runId: string,
  results: TrainResult[],
): Promise<{ scored: number; flagged: number }> {
  const scored = results.flatMap((r) =>
    r.monitoring ? [{ customerId: r.customerId, ...r.monitoring }] : [],
  );
  const at = new Date().toISOString();
  for (let i = 0; i < scored.length; i += CHUNK) {
    const chunk = scored.slice(i, i + CHUNK);
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto("forecast_accuracy")
        .values(
          chunk.map(({ customerId, realised: r }) => ({
            dataset,
            customer_id: customerId,
            version: r.version,
            run_id: runId,
            from_ts: r.from,
            to_ts: r.to,
            points: r.points,
            wape: r.wape,
            mase: r.mase,
            wql: r.wql,
            coverage: r.coverage,
            backtest_wql: r.backtestWql,
            scored_at: at,
          })),
        )
        .onConflict((oc) =>
          oc.columns(["dataset", "customer_id", "version"]).doUpdateSet((eb) => ({
            run_id: eb.ref("excluded.run_id"),
            from_ts: eb.ref("excluded.from_ts"),
            to_ts: eb.ref("excluded.to_ts"),
            points: eb.ref("excluded.points"),
            wape: eb.ref("excluded.wape"),
            mase: eb.ref("excluded.mase"),
            wql: eb.ref("excluded.wql"),
            coverage: eb.ref("excluded.coverage"),
            backtest_wql: eb.ref("excluded.backtest_wql"),
            scored_at: eb.ref("excluded.scored_at"),
          })),
        )
        .execute();
      for (const { customerId, realised, drift } of chunk) {
        const state: DriftState = { ...drift, version: realised.version, at };
        await tx
          .updateTable("customers")
          .set({ drift: JSON.stringify(state) })
          .where("dataset", "=", dataset)
          .where("customer_id", "=", customerId)
          .execute();
      }
    });
  }
  return { scored: scored.length, flagged: scored.filter((s) => s.drift.flagged).length };
}

/** Each trained customer's count of anomalous history points, one statement per chunk. */
export async function recordAnomalyCounts(db: Db, dataset: string, results: TrainResult[]): Promise<number> {
  const counts = results.flatMap((r) =>
    r.ok && r.anomalies !== undefined ? [[r.customerId, r.anomalies] as const] : [],
  );
  for (let i = 0; i < counts.length; i += CHUNK) {
    const values = sql.join(counts.slice(i, i + CHUNK).map(([id, n]) => sql`(${id}::text, ${n}::integer)`));
    await sql`update customers c set anomalies = v.n from (values ${values}) as v(id, n)
      where c.dataset = ${dataset} and c.customer_id = v.id`.execute(db);
  }
  return counts.reduce((sum, [, n]) => sum + n, 0);
}

/** A customer's latest drift verdict: null when none yet, undefined when there is no such customer. */
export async function customerDrift(
  db: Db,
  dataset: string,
  customerId: string,
): Promise<DriftState | null | undefined> {
  const row = await db
    .selectFrom("customers")
    .select("drift")
    .where("dataset", "=", dataset)
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
  if (!row) return undefined;
  return (typeof row.drift === "string" ? JSON.parse(row.drift) : row.drift) ?? null;
}

/** A customer's scored versions, newest forecast first. */
export async function customerAccuracy(
  db: Db,
  dataset: string,
  customerId: string,
  limit = 100,
): Promise<ForecastAccuracyRow[]> {
  return db
    .selectFrom("forecast_accuracy")
    .selectAll()
    .where("dataset", "=", dataset)
    .where("customer_id", "=", customerId)
    .orderBy("from_ts", "desc")
    .limit(limit)
    .execute();
}

/** Realised accuracy over a dataset's latest scores: one row per customer, its newest version. */
export async function datasetAccuracy(db: Db, dataset: string) {
  const rows = await db
    .selectFrom("forecast_accuracy")
    .select([
      "customer_id",
      "version",
      "points",
      "wape",
      "mase",
      "wql",
      "coverage",
      "backtest_wql",
      "from_ts",
    ])
    .where("dataset", "=", dataset)
    .orderBy("customer_id")
    .orderBy("from_ts", "desc")
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if (!latest.has(r.customer_id)) latest.set(r.customer_id, r);
  return [...latest.values()];
}
