import { resolve } from "node:path";
import { DEFAULT_CUSTOMERS_PER_SHARD } from "@myriad/core/pipeline/train-shards";

/** The embedded stack's configuration, read from the environment in this one place. */
export interface LocalConfig {
  dataDir: string;
  port: number;
  endpointPort: number;
  host: string;
  databaseUrl?: string;
  /**
   * The base URL clients reach the API at (`MYRIAD_PUBLIC_URL`), for the upload URLs it hands
   * out; default the address it listens on. Set it when sharing the stack (`MYRIAD_HOST=0.0.0.0`).
   */
  publicUrl?: string;
  demo: boolean;
  trainThreads?: number;
  /**
   * Customers per TrainShards item (`MYRIAD_TRAIN_SHARD_SIZE`, default 250): the embedded stack
   * runs the same Distributed Map inline, its shards sharing the training worker pool.
   */
  trainShardSize: number;
  /**
   * Fault injection for reliability tests: milliseconds to pause before a state's handler,
   * from `MYRIAD_FAULT_STATE_DELAY=Train=2000,Publish=2000`, so a test can stop the process
   * while that state runs.
   */
  stateDelays: Record<string, number>;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number (got ${JSON.stringify(raw)})`);
  return n;
}

function shardSizeFromEnv(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return DEFAULT_CUSTOMERS_PER_SHARD;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number of customers >= 1 (got ${JSON.stringify(raw)})`);
  return n;
}

function urlFromEnv(name: string): string | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !/^https?:$/.test(url.protocol))
    throw new Error(
      `${name} must be an http(s) URL such as http://192.168.1.5:3000 (got ${JSON.stringify(raw)})`,
    );
  return url.toString();
}

export function configFromEnv(overrides: Partial<LocalConfig> = {}): LocalConfig {
  return {
    dataDir: resolve(process.env.MYRIAD_DATA_DIR || ".myriad"),
    port: intFromEnv("MYRIAD_PORT", 3000),
    endpointPort: intFromEnv("MYRIAD_ENDPOINT_PORT", 8080),
    host: process.env.MYRIAD_HOST || "127.0.0.1",
    databaseUrl: process.env.DATABASE_URL || undefined,
    publicUrl: urlFromEnv("MYRIAD_PUBLIC_URL"),
    demo: process.env.MYRIAD_DEMO !== "0",
    trainThreads: process.env.MYRIAD_TRAIN_THREADS ? Number(process.env.MYRIAD_TRAIN_THREADS) : undefined,
    trainShardSize: shardSizeFromEnv("MYRIAD_TRAIN_SHARD_SIZE"),
    stateDelays: Object.fromEntries(
      (process.env.MYRIAD_FAULT_STATE_DELAY ?? "")
        .split(",")
        .filter((pair) => pair.includes("="))
        .map((pair) => {
          const [state, ms] = pair.split("=");
          return [state.trim(), Number(ms)];
        }),
    ),
    ...overrides,
  };
}

/**
 * The variables a command run in another shell needs to reach this stack: those that differ
 * from the defaults (`MYRIAD_PORT=3111 npx myriad …`); empty for a stack on the defaults.
 */
export function cliEnvPrefix(config: Pick<LocalConfig, "dataDir" | "port" | "host">): string {
  const vars: string[] = [];
  const base = { MYRIAD_DATA_DIR: resolve(".myriad"), MYRIAD_PORT: 3000, MYRIAD_HOST: "127.0.0.1" };
  if (config.dataDir !== base.MYRIAD_DATA_DIR) vars.push(`MYRIAD_DATA_DIR=${shellWord(config.dataDir)}`);
  if (config.port !== base.MYRIAD_PORT) vars.push(`MYRIAD_PORT=${config.port}`);
  if (config.host !== base.MYRIAD_HOST) vars.push(`MYRIAD_HOST=${shellWord(config.host)}`);
  return vars.length ? `${vars.join(" ")} ` : "";
}

/** A word as a POSIX shell reads it back. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
