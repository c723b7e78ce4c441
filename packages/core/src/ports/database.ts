import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

/** Kysely over Aurora, PostgreSQL or PGlite: only the dialect differs between runtimes. */
export type Db = Kysely<Database>;
