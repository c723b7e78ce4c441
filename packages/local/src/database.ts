import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "@myriad/core/db/schema";

// PostgreSQL returns bigint and numeric as strings; Myriad's counts and sizes fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * The embedded stack's database: PGlite in `dataDir` by default, PostgreSQL when a URL is
 * given. Same schema, same queries; only the dialect differs.
 */
export function openDatabase(options: { databaseUrl?: string; pgliteDir?: string }): Kysely<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle connection the server closed (restart, failover) is dropped from the pool and
    // replaced on next use; without a listener node would treat it as an unhandled error.
    pool.on("error", (e) => console.error(`database: idle connection closed: ${e.message}`));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const pglite = new PGlite(options.pgliteDir);
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
}
