import { sql } from "kysely";
import type { Db } from "../ports/database.ts";
import type { ManifestCustomer } from "../pipeline/manifest.ts";
import { badRequest } from "../errors/myriad-error.ts";
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
  /** Realised wQL of its most recently forecast scored version; null until one was scored. */
  realisedWql: number | null;
}

/**
 * How a customer list is ordered. `id`: natural order, i.e. shorter ids first, then ids of the
 * same length byte by byte (collation "C"), so numeric ids come as 1, 2, …, 10 and any ids get
 * one stable total order. The metrics: worst first (descending), customers without the metric
 * last, ties in natural order.
 */
export const CUSTOMER_SORTS = ["id", "backtestWql", "realisedWql"] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

/**
 * A dataset's customers in natural id order (see {@link CustomerSort}) or worst first by a
 * metric, with their active model, drift verdict and realised wQL; `search` matches an id
 * prefix, `flag: "drift"` keeps the customers whose model is flagged.
 *
 * Paging is keyset, so it stays exact however many customers there are and whatever changes
 * between pages: the cursor holds the last row's sort key, i.e. its id (`[id]`) or, sorted by
 * a metric, `[sort, value, id]` with the value as the database wrote it (exact float8 text) or
 * null. A cursor from one sort is refused by another.
 */
export async function listCustomers(
  db: Db,
  dataset: string,
  options: CustomerListOptions,
): Promise<{ customers: CustomerSummary[]; nextCursor: string | null }> {
  const sort = options.sort ?? "id";
  const { rows } = await customerListQuery(dataset, options).execute(db);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    customers: page.map((r) => ({
      customerId: r.customer_id,
      points: Number(r.points),
      firstTimestamp: r.first_ts ? new Date(r.first_ts).toISOString() : null,
      lastTimestamp: r.last_ts ? new Date(r.last_ts).toISOString() : null,
      model:
        r.algorithm && r.version ? { algorithm: r.algorithm, version: r.version, metrics: r.metrics } : null,
      drift: (typeof r.drift === "string" ? JSON.parse(r.drift) : r.drift) ?? null,
      realisedWql: r.realised_wql === null || r.realised_wql === undefined ? null : Number(r.realised_wql),
    })),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor(sort === "id" ? [last.customer_id] : [sort, last.sort_value ?? "", last.customer_id])
        : null,
  };
}

export interface CustomerListOptions {
  limit: number;
  cursor?: string;
  search?: string;
  customerId?: string;
  flag?: "drift";
  sort?: CustomerSort;
}

interface CustomerRow {
  customer_id: string;
  points: number;
  first_ts: Date | string | null;
  last_ts: Date | string | null;
  drift: CustomerSummary["drift"] | string | null;
  algorithm: string | null;
  version: string | null;
  metrics: unknown;
  realised_wql: number | null;
  sort_value: string | null;
}

/**
 * The query behind {@link listCustomers}: one row more than the limit, to tell if a next page
 * exists. The page is chosen first, from the customers alone when sorted by id (a walk along
 * customers_natural_idx from the cursor, a few milliseconds wherever it is in 100,000
 * customers), and only its rows are joined to their model and realised accuracy. Sorted by a
 * metric, no index can hold the order (the value lives in another table), so each page ranks
 * the dataset's customers by it: a top-N sort, some tenths of a second at 100,000 customers.
 */
