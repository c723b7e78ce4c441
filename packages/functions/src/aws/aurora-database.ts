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
  | { secretArn: string; secrets: SecretsSlice; host?: string; database?: string };

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
 * The password comes from Secrets Manager on the first query (never from an environment
 * variable); `host` is the proxy endpoint, which overrides the secret's cluster host. A
 * `url` (DATABASE_URL) wins when set: tests, or a database outside AWS. Connections use TLS
 * with certificate verification (the proxy presents an Amazon-issued certificate that Node's
 * bundled CAs trust). One connection per Lambda instance: it serves one request at a time.
 */
export function createAuroraDb(connection: AuroraConnection, poolMax = 1): Db {
  const pool = async (): Promise<pg.Pool> => {
    if ("url" in connection) {
      return logIdleErrors(new pg.Pool({ connectionString: connection.url, max: poolMax, types: PG_TYPES }));
    }
    const secret = await readSecret(connection.secrets, connection.secretArn);
    return logIdleErrors(
      new pg.Pool({
        host: connection.host ?? secret.host,
        port: secret.port ?? 5432,
        database: connection.database ?? secret.dbname ?? "myriad",
        user: secret.username,
        password: secret.password,
        ssl: { rejectUnauthorized: true },
        max: poolMax,
        idleTimeoutMillis: 60_000,
        connectionTimeoutMillis: 10_000,
        types: PG_TYPES,
      }),
    );
  };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
