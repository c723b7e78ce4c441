import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createAuroraDb, type SecretsSlice } from "@myriad/functions/aws/aurora-database";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_URL } from "../support/databases.ts";

/**
 * Secret rotation under a warm Lambda, against the real PostgreSQL server on this machine.
 *
 * Follows "How rotation works" (Secrets Manager User Guide: the single-user strategy sets a new
 * password on the database and in the secret, and connections opened before keep working) and
 * "Setting up database credentials in AWS Secrets Manager for RDS Proxy" (RDS User Guide: the
 * proxy authenticates clients with the credentials in the secret, so after a rotation it refuses
 * the old password). PostgreSQL's "Appendix A. Error Codes" gives 28P01 invalid_password and
 * 28000 invalid_authorization_specification.
 *
 * The server here trusts every connection from 127.0.0.1, so it never checks a password. The
 * proxy's part is played by a small authenticating front that does what RDS Proxy does: it asks
 * the client for its password, compares it with the secret's current one, answers a wrong one
 * with PostgreSQL's own FATAL 28P01 ErrorResponse, and otherwise forwards the session to the
 * real server. The second test has the real server itself refuse a login (28000: a role that
 * may no longer log in, as when a rotation moves the secret to another user).
 */

/** A secret source that answers with whatever the secret holds now, and counts reads. */
function fakeSecrets(initial: Record<string, unknown>) {
  const state = { value: initial, reads: 0 };
  const secrets: SecretsSlice = {
    send: (async () => {
      state.reads++;
      return { SecretString: JSON.stringify(state.value) };
    }) as SecretsSlice["send"],
  };
  return { state, secrets };
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const message = (type: string, body: Buffer) =>
  Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);

/** PostgreSQL's ErrorResponse for a refused password, as the server and RDS Proxy send it. */
function invalidPassword(user: string): Buffer {
  const field = (code: string, value: string) => Buffer.from(`${code}${value}\0`);
  return message(
    "E",
    Buffer.concat([
      field("S", "FATAL"),
      field("V", "FATAL"),
      field("C", "28P01"),
      field("M", `password authentication failed for user "${user}"`),
      Buffer.from([0]),
    ]),
  );
}

/** The front: cleartext password exchange, then a byte pipe to the real server. */
async function startAuthFront(password: () => string, upstreamPort: number) {
  const sockets = new Set<Socket>();
  const stats = { refused: 0, accepted: 0 };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    let startup: Buffer | undefined;
    let user = "";
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!startup) {
        if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return;
        startup = buffered.subarray(0, buffered.readInt32BE(0));
        buffered = buffered.subarray(startup.length);
        const params = startup.subarray(8).toString().split("\0");
        user = params[params.indexOf("user") + 1];
        client.write(message("R", int32(3))); // AuthenticationCleartextPassword
      }
      if (buffered.length < 5 || buffered.length < 1 + buffered.readInt32BE(1)) return;
      const sent = buffered.subarray(5, buffered.readInt32BE(1)).toString();
      client.off("data", onData);
      if (sent !== password()) {
        stats.refused++;
        client.end(invalidPassword(user));
        return;
      }
      stats.accepted++;
      const upstream = connect(upstreamPort, "127.0.0.1", () => {
        upstream.write(startup as Buffer);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    stats,
    /** Closes every client session, as the proxy does with idle ones. */
    async dropSessions() {
      for (const s of sockets) s.destroy();
      while (sockets.size > 0) await new Promise((r) => setTimeout(r, 10));
      // Let the pool see its idle client's socket close and drop it.
      await new Promise((r) => setTimeout(r, 50));
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe("Aurora adapter through a secret rotation", () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  const upstream = new URL(ADMIN_URL);
  const role = `myriad_rotation_${randomBytes(4).toString("hex")}`;
  const other = `${role}_clone`;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create role ${role} login password 'before-rotation'`);
    await admin.query(`create role ${other} login password 'clone'`);
  });
  afterAll(async () => {
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where usename = any($1::text[])",
      [[role, other]],
    );
    await admin.query(`drop role if exists ${role}`);
    await admin.query(`drop role if exists ${other}`);
    await admin.end();
  });

  it("re-reads the secret and reconnects when the proxy refuses the old password (28P01)", async () => {
    const { state, secrets } = fakeSecrets({ username: role, password: "before-rotation" });
    const front = await startAuthFront(() => state.value.password as string, Number(upstream.port || 5432));
    state.value = { ...state.value, port: front.port };
    const db = createAuroraDb({
      secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:test-myriad-db",
      secrets,
      host: "127.0.0.1",
      database: upstream.pathname.slice(1),
      tls: false,
    });
    try {
      const who = async () => (await sql<{ u: string }>`select current_user as u`.execute(db)).rows[0].u;
      expect(await who()).toBe(role);
      expect(state.reads).toBe(1);

      // Rotation: the database and the secret get the new password; the proxy checks it from now on.
      await admin.query(`alter role ${role} password 'after-rotation'`);
      state.value = { ...state.value, password: "after-rotation" };
      // An open session is unaffected; the next new one is where the old password fails.
      expect(await who()).toBe(role);
      await front.dropSessions();

      expect(await who()).toBe(role);
      expect(front.stats).toEqual({ refused: 1, accepted: 2 });
      expect(state.reads).toBe(2);
    } finally {
      await db.destroy();
      await front.close();
    }
  });

  it("reconnects with the secret's new user when the server refuses the old one (28000)", async () => {
    const { state, secrets } = fakeSecrets({
      username: role,
      password: "p",
      port: Number(upstream.port || 5432),
    });
    const db = createAuroraDb({
      secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:test-myriad-db",
      secrets,
      host: "127.0.0.1",
      database: upstream.pathname.slice(1),
      tls: false,
    });
    try {
      const who = async () => (await sql<{ u: string }>`select current_user as u`.execute(db)).rows[0].u;
      await admin.query(`alter role ${role} login`);
      expect(await who()).toBe(role);
      // The secret moves to the other user and the old one may no longer log in; its session ends.
      state.value = { ...state.value, username: other };
      await admin.query(`alter role ${role} nologin`);
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where usename = $1", [role]);
      await new Promise((r) => setTimeout(r, 100));

      expect(await who()).toBe(other);
      expect(state.reads).toBe(2);
    } finally {
      await db.destroy();
    }
  });

  it("does not retry other connection failures", async () => {
    const { state, secrets } = fakeSecrets({ username: role, password: "p", port: 1 });
    const db = createAuroraDb({ secretArn: "arn:x", secrets, host: "127.0.0.1", tls: false });
    await expect(sql`select 1`.execute(db)).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(state.reads).toBe(1);
    await db.destroy();
  });
});
