import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ports } from "@myriad/core/ports/ports";
import { verifyApiKey } from "@myriad/core/registry/api-keys";
import { run } from "@myriad/functions/migrate";
import { openDatabase } from "@myriad/local/database";
import { createAuroraDb } from "@myriad/functions/aws/aurora-database";
import { DEFAULT_CONNECT_RETRY, waitForDatabase } from "@myriad/functions/aws/database-ready";
import { connect, createServer, type Server } from "node:net";
import { createPostgresDatabase } from "../support/databases.ts";

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

/**
 * A cluster created in the same deploy: Aurora reports it available before RDS Proxy has
 * registered it as a target, and until then the proxy refuses connections ("Troubleshooting for
 * RDS Proxy", RDS User Guide: targets not yet AVAILABLE). Here the port of the real server opens
 * only after a while, through a forwarder started late.
 */
describe("Migrate's first connection", () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createPostgresDatabase();
  });
  afterAll(() => database.drop());

  const retry = { attempts: 6, firstDelayMs: 20, maxDelayMs: 200 };

  it("retries with backoff until the database accepts connections, then migrates", async () => {
    const port = await freePort();
    const upstream = new URL(database.url);
    const url = new URL(database.url);
    url.port = String(port);
    const db = createAuroraDb({ url: url.toString() });
    let forwarder: Server | undefined;
    const opened = setTimeout(() => {
      forwarder = createServer((client) => {
        const server = connect(Number(upstream.port || 5432), upstream.hostname);
        client.pipe(server).pipe(client);
        server.on("error", () => client.destroy());
        client.on("error", () => server.destroy());
      }).listen(port, "127.0.0.1");
    }, 150);
    try {
      const out = await run({}, { db }, new SecretsManagerClient({ region: "us-east-1" }), undefined, retry);
      expect(out.migrations.length).toBeGreaterThan(0);
      expect(await waitForDatabase(db, retry)).toBe(1);
    } finally {
      clearTimeout(opened);
      await db.destroy();
      await new Promise((r) => (forwarder ? forwarder.close(r) : r(undefined)));
    }
  });

  it("gives up after its attempts, saying how long it tried and why", async () => {
    const port = await freePort();
    const db = createAuroraDb({ url: `postgres://postgres@127.0.0.1:${port}/test` });
    const started = Date.now();
    await expect(waitForDatabase(db, { attempts: 3, firstDelayMs: 20, maxDelayMs: 40 })).rejects.toThrow(
      /did not accept a connection after 3 attempt\(s\) over \d+ s: .*ECONNREFUSED/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40);
    await db.destroy();
  });

  it("waits, by default, at most what leaves the Migrate function (300 s) time to migrate", () => {
    const { attempts, firstDelayMs, maxDelayMs } = DEFAULT_CONNECT_RETRY;
    let worst = attempts * 10_000; // the adapter's connect timeout, every attempt
    for (let i = 1; i < attempts; i++) worst += Math.min(maxDelayMs, firstDelayMs * 2 ** (i - 1));
    expect(worst).toBeLessThan(240_000);
    expect(worst).toBeGreaterThan(120_000);
  });

  it("does not wait out an error that waiting cannot fix", async () => {
    const url = new URL(database.url);
    url.pathname = "/myriad_no_such_database";
    const db = createAuroraDb({ url: url.toString() });
    await expect(waitForDatabase(db, retry)).rejects.toThrow(/after 1 attempt\(s\).*does not exist/);
    await db.destroy();
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
