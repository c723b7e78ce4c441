import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer } from "node:http";
import { getRequestListener, type HttpBindings, RequestError } from "@hono/node-server";
import { createApi } from "@myriad/functions/api/app";
import { problemResponse } from "@myriad/functions/api/problem";
import { ForecastCache } from "@myriad/functions/api/forecast-cache";
import { publicationGeneration } from "@myriad/core/registry/forecasts";
import { run as onUpload } from "@myriad/functions/on-upload";
import { RouterInferenceEndpoint } from "./adapters/router-inference-endpoint.ts";
import { startEmbeddedModelServer } from "./endpoint/embedded-model-server.ts";
import { failInterruptedRuns } from "@myriad/core/pipeline/steps/redrive-run";
import { listRuns } from "@myriad/core/registry/run-queries";
import type { UploadOutcome } from "@myriad/core/pipeline/steps/start-run";
import { readDatasetConfig } from "@myriad/core/ingest/preprocess";
import { ensureAdminKey } from "./admin-key.ts";
import { Heartbeat } from "./heartbeat.ts";
import { consoleRoutes } from "./console-static.ts";
import { watchBucket } from "./bucket-watcher.ts";
import { dropDemoIfEmpty } from "./demo.ts";
import { cliEnvPrefix, type LocalConfig } from "./env.ts";
import { createLocalPorts, type LocalPorts } from "./ports.ts";
import { RunFollower } from "./run-follower.ts";
import type { RunProgressDisplay, RunView } from "./run-progress.ts";

export interface RunningStack {
  ports: LocalPorts;
  apiUrl: string;
  /** The model endpoint, on loopback only. */
  endpointUrl: string;
  /** Its per-process secret, which the router sends; tests probe the endpoint with it. */
  endpointSecret: string;
  adminKey: string;
  adminKeyCreated: boolean;
  demoDropped: boolean;
  /** Resolves when no run is under way. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the embedded stack: model server, database, bucket watcher, local state-machine
 * runner and the API server, all wired to the same handlers Lambda runs.
 */
export async function startStack(
  config: LocalConfig,
  options: {
    log?: (line: string) => void;
    watch?: boolean;
    /**
     * Follows every run on this display: a progress line while it runs, a summary when it
     * ends. Without it, the log gets `<runId>  <State>` as each state starts.
     */
    progress?: RunProgressDisplay;
    /** How often runs under way are read for the display (ms). */
    progressIntervalMs?: number;
  } = {},
): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  let follower: RunFollower | undefined;
  // Loopback only, whatever MYRIAD_HOST says: only the API and console are meant to be shared.
  const endpointCache = join(config.dataDir, "endpoint-cache");
  const modelServer = await startEmbeddedModelServer({ port: config.endpointPort, cacheDir: endpointCache });
  const endpoint = new RouterInferenceEndpoint({
    server: modelServer.url,
    secret: modelServer.secret,
    cacheDir: endpointCache,
    // The ports are wired after the endpoint (they hold it); reads go to their store.
    store: { get: (key) => ports.store.get(key) },
  });
  let forecastCache: ForecastCache | undefined;
  const ports: LocalPorts = await createLocalPorts(config, {
    endpoint,
    onState: (runId, state) => (follower ? follower.follow(runId) : log(`${runId}  ${state}`)),
    onStateDone: (_runId, state) => {
      if (state === "Publish") forecastCache?.clear();
    },
  });

  // Started before anything runs; the previous process's last beat dates the runs it left.
  const { heartbeat, lastAliveAt } = await Heartbeat.start(join(config.dataDir, "heartbeat"));

