import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import pg from "pg";
import type { Database } from "@myriad/core/db/schema";
import { migrateToLatest } from "@myriad/core/db/migrations";
import { openDatabase } from "@myriad/local/database";

/**
 * The databases every repository and end-to-end suite runs against, like Kysely's DIALECTS:
 * `DIALECTS=pglite` narrows a run. PostgreSQL is the real server on this machine.
 */
export const DIALECTS = (process.env.DIALECTS ?? "pglite,postgres").split(",") as ("pglite" | "postgres")[];

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  db: Kysely<Database>;
  /** Set for PostgreSQL: what DATABASE_URL would be. */
  url?: string;
  close(): Promise<void>;
}

/** A fresh, migrated database: in-memory PGlite, or a new PostgreSQL database dropped after. */
export async function openTestDatabase(dialect: "pglite" | "postgres"): Promise<TestDatabase> {
  if (dialect === "pglite") {
    const db = openDatabase({});
    await migrateToLatest(db as Kysely<unknown>);
    return { db, close: () => db.destroy() };
  }
  const { url, drop } = await createPostgresDatabase();
  const db = openDatabase({ databaseUrl: url });
  await migrateToLatest(db as Kysely<unknown>);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      await drop();
    },
  };
}

/** A new empty PostgreSQL database on the local server, and how to drop it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `myriad_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
