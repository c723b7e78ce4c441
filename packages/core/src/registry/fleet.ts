import { sql } from "kysely";
import type { Db } from "../ports/database.ts";

/** Upper edges of the accuracy histogram's bins (average wQL); the last bin is open. */
export const WQL_BINS = [0.02, 0.05, 0.1, 0.2, 0.5, 1];

export interface HistogramBin {
  /** [from, to): `to` null for the open last bin. */
  from: number;
  to: number | null;
  customers: number;
}

export interface Ranked {
  customerId: string;
  wql: number;
  algorithm: string | null;
}

export interface FleetSummary {
  dataset: string;
  customers: number;
  /** Customers per algorithm of their active model, most used first. */
  algorithms: { algorithm: string; customers: number }[];
  /** Backtest accuracy of the active models, and realised accuracy of the latest scored versions. */
  backtest: { histogram: HistogramBin[]; worst: Ranked[] };
  realised: { histogram: HistogramBin[]; worst: Ranked[]; scored: number };
  drift: { flagged: number };
  /** Anomalous history points at the customers' last training, and how many customers have any. */
  anomalies: { customers: number; points: number };
  coldStart: number;
}

const WORST = 10;

/**
 * One dataset at a glance, computed in the database so it costs the same at 100 customers as
 * at 100,000: the algorithm mix, histograms of backtest and realised wQL, the worst customers
 * by each, and how many models drifted or forecast from a cohort.
 */
export async function fleetSummary(db: Db, dataset: string): Promise<FleetSummary> {
  const backtestWql = sql<number>`(m.metrics->>'averageWql')::float8`;
  const [customers, algorithms, backtestBins, backtestWorst, realisedBins, realisedWorst, flags] =
    await Promise.all([
      db
        .selectFrom("customers")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("dataset", "=", dataset)
        .executeTakeFirst(),
      db
        .selectFrom("models")
        .select(["algorithm", (eb) => eb.fn.countAll<number>().as("n")])
        .where("dataset", "=", dataset)
        .where("active", "=", true)
        .groupBy("algorithm")
        .orderBy("n", "desc")
        .orderBy("algorithm")
        .execute(),
      histogram(
        db,
        sql`select ${backtestWql} as wql from models m where m.dataset = ${dataset} and m.active`,
      ),
      db
        .selectFrom("models as m")
        .select(["m.customer_id", "m.algorithm", backtestWql.as("wql")])
        .where("m.dataset", "=", dataset)
        .where("m.active", "=", true)
        .where(backtestWql, "is not", null)
        .orderBy(backtestWql, "desc")
        .orderBy("m.customer_id")
        .limit(WORST)
        .execute(),
      histogram(db, latestRealised(dataset)),
      sql<{ customer_id: string; wql: number; algorithm: string | null }>`
        select r.customer_id, r.wql, m.algorithm
        from (${latestRealised(dataset)}) r
        left join models m on m.dataset = ${dataset} and m.customer_id = r.customer_id and m.active
        where r.wql is not null
        order by r.wql desc, r.customer_id
        limit ${WORST}`.execute(db),
      db
        .selectFrom("customers as c")
        .select([
          sql<number>`count(*) filter (where (c.drift->>'flagged')::boolean)`.as("flagged"),
          sql<number>`count(*) filter (where c.anomalies > 0)`.as("anomalous"),
          sql<number>`coalesce(sum(c.anomalies), 0)`.as("anomalies"),
          sql<number>`(select count(*) from models m where m.dataset = ${dataset} and m.active and m.selection->>'cohort' is not null)`.as(
            "cold",
          ),
        ])
        .where("c.dataset", "=", dataset)
        .executeTakeFirst(),
    ]);
  const ranked = (rows: { customer_id: string; wql: number; algorithm: string | null }[]): Ranked[] =>
    rows.map((r) => ({ customerId: r.customer_id, wql: Number(r.wql), algorithm: r.algorithm }));
  return {
    dataset,
    customers: Number(customers?.n ?? 0),
    algorithms: algorithms.map((a) => ({ algorithm: a.algorithm, customers: Number(a.n) })),
    backtest: { histogram: backtestBins.bins, worst: ranked(backtestWorst) },
    realised: {
      histogram: realisedBins.bins,
      worst: ranked(realisedWorst.rows),
      scored: realisedBins.total,
    },
    drift: { flagged: Number(flags?.flagged ?? 0) },
    anomalies: { customers: Number(flags?.anomalous ?? 0), points: Number(flags?.anomalies ?? 0) },
    coldStart: Number(flags?.cold ?? 0),
  };
}

/** Each customer's most recently forecast scored version. */
function latestRealised(dataset: string) {
  return sql`select distinct on (customer_id) customer_id, wql
    from forecast_accuracy where dataset = ${dataset}
    order by customer_id, from_ts desc`;
}

/** Counts of `wql` from the rows of `source` in the bins of {@link WQL_BINS}. */
async function histogram(
  db: Db,
  source: ReturnType<typeof sql>,
): Promise<{ bins: HistogramBin[]; total: number }> {
  const edges = sql.join(WQL_BINS.map((e) => sql`${e}::float8`));
  const { rows } = await sql<{ bin: number; n: number }>`
    select width_bucket(s.wql, array[${edges}]) as bin, count(*) as n
    from (${source}) s where s.wql is not null group by 1`.execute(db);
  const counts = new Map(rows.map((r) => [Number(r.bin), Number(r.n)]));
  const bins = [0, ...WQL_BINS].map((from, i) => ({
    from,
    to: WQL_BINS[i] ?? null,
    customers: counts.get(i) ?? 0,
  }));
  return { bins, total: bins.reduce((a, b) => a + b.customers, 0) };
}
