import { type Kysely, sql } from "kysely";
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";

/**
 * Schema migrations, in order. The same SQL runs on Aurora PostgreSQL, PostgreSQL and PGlite.
 * Never edit a released migration: add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("datasets")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("config", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn("frequency", "text")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable("customers")
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("customer_id", "text", (c) => c.notNull())
        .addColumn("first_ts", "timestamptz")
        .addColumn("last_ts", "timestamptz")
        .addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint("customers_pk", ["dataset", "customer_id"])
        .execute();
      await db.schema
        .createTable("runs")
        .addColumn("run_id", "text", (c) => c.primaryKey())
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("input_key", "text", (c) => c.notNull())
        .addColumn("input_size", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("input_etag", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("stopped_at", "timestamptz")
        .addColumn("error", "text")
        .addColumn("cause", "text")
        .addColumn("counts", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn("execution_arn", "text")
        .execute();
      // Newest first, optionally by dataset: the runs list and the console's live view.
      await db.schema
        .createIndex("runs_started_idx")
        .on("runs")
        .columns(["started_at desc", "run_id desc"])
        .execute();
      await db.schema
        .createIndex("runs_dataset_idx")
        .on("runs")
        .columns(["dataset", "started_at desc"])
        .execute();
      await db.schema
        .createTable("run_events")
        .addColumn("id", "serial", (c) => c.primaryKey())
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id").onDelete("cascade"))
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("started_at", "timestamptz", (c) => c.notNull())
        .addColumn("stopped_at", "timestamptz")
        .addColumn("duration_ms", "integer")
        .addColumn("error", "text")
        .addColumn("summary", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .execute();
      await db.schema.createIndex("run_events_run_idx").on("run_events").columns(["run_id", "id"]).execute();
      await db.schema
        .createTable("models")
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("customer_id", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("algorithm", "text", (c) => c.notNull())
        .addColumn("metrics", "jsonb", (c) => c.notNull())
        .addColumn("selection", "jsonb", (c) => c.notNull())
        .addColumn("artifact_key", "text", (c) => c.notNull())
        .addColumn("active", "boolean", (c) => c.notNull().defaultTo(false))
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("activated_at", "timestamptz")
        .addPrimaryKeyConstraint("models_pk", ["dataset", "customer_id", "version"])
        .execute();
      // At most one active version per customer, enforced by the database.
      await sql`create unique index models_active_idx on models (dataset, customer_id) where active`.execute(
        db,
      );
      await db.schema
        .createTable("forecasts")
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("customer_id", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("ts", "timestamptz", (c) => c.notNull())
        .addColumn("p10", "float8")
        .addColumn("p50", "float8")
        .addColumn("p90", "float8")
        .addColumn("mean", "float8", (c) => c.notNull())
        .addColumn("extra", "jsonb")
        .addPrimaryKeyConstraint("forecasts_pk", ["dataset", "customer_id", "version", "ts"])
        .execute();
      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("name", "text")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("revoked_at", "timestamptz")
        .execute();
    },
  },
  "0002_redrive": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("runs")
        .addColumn("redrive_count", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  "0003_query_indexes": {
    async up(db: Kysely<unknown>) {
      // Register, Publish and Warm read a run's models; the runs list filters by status.
      await db.schema.createIndex("models_run_idx").on("models").column("run_id").execute();
      await db.schema
        .createIndex("runs_status_idx")
        .on("runs")
        .columns(["status", "started_at desc"])
        .execute();
      // Customer search is a prefix match on the id: text_pattern_ops serves LIKE 'x%' in any collation.
      await sql`create index customers_search_idx on customers (dataset, customer_id text_pattern_ops)`.execute(
        db,
      );
    },
  },
  "0004_publication_generation": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("datasets")
        .addColumn("generation", "bigint", (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  "0005_forecast_monitoring": {
    async up(db: Kysely<unknown>) {
      // One row per customer and version: its published forecast against the actuals that came
      // later, scored again (replaced) as more of its horizon arrives.
      await db.schema
        .createTable("forecast_accuracy")
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("customer_id", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("from_ts", "timestamptz", (c) => c.notNull())
        .addColumn("to_ts", "timestamptz", (c) => c.notNull())
        .addColumn("points", "integer", (c) => c.notNull())
        .addColumn("wape", "double precision")
        .addColumn("mase", "double precision")
        .addColumn("wql", "double precision")
        .addColumn("coverage", "double precision")
        .addColumn("backtest_wql", "double precision")
        .addColumn("scored_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint("forecast_accuracy_pk", ["dataset", "customer_id", "version"])
        .execute();
      // The latest drift verdict of the customer's model: {flagged, reason, version, at}.
      await db.schema.alterTable("customers").addColumn("drift", "jsonb").execute();
    },
  },
  "0006_customers_natural_order": {
    async up(db: Kysely<unknown>) {
      // Customer lists in natural order: shorter ids first, then byte order ("2" before "10"),
      // the same in every database's collation. Keyset pages walk this index.
      await sql`create index customers_natural_idx on customers (dataset, length(customer_id), customer_id collate "C")`.execute(
        db,
      );
    },
  },
  "0007_customer_anomalies": {
    async up(db: Kysely<unknown>) {
      // Anomalous history points found at the customer's last training, for the fleet view.
      await db.schema.alterTable("customers").addColumn("anomalies", "integer").execute();
    },
  },
  "0008_run_paused_time": {
    async up(db: Kysely<unknown>) {
      // Time a run spent ended before each redrive; its duration leaves it out.
      await db.schema
        .alterTable("runs")
        .addColumn("paused_ms", "bigint", (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  "0009_forecast_per_customer": {
    async up(db: Kysely<unknown>) {
      // One row per customer forecast instead of one per point: Publish writes and the API
      // reads a forecast whole, never a point of it, and 168 rows with their index entries
      // per customer made Publish cost minutes at 100,000 customers. `json`, not `jsonb`: it is
      // stored as written and never queried inside. Existing forecasts are carried over.
      await db.schema
        .createTable("forecasts_next")
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("customer_id", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("points", "json", (c) => c.notNull())
        .addPrimaryKeyConstraint("forecasts_next_pk", ["dataset", "customer_id", "version"])
        .execute();
      await sql`insert into forecasts_next (dataset, customer_id, version, points)
        select dataset, customer_id, version, json_agg(
          jsonb_build_object(
            'timestamp', to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'mean', mean)
          || jsonb_strip_nulls(jsonb_build_object('p10', p10, 'p50', p50, 'p90', p90))
          || coalesce(extra, '{}'::jsonb)
          order by ts)
        from forecasts group by dataset, customer_id, version`.execute(db);
      await db.schema.dropTable("forecasts").execute();
      await db.schema.alterTable("forecasts_next").renameTo("forecasts").execute();
    },
  },
  "0010_publication_sequence": {
    async up(db: Kysely<unknown>) {
      // Publish numbers its generations from one sequence, so a dataset deleted and created
      // again never repeats a number a reader's cache still holds for the old one.
      await sql`create sequence publication_generation`.execute(db);
      await sql`select setval('publication_generation', greatest(1, (select max(generation) from datasets)))`.execute(
        db,
      );
    },
  },
  "0011_forecast_points_lz4": {
    async up(db: Kysely<unknown>) {
      // A forecast is about 20 KB of JSON, so every one is compressed as it is written: lz4 cut
      // Publish's insert time by about a third against the default pglz, at the same size
      // (doubles compress little either way). Servers built without lz4 (PGlite) keep pglz.
      await sql`do $$ begin
        alter table forecasts alter column points set compression lz4;
      exception when feature_not_supported then null;
      end $$`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; safe to call on every start and every deploy. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error;
  return (results ?? []).map((r) => `${r.migrationName}: ${r.status}`);
}

/** Brings the schema up to `name` and no further: how an upgrade test builds an older database. */
export async function migrateTo(db: Kysely<unknown>, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw error;
}
