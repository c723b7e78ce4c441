import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { migrateToLatest } from "@myriad/core/db/migrations";
import type { Ports } from "@myriad/core/ports/ports";
import { createApiKey, hasActiveAdminKey } from "@myriad/core/registry/api-keys";
import type { Kysely } from "kysely";
import { type ConnectRetry, DEFAULT_CONNECT_RETRY, waitForDatabase } from "./aws/database-ready.ts";
import { ENV, getOptionalStringFromEnv } from "./aws/env.ts";
import { lambda } from "./lib/lambda.ts";

/** The slice of SecretsManagerClient this handler uses. */
export type SecretWriter = Pick<SecretsManagerClient, "send">;

/**
 * Applies the schema migrations on deploy: the Database stack's Script invokes it on create
 * and on every update. Safe to run again (Kysely records what ran and takes a lock). When no
 * admin key is active (the first deploy, or all were revoked) it creates one and stores it in
 * the admin-key secret, where the operator reads it once; the database keeps only its hash.
 * A cluster created in the same deploy may refuse connections for a while: the first
 * connection is retried with backoff (DEFAULT_CONNECT_RETRY) before anything runs.
 */
export async function run(
  _event: unknown,
  ports: Pick<Ports, "db">,
  secrets: SecretWriter = new SecretsManagerClient({}),
  adminKeySecretArn = getOptionalStringFromEnv(ENV.adminKeySecretArn),
  connectRetry: ConnectRetry = DEFAULT_CONNECT_RETRY,
) {
  await waitForDatabase(ports.db, connectRetry);
  const migrations = await migrateToLatest(ports.db as unknown as Kysely<unknown>);
  let adminKeyCreated = false;
  if (adminKeySecretArn && !(await hasActiveAdminKey(ports.db))) {
    const { key } = await createApiKey(ports.db, { kind: "admin" }, "created on deploy");
    await secrets.send(new PutSecretValueCommand({ SecretId: adminKeySecretArn, SecretString: key }));
    adminKeyCreated = true;
  }
  return { migrations, adminKeyCreated };
}

export const main = lambda(undefined, ["db"], (event: unknown, ports: Pick<Ports, "db">) =>
  run(event, ports),
);
