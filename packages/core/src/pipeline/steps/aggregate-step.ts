import pMap from "p-map";
import { Keys } from "../../dataset/keys.ts";
import { jsonColumn } from "../../db/json-column.ts";
import { loadMetadata } from "../../drivers/metadata.ts";
import { aggregateForecast, type GroupForecast, GroupTotal } from "../../forecasting/aggregate.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { activeModelsOf } from "../../registry/models.ts";
import type { Frequency } from "../../series/frequency.ts";
import { seriesFromCsvBytes } from "../../series/series.ts";

/** Customers read at once: series come from the store, forecasts from the database. */
const BATCH = 200;
const READS = 32;
/** An attribute with more distinct values than this (an address, a meter number) is no grouping. */
export const MAX_GROUPS = 50;

/** `runs/<dataset>/<runId>/aggregates.json`: what `GET …/aggregate` serves. */
export interface Aggregates {
  runId: string;
  createdAt: string;
  /** `""` → the dataset total (one group, key `all`); an attribute → one group per value. */
  by: Record<string, ({ key: string } & GroupForecast)[]>;
}

export const aggregatesKey = (dataset: string, runId: string) => `runs/${dataset}/${runId}/aggregates.json`;

/**
 * The dataset's total forecast, and one per value of each item-metadata attribute that splits
 * the customers into 2 to {@link MAX_GROUPS} groups, from every active customer's history and
 * published forecast (see aggregateForecast). Written once per publishing run; customers are
 * read in batches and added to running totals, so memory holds one series per group.
 */
export async function writeAggregates(
  ports: { db: Db; store: ObjectStore },
  dataset: string,
  runId: string,
  frequency: Frequency,
  horizon: number,
): Promise<{ key: string; groups: number }> {
  const [models, metadata] = await Promise.all([
    activeModelsOf(ports.db, dataset),
    loadMetadata(ports.store, dataset),
  ]);
  const ids = models.map((m) => m.customer_id);
  const attributes = groupingAttributes(ids, metadata.customers);
  const totals = new Map<string, Map<string, GroupTotal>>([["", new Map([["all", new GroupTotal()]])]]);
  for (const a of attributes) totals.set(a, new Map());
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const [series, forecasts] = await Promise.all([
      pMap(
        batch,
        async (id) => {
          const bytes = await ports.store.get(Keys.customerData(dataset, id));
          return bytes ? seriesFromCsvBytes(bytes, frequency) : undefined;
        },
        { concurrency: READS },
      ),
      publishedMeans(ports.db, dataset, batch),
    ]);
    batch.forEach((id, k) => {
      const s = series[k];
      const f = forecasts.get(id);
      if (!s || !f) return;
      totals.get("")?.get("all")?.add(s, f);
      for (const a of attributes) {
        const value = metadata.customers[id]?.[a];
        if (value === undefined) continue;
        const groups = totals.get(a) as Map<string, GroupTotal>;
        let total = groups.get(value);
        if (!total) groups.set(value, (total = new GroupTotal()));
        total.add(s, f);
      }
    });
  }
  const by: Aggregates["by"] = {};
  let count = 0;
  for (const [attribute, groups] of totals) {
    by[attribute] = [];
    for (const [key, total] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const forecast = aggregateForecast(total, horizon);
      if (forecast) {
        by[attribute].push({ key, ...forecast });
        count++;
      }
    }
  }
  const key = aggregatesKey(dataset, runId);
  const body: Aggregates = { runId, createdAt: new Date().toISOString(), by };
  await ports.store.put(key, JSON.stringify(body), "application/json");
  return { key, groups: count };
}

/** Attributes whose values split the customers into 2 to MAX_GROUPS groups. */
function groupingAttributes(ids: string[], customers: Record<string, Record<string, string>>): string[] {
  const values = new Map<string, Set<string>>();
  for (const id of ids) {
    for (const [a, v] of Object.entries(customers[id] ?? {})) {
      let set = values.get(a);
      if (!set) values.set(a, (set = new Set()));
      if (set.size <= MAX_GROUPS) set.add(v);
    }
  }
  return [...values]
    .filter(([, set]) => set.size >= 2 && set.size <= MAX_GROUPS)
    .map(([a]) => a)
    .sort();
}

/** Each customer's active published means by timestamp. */
async function publishedMeans(
  db: Db,
  dataset: string,
  ids: string[],
): Promise<Map<string, Map<number, number>>> {
  const rows = await db
    .selectFrom("forecasts as f")
    .innerJoin("models as m", (j) =>
      j
        .onRef("m.dataset", "=", "f.dataset")
        .onRef("m.customer_id", "=", "f.customer_id")
        .onRef("m.version", "=", "f.version"),
    )
    .select(["f.customer_id", "f.points"])
    .where("f.dataset", "=", dataset)
    .where("f.customer_id", "in", ids)
    .where("m.active", "=", true)
    .execute();
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    out.set(r.customer_id, new Map(jsonColumn(r.points).map((p) => [Date.parse(p.timestamp), p.mean])));
  }
  return out;
}
