import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApiKey, verifyApiKey } from "@myriad/core/registry/api-keys";
import type { Db } from "@myriad/core/ports/database";

/**
 * The admin key of the embedded stack, kept in `<dataDir>/admin-key` (mode 600). Created on
 * first start; `created` tells the caller to print it once.
 */
export async function ensureAdminKey(db: Db, dataDir: string): Promise<{ key: string; created: boolean }> {
  const path = join(dataDir, "admin-key");
  const existing = (await readFile(path, "utf8").catch(() => "")).trim();
  if (existing && (await verifyApiKey(db, existing))?.kind === "admin")
    return { key: existing, created: false };
  const { key } = await createApiKey(db, { kind: "admin" }, "embedded admin");
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
