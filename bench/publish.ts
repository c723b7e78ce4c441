/**
 * `npm run bench -- publish [--customers 5000] [--dialects pglite,postgres] [--batch 250] [--writes 2]`: the database half
 * of Publish. Writes each customer's 168-point forecast (JSON text, as trainers hand it on) and
 * switches its active model with the registry's own `publishForecasts`, in the batches and with
 * the transactions in flight Publish uses, twice (the second pass replaces the first, as every
 * run after the first does). Prints ms per customer and the time 100,000 customers would take
 * at that rate. `--step` measures the whole Publish step instead (bench/publish-step.ts).
 */
import type { Kysely } from "kysely";
import pMap from "p-map";
import type { Database } from "@myriad/core/db/schema";
import { upsertCustomers } from "@myriad/core/registry/customers";
import { type Publication, publishForecasts } from "@myriad/core/registry/forecasts";
import { registerModels } from "@myriad/core/registry/models";
import { openTestDatabase } from "../test/support/databases.ts";
import { publishStepBench } from "./publish-step.ts";

const HORIZON = 168;
/** Publish's own batch and transactions in flight (packages/core/src/pipeline/steps/publish-step.ts). */
const BATCH = "250";
const WRITES = "2";

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

export async function main(args: string[]) {
  const customers = Number(arg(args, "customers", "5000"));
  const dialects = arg(args, "dialects", "pglite,postgres").split(",") as ("pglite" | "postgres")[];
  if (args.includes("--step")) return publishStepBench(customers, dialects);
  // Other sizes, to size Publish's by measurement.
  const batchSize = Number(arg(args, "batch", BATCH));
  const writes = Number(arg(args, "writes", WRITES));
  console.log(
    `publish bench: ${customers.toLocaleString("en")} customers × ${HORIZON} points, ${batchSize} per transaction, ${writes} in flight`,
  );
  console.log("database   pass      total    ms/customer   100,000 customers");
  for (const dialect of dialects) {
    const { db, close } = await openTestDatabase(dialect);
    try {
      const ids = Array.from({ length: customers }, (_, i) => String(i));
      await seed(db, ids);
      for (const [pass, version] of [
        ["first", "v1"],
        ["replace", "v2"],
      ] as const) {
        const started = performance.now();
        const batches: string[][] = [];
        for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize));
        await pMap(
          batches,
          (batch) =>
            publishForecasts(
              db,
              "bench",
              batch.map((id) => publication(id, version)),
            ),
          { concurrency: writes },
        );
        const ms = performance.now() - started;
        const perCustomer = ms / customers;
        console.log(
          `${dialect.padEnd(10)} ${pass.padEnd(8)} ${(ms / 1000).toFixed(1).padStart(6)} s   ${perCustomer.toFixed(3).padStart(8)}      ${((perCustomer * 100_000) / 1000).toFixed(0).padStart(5)} s`,
        );
      }
    } finally {
      await close();
    }
  }
}

/** Customers with two registered versions each, so both passes have a model to activate. */
async function seed(db: Kysely<Database>, ids: string[]) {
  const day = new Date(Date.UTC(2026, 0, 1)).toISOString();
  await upsertCustomers(
    db,
    "bench",
    { horizon: HORIZON },
    "H",
    ids.map((id) => ({ id, dataKey: "", points: 0, gaps: 0, first: day, last: day })),
  );
  for (const version of ["v1", "v2"]) {
    await registerModels(
      db,
      ids.map((id) => ({
        dataset: "bench",
        customerId: id,
        version,
        runId: "bench",
        algorithm: "SeasonalNaive",
        metrics: {},
        selection: {},
        artifactKey: `models/bench/${id}/${version}.tar.gz`,
      })),
    );
  }
}

/**
 * A 168-point forecast whose values carry full-precision digits, as a model's do: repeated or
 * smooth digits would compress better than real forecasts and flatter the database.
 */
function publication(customerId: string, version: string): Publication {
  const start = Date.UTC(2026, 0, 1);
  let state = Number(customerId) * 7919 + (version === "v1" ? 1 : 2);
  const noise = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const points = Array.from({ length: HORIZON }, (_, h) => {
    const v = 500 + 100 * Math.sin((2 * Math.PI * h) / 24) + 20 * noise();
    return {
      timestamp: new Date(start + h * 3_600_000).toISOString(),
      mean: v,
      p10: v - 40 - 20 * noise(),
      p50: v - 5 * noise(),
      p90: v + 40 + 20 * noise(),
    };
  });
  return { customerId, version, points: JSON.stringify(points) };
}
