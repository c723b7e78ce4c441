import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ports } from "@myriad/core/ports/ports";
import { verifyApiKey } from "@myriad/core/registry/api-keys";
import { run } from "@myriad/functions/migrate";
import { openDatabase } from "@myriad/local/database";

describe("Migrate on deploy", () => {
  const db = openDatabase({});
  const secrets = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: "us-east-1" });
  const SECRET = "arn:aws:secretsmanager:us-east-1:1:secret:test-myriad-admin-key";
  beforeAll(() => secrets.on(PutSecretValueCommand).resolves({}));
  afterAll(() => db.destroy());

  it("migrates, then mints the first admin key into the secret, once", async () => {
    const ports = { db } as unknown as Ports;
    const first = await run({}, ports, client, SECRET);
    expect(first.migrations.length).toBeGreaterThan(0);
    expect(first.adminKeyCreated).toBe(true);
    const put = secrets.commandCalls(PutSecretValueCommand)[0].args[0].input;
    expect(put.SecretId).toBe(SECRET);
    expect(await verifyApiKey(db, put.SecretString!)).toEqual({ kind: "admin" });

    const second = await run({}, ports, client, SECRET);
    expect(second).toEqual({ migrations: [], adminKeyCreated: false });
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });
});
