import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Database } from "@myriad/core/db/schema";
import type { Db } from "@myriad/core/ports/database";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";

/** The slice of SecretsManagerClient this adapter uses. */
export type SecretsSlice = Pick<SecretsManagerClient, "send">;

/** The JSON an RDS-generated secret holds (CDK `rds.Credentials.fromGeneratedSecret`). */
export interface RdsSecret {
  username: string;
  password: string;
  host?: string;
  port?: number;
  dbname?: string;
}

export type AuroraConnection =
  | { url: string }
  | {
      secretArn: string;
      secrets: SecretsSlice;
      host?: string;
      database?: string;
      /** TLS with certificate verification (default); false only for a test server without TLS. */
      tls?: boolean;
    };

/** OIDs of the types `pg` returns as strings by default. */
const INT8 = 20;
const NUMERIC = 1700;

/**
 * bigint (`count(*)`, `input_size`) and numeric come back as JavaScript numbers, as they do
 * from PGlite, so the same query code sees the same types everywhere. Values past 2^53 would
 * lose precision; none of Myriad's counts or sizes get there. Scoped to our pools rather than
 * set on `pg.types` globally.
 */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * Kysely over Aurora PostgreSQL through RDS Proxy, with `pg`.
 *
 * Why RDS Proxy + `pg` and not the RDS Data API: the Data API terminates any call whose
 * response exceeds 1 MiB (and rows over 64 KB) and caps a request at 4 MiB, which the
 * history and forecast reads and Publish's bulk forecast inserts for thousands of customers
 * exceed, so every query would need paging; and kysely-data-api supports only kysely 0.27
 * while Myriad is on 0.29. The proxy pools connections across thousands of concurrent Lambdas, so Aurora's
 * connection limit is not reached, and `pg` is the same driver used against PostgreSQL
 * locally, so the SQL and its types are identical in both runtimes.
 *
 * The credentials come from Secrets Manager on the first query (never from an environment
 * variable) and again whenever the server refuses them (see SecretPool); `host` is the proxy
 * endpoint, which overrides the secret's cluster host. A `url` (DATABASE_URL) wins when set:
 * tests, or a database outside AWS. Connections use TLS with certificate verification (the
 * proxy presents an Amazon-issued certificate that Node's bundled CAs trust) unless `tls` is
 * false. One connection per Lambda instance: it serves one request at a time.
 */
export function createAuroraDb(connection: AuroraConnection, poolMax = 1): Db {
  const pool =
    "url" in connection
      ? logIdleErrors(new pg.Pool({ connectionString: connection.url, max: poolMax, types: PG_TYPES }))
      : new SecretPool(async () => {
          const secret = await readSecret(connection.secrets, connection.secretArn);
          return {
            host: connection.host ?? secret.host,
            port: secret.port ?? 5432,
            database: connection.database ?? secret.dbname ?? "myriad",
            user: secret.username,
            password: secret.password,
            ssl: connection.tls === false ? false : { rejectUnauthorized: true },
            max: poolMax,
            idleTimeoutMillis: 60_000,
            connectionTimeoutMillis: 10_000,
            types: PG_TYPES,
          };
        });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * SQLSTATEs of a login the server refused: 28P01 invalid_password (a password rotated under
 * a warm Lambda) and 28000 invalid_authorization_specification (the role cannot log in or is
 * gone, as after an alternating-users rotation).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const AUTH_FAILURES = new Set(["28P01", "28000"]);

export function isAuthFailure(e: unknown): boolean {
  return AUTH_FAILURES.has((e as { code?: unknown })?.code as string);
}

/**
 * A pg.Pool whose credentials are read from the secret, and read again when a new connection
 * is refused: Secrets Manager rotation changes the password (and RDS Proxy starts checking the
 * new one), while a warm Lambda still holds the old one. Connections already open stay open
 * through a rotation; the pool rebuilds itself on the first refused connect and that connect is
 * tried once more with the new credentials. A failure to read the secret is not cached: the
 * next query tries again.
 */
export class SecretPool {
  readonly Client = pg.Client;
  readonly #config: () => Promise<pg.PoolConfig>;
  #pool: Promise<pg.Pool> | undefined;
  #resolved: pg.Pool | undefined;
  #options: object = {};

  constructor(config: () => Promise<pg.PoolConfig>) {
    this.#config = config;
  }

  /** The current pool's options (Kysely reads them to open a connection that cancels a query). */
  get options(): object {
    return this.#options;
  }

  async connect(): Promise<pg.PoolClient> {
    const pool = await this.#current();
    try {
      return await pool.connect();
    } catch (e) {
      if (!isAuthFailure(e)) throw e;
      this.#retire(pool);
      return (await this.#current()).connect();
    }
  }

  async end(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    this.#resolved = undefined;
    if (pool) await (await pool.catch(() => undefined))?.end();
  }

  #current(): Promise<pg.Pool> {
    if (!this.#pool) {
      const created = this.#config().then((config) => {
        this.#options = config;
        return logIdleErrors(new pg.Pool(config));
      });
      this.#pool = created;
      created.then(
        (pool) => {
          if (this.#pool === created) this.#resolved = pool;
        },
        () => {
          if (this.#pool === created) this.#pool = undefined;
        },
      );
    }
    return this.#pool;
  }

  /** Drops the refused pool, unless a concurrent connect has already replaced it. */
  #retire(pool: pg.Pool): void {
    if (this.#resolved === pool) {
      this.#pool = undefined;
      this.#resolved = undefined;
    }
    void pool.end().catch(() => undefined);
  }
}

/**
 * A connection the proxy closes while idle (failover, scaling, idle timeout) is dropped and
 * replaced on next use; without a listener node treats the pool's error event as fatal.
 */
function logIdleErrors(pool: pg.Pool): pg.Pool {
  pool.on("error", (e) => console.error(`database: idle connection closed: ${e.message}`));
  return pool;
}

export async function readSecret(secrets: SecretsSlice, secretArn: string): Promise<RdsSecret> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!out.SecretString) throw new Error(`secret ${secretArn} has no SecretString`);
  const secret = JSON.parse(out.SecretString) as Partial<RdsSecret>;
  if (!secret.username || !secret.password) throw new Error(`secret ${secretArn} lacks username or password`);
  return secret as RdsSecret;
}
