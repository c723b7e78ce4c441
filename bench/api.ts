/**
 * `npm run bench -- api [--seconds 30] [--dialects pglite,postgres] [--rate 2000]`: forecast
 * queries for random customers of a 1,000-customer dataset (168 points each) through the real
 * API server, loaded from loopback with autocannon in its own process. Prints requests/s and
 * latency percentiles per database, at saturation and at the offered rate (latency at a load
 * the server can carry is what users meet; at saturation it is mostly queueing).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { registerModels } from "@myriad/core/registry/models";
import { type Publication, publishForecasts } from "@myriad/core/registry/forecasts";
import { upsertCustomers } from "@myriad/core/registry/customers";
import { configFromEnv } from "@myriad/local/env";
import { startStack } from "@myriad/local/stack";
import { createPostgresDatabase } from "../test/support/databases.ts";

const CUSTOMERS = 1000;
const HORIZON = 168;

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

export async function main(args: string[]) {
  const seconds = Number(arg(args, "seconds", "30"));
  const dialects = arg(args, "dialects", "pglite,postgres").split(",");
  const rate = Number(arg(args, "rate", "2000"));
  console.log(
    `api bench: GET forecast for random customers of ${CUSTOMERS}, ${HORIZON} points each, ${seconds} s per database`,
  );
  for (const dialect of dialects) {
    const dataDir = await mkdtemp(join(tmpdir(), "myriad-bench-api-"));
    const pgdb = dialect === "postgres" ? await createPostgresDatabase() : undefined;
    const stack = await startStack(
      configFromEnv({ dataDir, port: 0, endpointPort: 0, demo: false, databaseUrl: pgdb?.url }),
      {
        watch: false,
      },
    );
    try {
      await seed(stack.ports.db);
      const key = stack.adminKey;
      for (const offered of [undefined, rate]) {
        const result = await load(stack.apiUrl, key, seconds, offered);
        const errors = result.errors + result.timeouts + (result.non2xx ?? 0);
        console.log(
          `${dialect.padEnd(9)} ${(offered ? `offered ${offered}/s` : "saturation").padEnd(16)} ` +
            `${Math.round(result.requests.average)} req/s  ` +
            `p50 ${result.latency.p50} ms  p90 ${result.latency.p90} ms  p99 ${result.latency.p99} ms  ` +
            `errors ${errors}  requests ${result.requests.total}`,
        );
      }
    } finally {
      await stack.close();
      await pgdb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

/** 1,000 customers with an active model and a 168-point forecast, written with the registry's own queries. */
async function seed(db: Parameters<typeof publishForecasts>[0]) {
  const start = Date.UTC(2026, 0, 1);
  const ids = Array.from({ length: CUSTOMERS }, (_, i) => String(i));
  await upsertCustomers(
    db,
    "bench",
    { horizon: HORIZON },
    "H",
    ids.map((id) => ({
      id,
      dataKey: "",
      points: 0,
      gaps: 0,
      first: new Date(start).toISOString(),
      last: new Date(start).toISOString(),
    })),
  );
  await registerModels(
    db,
    ids.map((id) => ({
      dataset: "bench",
      customerId: id,
      version: "v1",
      runId: "bench",
      algorithm: "SeasonalNaive",
      metrics: {},
      selection: {},
      artifactKey: `models/bench/${id}/v1.tar.gz`,
    })),
  );
  let batch: Publication[] = [];
  for (const id of ids) {
    const points = Array.from({ length: HORIZON }, (_, h) => {
      const v = 500 + 100 * Math.sin((2 * Math.PI * h) / 24);
      return {
        timestamp: new Date(start + h * 3_600_000).toISOString(),
        mean: v,
        p10: v - 50,
        p50: v,
        p90: v + 50,
      };
    });
    batch.push({ customerId: id, version: "v1", points });
    if (batch.length === 50) {
      await publishForecasts(db, "bench", batch);
      batch = [];
    }
  }
}

/**
 * Runs autocannon in its own process (bench/api-load.cjs) so the load generator does not share
 * the server's event loop; returns its JSON result.
 */
function load(url: string, key: string, seconds: number, rate?: number): Promise<AutocannonResult> {
  const script = fileURLToPath(new URL("./api-load.cjs", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [script, url, key, String(seconds), String(CUSTOMERS), ...(rate ? [String(rate)] : [])],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx?: number;
}