export function customerListQuery(dataset: string, options: CustomerListOptions) {
  const sort = options.sort ?? "id";
  // The sort value as text: float8 and jsonb numbers print exactly, so the cursor round-trips.
  const value =
    sort === "backtestWql"
      ? sql`m.metrics->>'averageWql'`
      : sort === "realisedWql"
        ? sql`r.wql::text`
        : sql`null::text`;
  const metric = sort === "backtestWql" ? sql`(m.metrics->>'averageWql')::float8` : sql`r.wql`;
  const join =
    sort === "backtestWql"
      ? sql`left join models m on m.dataset = c.dataset and m.customer_id = c.customer_id and m.active`
      : sort === "realisedWql"
        ? // Every customer's latest score at once: one pass, where a probe per customer costs 3×.
          sql`left join (
            select distinct on (fa.customer_id) fa.customer_id, fa.wql from forecast_accuracy fa
            where fa.dataset = ${dataset} order by fa.customer_id, fa.from_ts desc, fa.version desc
          ) r on r.customer_id = c.customer_id`
        : sql``;
  const where = [sql`c.dataset = ${dataset}`];
  if (options.flag === "drift") where.push(sql`(c.drift->>'flagged')::boolean`);
  if (options.customerId !== undefined) where.push(sql`c.customer_id = ${options.customerId}`);
  if (options.search) where.push(sql`c.customer_id like ${`${options.search.replace(/[\\%_]/g, "\\$&")}%`}`);
  if (options.cursor) {
    const after = parseCustomerCursor(options.cursor, sort);
    // Natural order's two keys, as customers_natural_idx holds them.
    const natural = sql`(length(c.customer_id), c.customer_id collate "C") > (length(${after.id}), ${after.id} collate "C")`;
    if (after.sort === "id") where.push(natural);
    else if (after.value === null) where.push(sql`${metric} is null and ${natural}`);
    else {
      const v = sql`${after.value}::float8`;
      where.push(sql`(${metric} < ${v} or (${metric} = ${v} and ${natural}) or ${metric} is null)`);
    }
  }
  const order = (alias: string, key: ReturnType<typeof sql> | null) => {
    const id = sql.ref(`${alias}.customer_id`);
    return key
      ? sql`${key} desc nulls last, length(${id}), ${id} collate "C"`
      : sql`length(${id}), ${id} collate "C"`;
  };
  return sql<CustomerRow>`
    select p.customer_id, p.points, p.first_ts, p.last_ts, p.drift, p.sort_value,
      m.algorithm, m.version, m.metrics, r.wql as realised_wql
    from (
      select c.customer_id, c.points, c.first_ts, c.last_ts, c.drift, ${value} as sort_value
      from customers c ${join}
      where ${sql.join(where, sql` and `)}
      order by ${order("c", sort === "id" ? null : metric)}
      limit ${options.limit + 1}
    ) p
    left join models m on m.dataset = ${dataset} and m.customer_id = p.customer_id and m.active
    left join lateral (
      select fa.wql from forecast_accuracy fa
      where fa.dataset = ${dataset} and fa.customer_id = p.customer_id
      order by fa.from_ts desc, fa.version desc limit 1
    ) r on true
    order by ${order("p", sort === "id" ? null : sql`p.sort_value::float8`)}`;
}

/** float8 as PostgreSQL writes it; anything else would fail the cast as a 500, not a 400. */
const FLOAT_TEXT = /^(-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?|NaN|-?Infinity)$/i;

/** PostgreSQL refuses text that overflows float8 or underflows it to zero. */
function castable(value: string): boolean {
  if (/^(NaN|-?Infinity)$/i.test(value)) return true;
  const n = Number(value);
  return Number.isFinite(n) && (n !== 0 || !/[1-9]/.test(value.replace(/e.*$/i, "")));
}

/** A customer list's cursor, checked against the sort it is used with. */
function parseCustomerCursor(
  cursor: string,
  sort: CustomerSort,
): { sort: "id"; id: string } | { sort: Exclude<CustomerSort, "id">; value: string | null; id: string } {
  const parts = decodeCursor(cursor);
  if (sort === "id" && parts.length === 1) return { sort, id: parts[0] };
  if (sort !== "id" && parts.length === 3 && parts[0] === sort) {
    const [, value, id] = parts;
    if (value === "") return { sort, value: null, id };
    if (FLOAT_TEXT.test(value) && castable(value)) return { sort, value, id };
  }
  throw badRequest("invalid_cursor", "cursor is not one this API returned for this sort");
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
