import { createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { Command } from "commander";
import { generateRows } from "@myriad/core/ingest/generate";
import { configFromEnv } from "./env.ts";
import { startStack } from "./stack.ts";
import { ApiClient } from "./api-client.ts";

const program = new Command("myriad").description("One forecasting model per customer, on this machine.");

program
  .command("start")
  .description("start the embedded stack: bucket folder, pipeline runner, model endpoint, API and console")
  .action(async () => {
    const config = configFromEnv();
    const stack = await startStack(config, { log: (line) => console.log(`[myriad] ${line}`) });
    console.log(`[myriad] API and console  ${stack.apiUrl}   (docs: ${stack.apiUrl}/docs)`);
    console.log(`[myriad] model endpoint   ${stack.endpointUrl}`);
    console.log(`[myriad] bucket folder    ${stack.ports.bucketDir}  (drop CSV files into raw/)`);
    console.log(
      `[myriad] database         ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${join(config.dataDir, "db")}`}`,
    );
    if (stack.adminKeyCreated) {
      console.log(
        `[myriad] admin key (shown once; also in ${join(config.dataDir, "admin-key")}):\n  ${stack.adminKey}`,
      );
    }
    if (stack.demoDropped)
      console.log(
        "[myriad] empty bucket: dropped the 1,000-customer demo file into raw/ (MYRIAD_DEMO=0 skips)",
      );
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`[myriad] ${signal}: stopping (runs under way are marked ABORTED)`);
      await stack.close();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  });

program
  .command("upload")
  .description("upload a CSV (or .csv.gz) through the running stack's API; a run starts")
  .argument("<file>")
  .option("-d, --dataset <name>", "dataset", "default")
  .action(async (file: string, opts: { dataset: string }) => {
    const api = await ApiClient.fromEnv();
    const size = (await stat(file)).size;
    const ticket = await api.post<{ url: string; headers: Record<string, string>; key: string }>(
      "/v1/uploads",
      {
        dataset: opts.dataset,
        filename: basename(file),
        size,
      },
    );
    const body = await readFile(file);
    const res = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body });
    if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
    console.log(`uploaded ${file} → ${ticket.key} (${size} bytes); see \`myriad runs\``);
  });

const runs = program.command("runs").description("pipeline runs (through the running stack's API)");
runs
  .command("list", { isDefault: true })
  .description("list runs with status and per-state timings")
  .option("-n, --limit <n>", "how many", "10")
  .action(async (opts: { limit: string }) => {
    const api = await ApiClient.fromEnv();
    const { runs: list } = await api.get<{ runs: { runId: string }[] }>(
      `/v1/runs?limit=${Number(opts.limit)}`,
    );
    for (const summary of list) {
      const run = await api.get<RunDetail>(`/v1/runs/${summary.runId}`);
      console.log(
        `${run.runId}  ${run.status.padEnd(9)}  ${run.dataset}  ${run.input.key}  ${fmt(run.durationMs)}`,
      );
      for (const s of run.states)
        console.log(
          `    ${s.name.padEnd(10)} ${s.status.padEnd(9)} ${fmt(s.durationMs)}${s.error ? `  ${s.error}` : ""}`,
        );
      if (run.cause) console.log(`    cause: ${run.cause}`);
    }
  });

program
  .command("generate")
  .description("write the seed's synthetic dataset (customer_id,timestamp,consumption)")
  .requiredOption("-c, --customers <n>", "number of customers")
  .requiredOption("-d, --days <n>", "days of readings")
  .requiredOption("-o, --out <file>", "output file (.csv or .csv.gz)")
  .option("--seed <n>", "random seed", "42")
  .option("--start <date>", "first day (UTC)")
  .action(async (opts: { customers: string; days: string; out: string; seed: string; start?: string }) => {
    const rows = Readable.from(
      generateRows({
        customers: Number(opts.customers),
        days: Number(opts.days),
        seed: Number(opts.seed),
        start: opts.start ? new Date(opts.start) : undefined,
      }),
    );
    const out = createWriteStream(opts.out);
    await (opts.out.endsWith(".gz") ? pipeline(rows, createGzip(), out) : pipeline(rows, out));
    console.log(`wrote ${opts.out}`);
  });

runs
  .command("redrive")
  .description("restart a FAILED, ABORTED or TIMED_OUT run at the state that did not succeed")
  .argument("<runId>")
  .action(async (runId: string) => {
    const api = await ApiClient.fromEnv();
    const out = await api.post<{ startAt: string }>(`/v1/runs/${encodeURIComponent(runId)}/redrive`, {});
    console.log(`redriving ${runId} from ${out.startAt}`);
  });

const keys = program.command("keys").description("API keys (through the running stack's API)");
keys
  .command("create")
  .requiredOption("-s, --scope <scope>", "admin | customer:<dataset>/<id>")
  .option("-n, --name <name>", "a note to recognise the key by")
  .action(async (opts: { scope: string; name?: string }) => {
    const api = await ApiClient.fromEnv();
    const created = await api.post<{ id: string; key: string }>("/v1/keys", opts);
    console.log(`${created.key}\n(id ${created.id}; the key is shown only now)`);
  });
keys.command("list").action(async () => {
  const api = await ApiClient.fromEnv();
  const { keys: list } = await api.get<{
    keys: { id: string; scope: string; name: string | null; revokedAt: string | null }[];
  }>("/v1/keys");
  for (const k of list)
    console.log(`${k.id}  ${k.scope.padEnd(30)}  ${k.revokedAt ? "revoked" : "active "}  ${k.name ?? ""}`);
});
keys
  .command("revoke")
  .argument("<id>")
  .action(async (id: string) => {
    const api = await ApiClient.fromEnv();
    await api.delete(`/v1/keys/${id}`);
    console.log(`revoked ${id}`);
  });

interface RunDetail {
  runId: string;
  status: string;
  dataset: string;
  input: { key: string };
  durationMs: number | null;
  cause: string | null;
  states: { name: string; status: string; durationMs: number | null; error?: string }[];
}

const fmt = (ms: number | null) =>
  ms === null ? "…" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;

program.parseAsync().catch((e: Error) => {
  console.error(`myriad: ${e.message}`);
  process.exit(1);
});
