import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createAuroraDb, PG_TYPES, readSecret } from "@myriad/functions/aws/aurora-database";
import { sql } from "kysely";
import { ADMIN_URL } from "../support/databases.ts";
import { createServer } from "node:net";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";

const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:test-myriad-db-AbCdEf";
const secretsClient = new SecretsManagerClient({ region: "us-east-1" });
const secrets = mockClient(secretsClient);
/** The shape of an RDS-generated secret (CDK `Credentials.fromGeneratedSecret`). */
const RDS_SECRET = {
  dbClusterIdentifier: "test-myriad-cluster",
  password: "not-a-real-password",
  dbname: "myriad",
  engine: "postgres",
  port: 5432,
  host: "test-myriad-cluster.cluster-abc.us-east-1.rds.amazonaws.com",
  username: "myriad_admin",
};

/** A port nothing listens on, so connecting fails fast and says where it tried. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("Aurora adapter", () => {
  beforeEach(() => secrets.reset());

  it("reads the generated secret and rejects one without credentials", async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify(RDS_SECRET) })
      .resolvesOnce({ SecretString: JSON.stringify({ username: "x" }) })
      .resolvesOnce({ SecretBinary: new Uint8Array([1]) });
    expect(await readSecret(secretsClient, SECRET_ARN)).toMatchObject({
      username: "myriad_admin",
      port: 5432,
    });
    await expect(readSecret(secretsClient, SECRET_ARN)).rejects.toThrow(/lacks username or password/);
    await expect(readSecret(secretsClient, SECRET_ARN)).rejects.toThrow(/no SecretString/);
  });

  it("fetches the secret on the first query only and connects to the proxy host", async () => {
    const port = await closedPort();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...RDS_SECRET, port }) });
    const db = createAuroraDb({ secretArn: SECRET_ARN, secrets: secretsClient, host: "127.0.0.1" });
    expect(secrets.calls()).toHaveLength(0);
    const error = await sql`select 1`.execute(db).catch((e) => e);
    expect(String(error.message ?? error)).toMatch(
      new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}|connect`),
    );
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET_ARN });
    await db.destroy();
  });

  it("surfaces a Secrets Manager failure on the query that needed it", async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    const db = createAuroraDb({ secretArn: SECRET_ARN, secrets: secretsClient });
    await expect(sql`select 1`.execute(db)).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("parses bigint and numeric as numbers, other types as pg does", () => {
    expect(PG_TYPES.getTypeParser(20, "text")("9007199254740991")).toBe(9007199254740991);
    expect(PG_TYPES.getTypeParser(1700, "text")("12.5")).toBe(12.5);
    expect(PG_TYPES.getTypeParser(23, "text")("42")).toBe(42);
    expect(PG_TYPES.getTypeParser(16, "text")("t")).toBe(true);
  });

  it("runs a query on the real PostgreSQL server with number parsing", async () => {
    const db = createAuroraDb({ url: ADMIN_URL });
    const { rows } = await sql<{ n: number; d: number }>`select count(*) as n, 1.5::numeric as d`.execute(db);
    expect(rows[0]).toEqual({ n: 1, d: 1.5 });
    await db.destroy();
  });
});
