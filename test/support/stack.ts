import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateRows } from "@myriad/core/ingest/generate";
import { configFromEnv, type LocalConfig } from "@myriad/local/env";
import { type RunningStack, startStack } from "@myriad/local/stack";
import { createPostgresDatabase } from "./databases.ts";

export interface TestStack extends RunningStack {
  dataDir: string;
  /** GET/POST against the API with a key (admin by default). */
  api(path: string, init?: { method?: string; body?: unknown; key?: string | null }): Promise<Response>;
  /** Writes a generated CSV into the bucket's raw/ folder, as a user dropping a file would. */
  drop(
    name: string,
    options: { customers: number; days: number; seed?: number; start?: Date },
  ): Promise<void>;
  shutdown(): Promise<void>;
}

/** The embedded stack on free ports in a temporary data dir, on PGlite or a fresh PostgreSQL database. */
export async function startTestStack(
  dialect: "pglite" | "postgres" = "pglite",
  /** Gets the stack's log lines, among them `<runId>  <State>` as each state starts. */
  log?: (line: string) => void,
  /** Settings of the stack under test (`trainShardSize`, `stateDelays`…). */
  config: Partial<LocalConfig> = {},
): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "myriad-test-"));
  const pgdb = dialect === "postgres" ? await createPostgresDatabase() : undefined;
  const stack = await startStack(
    configFromEnv({
      dataDir,
      port: 0,
      endpointPort: 0,
      demo: false,
      databaseUrl: pgdb?.url,
      trainThreads: 2,
      ...config,
    }),
    log ? { log } : {},
  );
  return {
    ...stack,
    dataDir,
    api(path, init = {}) {
      const key = init.key === undefined ? stack.adminKey : init.key;
      return fetch(stack.apiUrl + path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), "content-type": "application/json" },
        body:
          init.body === undefined
            ? undefined
            : typeof init.body === "string"
              ? init.body
              : JSON.stringify(init.body),
      });
    },
    async drop(name, options) {
      const csv = [...generateRows({ seed: 7, start: new Date("2026-01-05T00:00:00Z"), ...options })].join(
        "",
      );
      await writeFile(join(stack.ports.bucketDir, "raw", name), csv);
    },
    async shutdown() {
      await stack.close();
      await pgdb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
