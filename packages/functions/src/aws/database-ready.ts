import type { Db } from "@myriad/core/ports/database";
import { sql } from "kysely";
import { sleep } from "./sleep.ts";

export interface ConnectRetry {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first pause; each next one doubles, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * Nine attempts with 1, 2, 4, 8, 16, 30, 30 and 30 s between them: at most ~3.5 minutes with
 * the adapter's 10 s connect timeout on every attempt, leaving the rest of the Migrate
 * function's five minutes for the migrations. A new Aurora Serverless v2 cluster is reported
 * created before RDS Proxy has registered it as an available target, and the proxy refuses
 * connections until then.
 */
export const DEFAULT_CONNECT_RETRY: ConnectRetry = { attempts: 9, firstDelayMs: 1000, maxDelayMs: 30_000 };

/**
 * Server errors worth waiting out: connection exceptions (class 08), cannot_connect_now (57P03,
 * the server is starting) and too_many_connections (53300). Other server errors (a refused
 * login, a missing database) will not change by waiting.
 */
function retryable(e: unknown): boolean {
  const err = e as { severity?: unknown; code?: unknown; $metadata?: unknown };
  // An AWS SDK error (reading the secret): the SDK has already retried what it could.
  if (err?.$metadata !== undefined) return false;
  if (err?.severity === undefined) return true; // refused, reset, timed out, terminated
  const code = String(err.code);
  return code.startsWith("08") || code === "57P03" || code === "53300";
}

/**
 * Runs `select 1` until the database answers, pausing with exponential backoff between
 * attempts, and throws the last error (with how long it tried) once the attempts are spent or
 * the error is one that waiting cannot fix. Returns how many attempts it took.
 */
export async function waitForDatabase(db: Db, retry: ConnectRetry = DEFAULT_CONNECT_RETRY): Promise<number> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`.execute(db);
      return attempt;
    } catch (e) {
      if (!retryable(e) || attempt >= retry.attempts) {
        const after = `after ${attempt} attempt(s) over ${Math.round((Date.now() - started) / 1000)} s`;
        throw new Error(`the database did not accept a connection ${after}: ${(e as Error).message}`, {
          cause: e,
        });
      }
      await sleep(Math.min(retry.maxDelayMs, retry.firstDelayMs * 2 ** (attempt - 1)));
    }
  }
}
