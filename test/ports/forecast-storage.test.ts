import { sql, type Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { migrateTo, migrateToLatest } from "@myriad/core/db/migrations";
import { upsertCustomers } from "@myriad/core/registry/customers";
import { publicationGeneration, publishForecasts, readForecast } from "@myriad/core/registry/forecasts";
import { registerModels } from "@myriad/core/registry/models";
import { openDatabase } from "@myriad/local/database";
import { createPostgresDatabase, DIALECTS, openTestDatabase } from "../support/databases.ts";

/** Version v1 of customer `id` of dataset d, registered inactive. */
const model = (id: string, algorithm: string) => ({
  dataset: "d",
  customerId: id,
  version: "v1",
  runId: "r",
  algorithm,
  metrics: {},
  selection: {},
  artifactKey: `models/d/${id}/v1.tar.gz`,
});

/** A database at the schema before forecasts were stored one row per customer. */
async function openAt(dialect: "pglite" | "postgres", migration: string) {
  const pgdb = dialect === "postgres" ? await createPostgresDatabase() : undefined;
  const db = openDatabase({ databaseUrl: pgdb?.url }) as Kysely<unknown>;
  await migrateTo(db, migration);
  return {
    db,
    async close() {
      await db.destroy();
      await pgdb?.drop();
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`forecast storage on ${dialect}`, () => {
    let close: (() => Promise<void>) | undefined;
    afterEach(() => close?.());

    it("carries forecasts stored one row per point over to one row per customer, points unchanged", async () => {
      const t = await openAt(dialect, "0008_run_paused_time");
      close = t.close;
      await registerModels(t.db, [model("7", "AutoETS")]);
      await sql`update models set active = true`.execute(t.db);
      await sql`insert into forecasts (dataset, customer_id, version, ts, mean, p10, p50, p90, extra) values
        ('d', '7', 'v1', '2026-01-01T01:00:00Z', 6.5, 5, 6.5, 8, '{"p5": 4.25}'),
        ('d', '7', 'v1', '2026-01-01T00:00:00Z', 5, null, null, null, null)`.execute(t.db);

      await migrateToLatest(t.db);

      const forecast = await readForecast(t.db, "d", "7");
      expect(forecast).toEqual({
        version: "v1",
        algorithm: "AutoETS",
        points: [
          { timestamp: "2026-01-01T00:00:00.000Z", mean: 5 },
          { timestamp: "2026-01-01T01:00:00.000Z", mean: 6.5, p10: 5, p50: 6.5, p90: 8, p5: 4.25 },
        ],
      });
      const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns
        where table_name = 'forecasts' order by ordinal_position`.execute(t.db);
      expect(columns.rows.map((r) => r.column_name)).toEqual(["dataset", "customer_id", "version", "points"]);
      // lz4 where the server has it (this machine's PostgreSQL); PGlite keeps the default.
      const compression = await sql<{ c: string }>`select attcompression as c from pg_attribute
        where attrelid = 'forecasts'::regclass and attname = 'points'`.execute(t.db);
      expect(compression.rows[0].c).toBe(dialect === "postgres" ? "l" : "");
    });

    it("serves every timestamp in the API's ISO form, whatever form the publication used", async () => {
      const t = await openTestDatabase(dialect);
      close = t.close;
      await registerModels(t.db, [model("1", "Naive")]);
      await publishForecasts(t.db, "d", [
        {
          customerId: "1",
          version: "v1",
          points: [
            { timestamp: "2026-03-01T00:00:00+01:00", mean: 1 },
            { timestamp: "2026-03-01T00:00:00Z", mean: 2 },
          ],
        },
      ]);
      const forecast = await readForecast(t.db, "d", "1", { to: new Date("2026-03-01T00:00:00Z") });
      expect(forecast?.points).toEqual([{ timestamp: "2026-02-28T23:00:00.000Z", mean: 1 }]);
    });

    it("never repeats a publication generation, even for a dataset deleted and created again", async () => {
      const t = await openTestDatabase(dialect);
      close = t.close;
      const publishOnce = async () => {
        await upsertCustomers(t.db, "d", {}, "H", [
          {
            id: "1",
            dataKey: "",
            points: 1,
            gaps: 0,
            first: "2026-01-01T00:00:00Z",
            last: "2026-01-01T00:00:00Z",
          },
        ]);
        await registerModels(t.db, [model("1", "Naive")]);
        await publishForecasts(t.db, "d", [
          { customerId: "1", version: "v1", points: [{ timestamp: "2026-01-01T01:00:00.000Z", mean: 1 }] },
        ]);
        return publicationGeneration(t.db, "d");
      };
      const first = await publishOnce();
      for (const table of ["forecasts", "models", "customers"] as const) {
        await t.db.deleteFrom(table).where("dataset", "=", "d").execute();
      }
      await t.db.deleteFrom("datasets").where("name", "=", "d").execute();
      const again = await publishOnce();
      expect(first).toBeGreaterThan(0);
      expect(again).toBeGreaterThan(first);
    });
  });
}
