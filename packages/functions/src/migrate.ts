import type { Ports } from "@myriad/core/ports/ports";
import { migrateToLatest } from "@myriad/core/db/migrations";
import type { Kysely } from "kysely";
import { lambda } from "./lib/lambda.ts";

/**
 * Applies the schema migrations on deploy: the Database stack's Script invokes it on create
 * and on every update. Safe to run again (Kysely records what ran and takes a lock).
 */
export async function run(_event: unknown, ports: Ports) {
  return { migrations: await migrateToLatest(ports.db as unknown as Kysely<unknown>) };
}

export const main = lambda(undefined, run);
