import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CustomerSort,
  customerListQuery,
  listCustomers,
  upsertCustomers,
} from "@myriad/core/registry/customers";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const customer = (id: string) => ({
  id,
  dataKey: `customers/x/${id}/data.csv`,
  points: 1,
  gaps: 0,
  first: "2026-01-01T00:00:00Z",
  last: "2026-01-01T00:00:00Z",
});

/** Every id of a list, page by page, with the number of pages it took. */
async function walk(
  t: TestDatabase,
  dataset: string,
  options: { limit: number; search?: string; sort?: CustomerSort; flag?: "drift" },
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listCustomers(t.db, dataset, { ...options, cursor });
    ids.push(...page.customers.map((c) => c.customerId));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  return { ids, pages };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

for (const dialect of DIALECTS) {
  describe(`customer lists on ${dialect}: natural order, metric sorts, exact keyset paging`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(() => t.close());

    it("lists numeric ids in numeric order, 10 a page, none repeated or missing", async () => {
      // Inserted shuffled: the order comes from the query, not from the heap.
      const ids = range(1, 25).sort(() => 0.5 - Math.random());
      await upsertCustomers(t.db, "n", {}, "H", ids.map(customer));
      const { ids: listed, pages } = await walk(t, "n", { limit: 10 });
      expect(listed).toEqual(range(1, 25));
      expect(pages).toBe(3);
      // A prefix keeps the order: 1, then 10…19.
      expect((await walk(t, "n", { limit: 4, search: "1" })).ids).toEqual(["1", ...range(10, 19)]);
      expect((await walk(t, "n", { limit: 4, search: "2" })).ids).toEqual(["2", ...range(20, 25)]);
    });

    it("puts any ids in one documented total order: shorter first, then byte by byte", async () => {
      const ids = ["b", "10", "A", "9", "a-1", "007", "a", "B2", "a.1", "Z", "100", "a_1", "b10", "b9"];
      await upsertCustomers(t.db, "mixed", {}, "H", ids.map(customer));
      const natural = [...ids].sort((x, y) => x.length - y.length || (x < y ? -1 : x > y ? 1 : 0));
      expect(natural.slice(0, 6)).toEqual(["9", "A", "Z", "a", "b", "10"]);
      for (const limit of [1, 3, 100])
        expect((await walk(t, "mixed", { limit })).ids, `limit ${limit}`).toEqual(natural);
    });

    it("sorts by backtest and by realised wQL, worst first, ties and missing values paged exactly", async () => {
      const ids = range(1, 12);
      await upsertCustomers(t.db, "m", {}, "H", ids.map(customer));
      // Backtest wQL: ties at 0.3 (3 and 11), at 0.1 (2, 5, 12), an awkward float, no metric (7), no model (8, 9).
      const backtest: Record<string, number | null> = {
        1: 0.05,
        2: 0.1,
        3: 0.3,
        4: 0.1 + 0.2,
        5: 0.1,
        6: 0.9,
        7: null,
        10: 1e-7,
        11: 0.3,
        12: 0.1,
      };
      await t.db
        .insertInto("models")
        .values(
          Object.entries(backtest).map(([id, wql]) => ({
            dataset: "m",
            customer_id: id,
            version: "v1",
            run_id: "r1",
            algorithm: "SeasonalNaive",
            metrics: JSON.stringify(wql === null ? { mase: 1 } : { averageWql: wql }),
            selection: "{}",
            artifact_key: `models/m/${id}/v1.tar.gz`,
            active: true,
          })),
        )
        .execute();
      const byBacktest = ["6", "4", "3", "11", "2", "5", "12", "1", "10", "7", "8", "9"];
      for (const limit of [1, 2, 5, 100])
        expect((await walk(t, "m", { limit, sort: "backtestWql" })).ids, `limit ${limit}`).toEqual(
          byBacktest,
        );

      // Realised wQL of the latest scored version: 2's newer version (0.05) replaces its older 0.8.
      const scored: [string, string, number | null, string][] = [
        ["2", "v0", 0.8, "2026-01-01T00:00:00Z"],
        ["2", "v1", 0.05, "2026-01-08T00:00:00Z"],
        ["4", "v1", 0.5, "2026-01-08T00:00:00Z"],
        ["9", "v1", 0.5, "2026-01-08T00:00:00Z"],
        ["10", "v1", 2.5, "2026-01-08T00:00:00Z"],
        ["12", "v1", null, "2026-01-08T00:00:00Z"],
      ];
      await t.db
        .insertInto("forecast_accuracy")
        .values(
          scored.map(([id, version, wql, from]) => ({
            dataset: "m",
            customer_id: id,
            version,
            run_id: "r2",
            from_ts: new Date(from),
            to_ts: new Date(from),
            points: 48,
            wql,
          })),
        )
        .execute();
      const byRealised = ["10", "4", "9", "2", "1", "3", "5", "6", "7", "8", "11", "12"];
      for (const limit of [1, 3, 100])
        expect((await walk(t, "m", { limit, sort: "realisedWql" })).ids, `limit ${limit}`).toEqual(
          byRealised,
        );
      const first = await listCustomers(t.db, "m", { limit: 4, sort: "realisedWql" });
      expect(first.customers.map((c) => c.realisedWql)).toEqual([2.5, 0.5, 0.5, 0.05]);
      // Sorting composes with the drift filter and the prefix search.
      await t.db
        .updateTable("customers")
        .set({
          drift: JSON.stringify({ flagged: true, reason: "r", version: "v1", at: "2026-01-09T00:00:00Z" }),
        })
        .where("dataset", "=", "m")
        .where("customer_id", "in", ["4", "10", "11"])
        .execute();
      expect((await walk(t, "m", { limit: 1, sort: "backtestWql", flag: "drift" })).ids).toEqual([
        "4",
        "11",
        "10",
      ]);
      expect((await walk(t, "m", { limit: 1, sort: "realisedWql", search: "1" })).ids).toEqual([
        "10",
        "1",
        "11",
        "12",
      ]);
    });

    it("refuses a cursor from another sort or one it did not write", async () => {
      const page = await listCustomers(t.db, "m", { limit: 2, sort: "backtestWql" });
      const idPage = await listCustomers(t.db, "m", { limit: 2 });
      for (const [cursor, sort] of [
        [page.nextCursor, "id"],
        [page.nextCursor, "realisedWql"],
        [idPage.nextCursor, "backtestWql"],
        [
          Buffer.from(JSON.stringify(["backtestWql", "1; drop table customers", "1"])).toString("base64url"),
          "backtestWql",
        ],
        ["nonsense", "id"],
        // Text PostgreSQL would refuse to cast: a 400, not a 500.
        [Buffer.from(JSON.stringify(["realisedWql", "1e999", "1"])).toString("base64url"), "realisedWql"],
        [Buffer.from(JSON.stringify(["realisedWql", "1e-999", "1"])).toString("base64url"), "realisedWql"],
      ] as const) {
        await expect(
          listCustomers(t.db, "m", { limit: 2, sort, cursor: cursor ?? undefined }),
        ).rejects.toMatchObject({ code: "invalid_cursor" });
      }
      // Whatever float8 text the database could have written is taken.
      for (const value of ["0", "-0.0", "5e-324", "1.7976931348623157e+308", "Infinity", "NaN", ""]) {
        const cursor = Buffer.from(JSON.stringify(["realisedWql", value, "1"])).toString("base64url");
        await listCustomers(t.db, "m", { limit: 2, sort: "realisedWql", cursor });
      }
    });

    it("pages exactly through 100,000 customers, in natural order", async () => {
      const MANY = 100_000;
      // Inserted in text order, so a text-ordered list would come back wrong; then analyzed, as
      // autovacuum would after a load this size.
      await sql`insert into customers (dataset, customer_id, points)
        select 'big', g::text, 1 from generate_series(1, ${MANY}::int) g order by g::text`.execute(t.db);
      await sql`analyze customers`.execute(t.db);
      const { ids: listed, pages } = await walk(t, "big", { limit: 1000 });
      expect(pages).toBe(100);
      expect(listed.length).toBe(MANY);
      for (let i = 0; i < MANY; i++) if (listed[i] !== String(i + 1)) expect(listed[i]).toBe(String(i + 1));
      if (dialect === "postgres") {
        // A page is a walk of 1,001 entries along customers_natural_idx from the cursor; only
        // the page's rows are sorted again, after their joins.
        const cursor = Buffer.from(JSON.stringify(["50000"])).toString("base64url");
        const query = customerListQuery("big", { limit: 1000, cursor }).compile(t.db);
        const { rows } = await t.db.executeQuery<{ "QUERY PLAN": string }>(
          CompiledQuery.raw(`explain analyze ${query.sql}`, [...query.parameters]),
        );
        const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
        expect(plan, plan).toMatch(
          /Index Scan using customers_natural_idx on customers c .*rows=1001 loops=1/,
        );
        expect(plan.match(/Sort Key: .*length/g), plan).toHaveLength(1);
      }
    }, 120_000);
  });
}
