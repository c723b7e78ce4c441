import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer } from "node:http";
import { getRequestListener, RequestError } from "@hono/node-server";
import type { FSWatcher } from "chokidar";
import { startModelServer } from "@myriad/model-server";
import { createApi } from "@myriad/functions/api/app";
import { problemResponse } from "@myriad/functions/api/problem";
import { ForecastCache } from "@myriad/functions/api/forecast-cache";
import { publicationGeneration } from "@myriad/core/registry/forecasts";
import { run as onUpload } from "@myriad/functions/on-upload";
import { RouterInferenceEndpoint } from "./adapters/router-inference-endpoint.ts";
import { failInterruptedRuns } from "@myriad/core/pipeline/steps/redrive-run";
import { ensureAdminKey } from "./admin-key.ts";
import { consoleRoutes } from "./console-static.ts";
import { watchBucket } from "./bucket-watcher.ts";
import { dropDemoIfEmpty } from "./demo.ts";
import type { LocalConfig } from "./env.ts";
import { createLocalPorts, type LocalPorts } from "./ports.ts";

export interface RunningStack {
  ports: LocalPorts;
  apiUrl: string;
  endpointUrl: string;
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
  options: { log?: (line: string) => void; watch?: boolean } = {},
): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const modelServer = await startModelServer({ port: config.endpointPort, host: config.host });
  const endpoint = new RouterInferenceEndpoint({
    server: modelServer.url,
    cacheDir: join(config.dataDir, "endpoint-cache"),
    // The ports are wired after the endpoint (they hold it); reads go to their store.
    store: { get: (key) => ports.store.get(key) },
  });
  let forecastCache: ForecastCache | undefined;
  const ports: LocalPorts = await createLocalPorts(config, {
    endpoint,
    onState: (runId, state) => log(`${runId}  ${state}`),
    onStateDone: (_runId, state) => {
      if (state === "Publish") forecastCache?.clear();
    },
  });

  // The API app is the root so its error and not-found handlers answer for every route.
  forecastCache = new ForecastCache({ generationOf: (dataset) => publicationGeneration(ports.db, dataset) });
  const app = createApi(ports, { forecastCache });
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

  const admin = await ensureAdminKey(ports.db, config.dataDir);
  for (const { runId, state } of await failInterruptedRuns(ports.db)) {
    log(
      `${runId}: interrupted${state ? ` during ${state}` : ""}; marked FAILED (redrive: npx myriad runs redrive ${runId})`,
    );
  }
  let watcher: FSWatcher | undefined;
  if (options.watch !== false) {
    watcher = watchBucket(ports.bucketDir, async (event) => {
      const { uploads } = await onUpload(event, ports);
      for (const u of uploads)
        log(
          u.status === "ignored"
            ? `${u.key}: ignored (${u.reason})`
            : `${u.key}: run ${u.runId} ${u.status}${u.note ? ` (${u.note})` : ""}`,
        );
    });
    await new Promise<void>((resolve) => watcher?.once("ready", () => resolve()));
  }
  const demoDropped = config.demo ? await dropDemoIfEmpty(ports.store, ports.bucketDir) : false;

  return {
    ports,
    apiUrl,
    endpointUrl: modelServer.url,
    adminKey: admin.key,
    adminKeyCreated: admin.created,
    demoDropped,
    idle: () => ports.runner.idle(),
    async close() {
      await watcher?.close();
      await ports.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await modelServer.close();
    },
  };
}