  // The API app is the root so its error and not-found handlers answer for every route.
  forecastCache = new ForecastCache({ generationOf: (dataset) => publicationGeneration(ports.db, dataset) });
  const app = createApi(ports, {
    forecastCache,
    // Bad keys are throttled per peer address; in-process requests (app.request) have none.
    clientAddress: (c) => (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.remoteAddress,
  });
  app.route("/", ports.uploads.routes());
  app.route("/", consoleRoutes());
  // getRequestListener rather than serve(): a request Node can parse but no URL can hold
  // (e.g. `GET /\`) gets the API's problem+json 400 instead of an empty one.
  const listener = getRequestListener(app.fetch, {
    errorHandler: (e) => {
      if (e instanceof RequestError) return problemResponse(400, "bad_request", e.message);
      console.error(e);
      return problemResponse(500, "internal_error", "unexpected error; it has been logged");
    },
  });
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const apiUrl = `http://${config.host}:${port}`;
  ports.uploads.serveAt(config.publicUrl ?? apiUrl);

  const admin = await ensureAdminKey(ports.db, config.dataDir);
  const keyFile = join(config.dataDir, "admin-key");
  const cliEnv = cliEnvPrefix({ ...config, port });
  if (options.progress) {
    const get = async <T>(path: string): Promise<T | undefined> => {
      const res = await app.request(path, { headers: { authorization: `Bearer ${admin.key}` } });
      return res.ok ? ((await res.json()) as T) : undefined;
    };
    follower = new RunFollower({
      display: options.progress,
      intervalMs: options.progressIntervalMs,
      readRun: (runId) => get<RunView>(`/v1/runs/${encodeURIComponent(runId)}`),
      context: async (run) => ({
        apiUrl,
        keyFile,
        bucketDir: ports.bucketDir,
        cliEnv,
        customerId:
          run.status === "SUCCEEDED"
            ? (
                await get<{ customers: { customerId: string }[] }>(
                  `/v1/datasets/${encodeURIComponent(run.dataset)}/customers?limit=1`,
                )
              )?.customers[0]?.customerId
            : undefined,
      }),
    });
  }
  const interrupted = await failInterruptedRuns(ports.db, { lastAliveAt });
  if (interrupted.length > 0) {
    const named = interrupted.map(({ runId, state }) => `${runId}${state ? ` (during ${state})` : ""}`);
    log(
      `interrupted runs: ${named.join(", ")}; the stack stopped while they ran, so they are marked FAILED. Redrive with: ${interrupted.map(({ runId }) => `${cliEnv}npx myriad runs redrive ${runId}`).join(" ; ")}`,
    );
  }
  const aborted = (await listRuns(ports.db, { status: "ABORTED", limit: 6 })).runs;
  if (aborted.length > 0) {
    const more = aborted.length > 5 ? ` and more (npx myriad runs)` : "";
    log(
      `runs stopped by a shutdown (ABORTED): ${aborted
        .slice(0, 5)
        .map((r) => r.run_id)
        .join(", ")}${more}. Redrive with: ${cliEnv}npx myriad runs redrive RUN_ID`,
    );
  }
  let watcher: ReturnType<typeof watchBucket> | undefined;
  if (options.watch !== false) {
    const alreadyProcessed: string[] = [];
    let scanning = true;
    watcher = watchBucket(ports.bucketDir, async (event) => {
      const { uploads } = await onUpload(event, ports);
      for (const u of uploads) {
        if (scanning && u.status === "duplicate") alreadyProcessed.push(u.key);
        else log(await describeUpload(u, ports));
      }
    });
    await watcher.scanned;
    scanning = false;
    if (alreadyProcessed.length > 0) {
      const names = alreadyProcessed.slice(0, 3).join(", ");
      const more = alreadyProcessed.length > 3 ? ` and ${alreadyProcessed.length - 3} more` : "";
      log(
        `${alreadyProcessed.length === 1 ? "1 file" : `${alreadyProcessed.length} files`} in raw/ already processed (${names}${more}); their runs are in \`npx myriad runs\``,
      );
    }
  }
  const demoDropped = config.demo ? await dropDemoIfEmpty(ports.store, ports.bucketDir) : false;

  return {
    ports,
    apiUrl,
    endpointUrl: modelServer.url,
    endpointSecret: modelServer.secret,
    adminKey: admin.key,
    adminKeyCreated: admin.created,
    demoDropped,
    idle: () => ports.runner.idle(),
    async close() {
      await follower?.close();
      options.progress?.close();
      await watcher?.close();
      await ports.close();
      await heartbeat.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await modelServer.close();
    },
  };
}

const CONFIG_KEY = /^raw\/(?:([^/]+)\/)?_dataset\.json$/;

/** A log line for what an upload event did, in the words a user reads. */
async function describeUpload(u: UploadOutcome, ports: LocalPorts): Promise<string> {
  if (u.status !== "ignored")
    return u.status === "started"
      ? `${u.key}: run ${u.runId} started${u.note ? ` (${u.note})` : ""}`
      : `${u.key}: already processed (run ${u.runId})`;
  const config = CONFIG_KEY.exec(u.key);
  if (!config) return `${u.key}: ignored (${u.reason})`;
  const dataset = config[1];
  if (dataset === undefined)
    return `${u.key}: not used: the config of dataset default goes in raw/default/_dataset.json`;
  try {
    const text = await ports.store.get(u.key);
    await readDatasetConfig(ports.store, dataset);
    const fields = Object.keys(JSON.parse(new TextDecoder().decode(text)) as object);
    return `config for dataset ${dataset} loaded${fields.length ? ` (${fields.join(", ")})` : ""}; the next runs of ${dataset} use it`;
  } catch (e) {
    const why = (e as Error).message.replace(/\s*\n\s*/g, " ");
    return `config for dataset ${dataset} is invalid: ${why}; runs of ${dataset} fail until it is fixed`;
  }
}
