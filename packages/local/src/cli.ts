import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGzip } from "node:zlib";
import { Command } from "commander";
import { DEFAULT_DATASET, Keys } from "@myriad/core/dataset/keys";
import type { RunCounts } from "@myriad/core/registry/run-counts";
import { cliEnvPrefix, configFromEnv, type LocalConfig } from "./env.ts";
import { ApiClient } from "./api-client.ts";
import { followRun } from "./run-follower.ts";
import { RunProgressDisplay, type RunView, runPageUrl, type SummaryContext } from "./run-progress.ts";
import {
  type AccuracyBody,
  type ForecastBody,
  forecastReport,
  type HistoryPoint,
  type ModelBody,
  renderForecastChart,
} from "./forecast-view.ts";

const program = new Command("myriad").description("One forecasting model per customer, on this machine.");

program
  .command("start")
  .description("start the embedded stack: bucket folder, pipeline runner, model endpoint, API and console")
  .action(async () => {
    const { startStack } = await import("./stack.ts");
    const config = configFromEnv();
    // Every line goes through the display, so the progress lines stay below the log on a TTY.
    const display = new RunProgressDisplay(process.stdout, { prefix: "[myriad] " });
    const say = (line: string) => display.log(`[myriad] ${line}`);
    const stack = await startStack(config, { log: say, progress: display });
    say(`API and console  ${stack.apiUrl}   (docs: ${stack.apiUrl}/docs)`);
    say(`model endpoint   ${stack.endpointUrl}`);
    say(`bucket folder    ${stack.ports.bucketDir}  (drop CSV files into raw/)`);
    say(
      `database         ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${join(config.dataDir, "db")}`}`,
    );
    if (stack.adminKeyCreated) {
      say(`admin key (shown once; also in ${join(config.dataDir, "admin-key")}):\n  ${stack.adminKey}`);
    }
    if (stack.demoDropped)
      say("empty bucket: dropped the 1,000-customer demo file into raw/ (MYRIAD_DEMO=0 skips)");
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      say(`${signal}: stopping (runs under way are marked ABORTED)`);
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
  .option("-d, --dataset <name>", "dataset", DEFAULT_DATASET)
  .option(
    "-c, --config <file>",
    "a dataset config (_dataset.json) put in place for the dataset before the upload",
  )
  .option("-w, --wait", "follow the run to its end; exit 1 if it does not succeed")
  .action(async (file: string, opts: { dataset: string; config?: string; wait?: boolean }) => {
    const config = configFromEnv();
    const api = await ApiClient.fromEnv();
    if (opts.config) await putDatasetConfig(config.dataDir, opts.dataset, opts.config);
    const size = (await stat(file)).size;
    const uploadedAt = Date.now();
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
    // The embedded stack answers with the object's eTag; the run id is derived from it (and
    // the same bytes uploaded again map to the run that already processed them).
    const put = (await res.json().catch(() => ({}))) as { etag?: string };
    const { runIdFor } = await import("@myriad/core/pipeline/steps/start-run");
    const { LOCAL_BUCKET } = await import("./bucket-watcher.ts");
    const runId = put.etag ? runIdFor(LOCAL_BUCKET, ticket.key, put.etag) : undefined;
    console.log(`uploaded ${file} → ${ticket.key} (${size.toLocaleString("en-US")} bytes)`);
    if (runId) console.log(`run ${runId}  ${runPageUrl(api.baseUrl, runId)}`);
    if (!opts.wait) {
      console.log(`follow it: npx myriad runs${runId ? "" : ` (or upload with --wait)`}`);
      return;
    }
    const found = await waitForRun(api, opts.dataset, ticket.key, runId);
    // A run for these bytes began before this upload did (the stack runs on this machine, so
    // one clock): an earlier upload of the same bytes, whose run this is.
    if (Date.parse(found.startedAt) < uploadedAt)
      console.log(`these bytes were uploaded before: run ${found.runId} processed them (${found.status})`);
    const display = new RunProgressDisplay(process.stdout);
    const run = await followRun(
      () => api.get<RunView>(`/v1/runs/${encodeURIComponent(found.runId)}`),
      display,
      (ended) => summaryContext(api, config, ended),
    );
    if (run.status !== "SUCCEEDED") {
      console.error(
        `myriad: run ${run.runId} ${run.status}: ${run.error ?? "error"}${run.cause ? `: ${run.cause}` : ""}`,
      );
      process.exitCode = 1;
    }
  });

/**
 * Puts a `_dataset.json` in the stack's bucket folder (validated first, written under a dot
 * name the watcher ignores, then renamed), where the next run of the dataset reads it. The
 * upload API takes data files only; the CLI runs beside the stack, whose folder it knows.
 */
async function putDatasetConfig(dataDir: string, dataset: string, file: string): Promise<void> {
  const { isSafeIdentifier } = await import("@myriad/core/dataset/identifiers");
  const { parseDatasetConfig } = await import("@myriad/core/dataset/dataset-config");
  if (!isSafeIdentifier(dataset)) throw new Error(`unsafe dataset name ${JSON.stringify(dataset)}`);
  const text = await readFile(file, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  parseDatasetConfig(json); // throws invalid_dataset_config with what is wrong
  const key = Keys.datasetConfig(dataset);
  const target = join(dataDir, "bucket", ...key.split("/"));
  await mkdir(join(target, ".."), { recursive: true });
  const temp = join(target, "..", `.${basename(target)}.${process.pid}`);
  await writeFile(temp, text);
  await rename(temp, target);
  console.log(`config for dataset ${dataset} put in place → ${key}`);
}

/** The run of an upload, once the stack's watcher has created it (a few hundred ms). */
async function waitForRun(
  api: ApiClient,
  dataset: string,
  key: string,
  runId: string | undefined,
  timeoutMs = 30_000,
): Promise<RunView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = runId
      ? await api.find<RunView>(`/v1/runs/${encodeURIComponent(runId)}`)
      : (
          await api.get<{ runs: RunView[] }>(`/v1/runs?dataset=${encodeURIComponent(dataset)}&limit=10`)
        ).runs.find((r) => r.input.key === key);
    if (run) return run;
    if (Date.now() > until) throw new Error(`no run started for ${key} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function summaryContext(api: ApiClient, config: LocalConfig, run: RunView): Promise<SummaryContext> {
  const customers =
    run.status === "SUCCEEDED"
      ? await api
          .get<{ customers: { customerId: string }[] }>(
            `/v1/datasets/${encodeURIComponent(run.dataset)}/customers?limit=1`,
          )
          .catch(() => undefined)
      : undefined;
  return {
    apiUrl: api.baseUrl,
    keyFile: join(config.dataDir, "admin-key"),
    bucketDir: join(config.dataDir, "bucket"),
    cliEnv: cliEnvPrefix(config),
    customerId: customers?.customers[0]?.customerId,
  };
}

program
  .command("forecast")
  .description("a customer's forecast in the terminal: chart with its band, the model, its accuracy")
  .argument("<customer>", "customer id")
  .option("-d, --dataset <name>", "dataset", DEFAULT_DATASET)
  .option("--history <n>", "history points to show (default: as many as the forecast has)")
  .option("--json", "print the forecast JSON (GET …/forecast) for scripts")
  .action(async (customer: string, opts: { dataset: string; history?: string; json?: boolean }) => {
    const api = await ApiClient.fromEnv();
    const base = `/v1/datasets/${encodeURIComponent(opts.dataset)}/customers/${encodeURIComponent(customer)}`;
    const forecast = await api.find<ForecastBody>(`${base}/forecast`);
    if (!forecast) {
      throw new Error(
        `no forecast for customer ${customer} in dataset ${opts.dataset}: the customer is unknown or its run has not published yet (npx myriad runs)`,
      );
    }
    if (opts.json) {
      console.log(JSON.stringify(forecast, null, 2));
      return;
    }
    const limit = Math.min(100_000, Math.max(1, Number(opts.history ?? forecast.points.length) || 1));
    const [history, model, accuracy] = await Promise.all([
      api.find<{ points: HistoryPoint[] }>(`${base}/history?limit=${limit}`).catch(() => undefined),
      api.find<ModelBody>(`${base}/model`).catch(() => undefined),
      api.find<AccuracyBody>(`${base}/accuracy`).catch(() => undefined),
    ]);
    const width = Math.min(120, process.stdout.columns ?? 80);
    for (const line of renderForecastChart(history?.points ?? [], forecast.points, { width }))
      console.log(line);
    console.log("");
    for (const line of forecastReport({ forecast, model, accuracy, apiUrl: api.baseUrl })) console.log(line);
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
      const c = run.counts ?? {};
      const counted = [
        c.customers !== undefined ? `${c.customers.toLocaleString("en-US")} customers` : "",
        c.rows ? `${c.rows.quarantined.toLocaleString("en-US")} rows quarantined` : "",
        c.readingsReplaced ? `${c.readingsReplaced.toLocaleString("en-US")} earlier readings replaced` : "",
      ].filter(Boolean);
      console.log(
        `${run.runId}  ${run.status.padEnd(9)}  ${run.dataset}  ${run.input.key}  ${fmt(run.durationMs)}${counted.length ? `  (${counted.join(", ")})` : ""}`,
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
    const { generateRows } = await import("@myriad/core/ingest/generate");
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

runs
  .command("quarantine")
  .description("print the rows a run quarantined (CSV line,reason,row) to stdout")
  .argument("<runId>")
  .action(async (runId: string) => {
    const api = await ApiClient.fromEnv();
    const path = `/v1/runs/${encodeURIComponent(runId)}/quarantine`;
    const res = await fetch(api.baseUrl + path, { headers: { authorization: `Bearer ${api.key}` } }).catch(
      () => {
        throw new Error(`cannot reach ${api.baseUrl}; start the stack with \`npm start\``);
      },
    );
    if (!res.ok || !res.body) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string };
      throw new Error(`GET ${path}: ${res.status} ${problem.detail ?? ""}`);
    }
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), process.stdout);
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

const datasets = program.command("datasets").description("datasets (through the running stack's API)");
datasets
  .command("delete")
  .description(
    "delete a dataset: its uploads, runs, models, forecasts, customers and files; refused while a run of it is under way",
  )
  .argument("<name>")
  .action(async (name: string) => {
    const api = await ApiClient.fromEnv();
    await api.delete(`/v1/datasets/${encodeURIComponent(name)}`);
    console.log(`deleted dataset ${name}`);
  });

interface RunDetail {
  runId: string;
  status: string;
  dataset: string;
  input: { key: string };
  durationMs: number | null;
  counts: RunCounts;
  cause: string | null;
  states: { name: string; status: string; durationMs: number | null; error?: string }[];
}

const fmt = (ms: number | null) =>
  ms === null ? "…" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;

program.parseAsync().catch((e: Error) => {
  console.error(`myriad: ${e.message}`);
  process.exit(1);
});
