import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../ports/database.ts";
import { badRequest } from "../errors/myriad-error.ts";
import { isSafeIdentifier } from "../dataset/identifiers.ts";

/** `admin`, or `customer:<dataset>/<customerId>` for a key that reads only that customer. */
export type Scope = { kind: "admin" } | { kind: "customer"; dataset: string; customerId: string };

export function parseScope(scope: string): Scope {
  if (scope === "admin") return { kind: "admin" };
  const m = /^customer:([^/]+)\/([^/]+)$/.exec(scope);
  if (m && isSafeIdentifier(m[1]) && isSafeIdentifier(m[2]))
    return { kind: "customer", dataset: m[1], customerId: m[2] };
  throw badRequest("invalid_scope", 'scope must be "admin" or "customer:<dataset>/<customerId>"');
}

export function formatScope(scope: Scope): string {
  return scope.kind === "admin" ? "admin" : `customer:${scope.dataset}/${scope.customerId}`;
}

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");

/**
 * Creates a key and returns it once; only its SHA-256 is stored. Keys look like
 * `myr_<id>_<secret>` so the id can be shown and revoked without the secret.
 */
export async function createApiKey(
  db: Db,
  scope: Scope,
  name?: string,
): Promise<{ id: string; key: string }> {
  const id = randomBytes(6).toString("hex");
  const key = `myr_${id}_${randomBytes(24).toString("base64url")}`;
  await db
    .insertInto("api_keys")
    .values({ id, hash: hash(key), scope: formatScope(scope), name: name ?? null })
    .execute();
  return { id, key };
}

/** Stands in for the stored hash when no row matches, so a miss costs what a hit costs. */
const NO_KEY_HASH = hash(`myr_${"0".repeat(12)}_${randomBytes(24).toString("base64url")}`);

/**
 * The scope of a presented key, or undefined when it is malformed, unknown or revoked. Every
 * key costs the same work whichever it is: one lookup by id (a malformed key looks up an id no
 * key has), one hash and one constant-time comparison (against a stand-in when no row was
 * found), so timing reveals neither which key ids exist nor anything of the secret.
 */
export async function verifyApiKey(db: Db, key: string): Promise<Scope | undefined> {
  const m = /^myr_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(key);
  const row = await db
    .selectFrom("api_keys")
    .select(["hash", "scope", "revoked_at"])
    .where("id", "=", m ? m[1] : "-")
    .executeTakeFirst();
  const expected = Buffer.from(row?.hash ?? NO_KEY_HASH, "hex");
  const same = timingSafeEqual(expected, Buffer.from(hash(key), "hex"));
  return m && row && !row.revoked_at && same ? parseScope(row.scope) : undefined;
}

/** Whether any admin key is still active (the first deploy creates one when none is). */
export async function hasActiveAdminKey(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom("api_keys")
    .select("id")
    .where("scope", "=", "admin")
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listApiKeys(db: Db) {
  const rows = await db
    .selectFrom("api_keys")
    .select(["id", "scope", "name", "created_at", "revoked_at"])
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    scope: r.scope,
    name: r.name,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  }));
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: new Date() })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
