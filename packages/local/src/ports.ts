import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "@myriad/core/db/schema";
import { migrateToLatest } from "@myriad/core/db/migrations";
import type { Ports } from "@myriad/core/ports/ports";
import { InProcessPreprocessor } from "@myriad/core/ingest/in-process-preprocessor";
import type { InferenceEndpoint } from "@myriad/core/ports/inference-endpoint";
import { PIPELINE_STATES } from "@myriad/core/pipeline/state-machine";
import { TASK_HANDLERS } from "@myriad/functions/tasks";
import { runState } from "@myriad/functions/lib/run-state";
import { FolderObjectStore } from "./adapters/folder-object-store.ts";
import { LocalPipelineRunner } from "./adapters/local-pipeline-runner.ts";
import { WorkerPoolTrainingBackend } from "./adapters/worker-pool-training-backend.ts";
import { openDatabase } from "./database.ts";
import type { LocalConfig } from "./env.ts";
import { LOCAL_BUCKET } from "./bucket-watcher.ts";
import { LocalUploads } from "./upload-server.ts";

export interface LocalPorts extends Ports {
  store: FolderObjectStore;
  runner: LocalPipelineRunner;
  uploads: LocalUploads;
  bucketDir: string;
  close(): Promise<void>;
}

/**
 * Wires the embedded stack: the one place that picks the local adapters. The endpoint is
 * passed in because it needs the model server the stack starts.
 */
export async function createLocalPorts(
  config: LocalConfig,
  options: {
    endpoint: InferenceEndpoint;
    onState?: (runId: string, state: string) => void;
    /** Called when a state's handler has returned. */
    onStateDone?: (runId: string, state: string) => void;
  },
): Promise<LocalPorts> {
  const bucketDir = join(config.dataDir, "bucket");
  await mkdir(join(bucketDir, "raw"), { recursive: true });
  const pgliteDir = join(config.dataDir, "db");
  const db: Kysely<Database> = openDatabase({ databaseUrl: config.databaseUrl, pgliteDir });
  await migrateToLatest(db as Kysely<unknown>);
  const store = new FolderObjectStore(bucketDir, join(config.dataDir, "tmp"));
  const training = new WorkerPoolTrainingBackend({ bucketDir, threads: config.trainThreads });
  const ports = {} as LocalPorts;
  const recorded = new Set<string>(PIPELINE_STATES);
  const runner = new LocalPipelineRunner({
    db,
    retryIntervalMs: 200,
    handle: async (state, input) => {
      options.onState?.(input.runId, state);
      const handler = TASK_HANDLERS[state];
      const delay = config.stateDelays[state];
      const run = async (i: typeof input) => {
        if (delay) await new Promise((r) => setTimeout(r, delay));
        return handler(i, ports);
      };
      // TrainShard is not a run state (a run has hundreds): only the pipeline's five are recorded.
      const result = await (recorded.has(state) ? runState(state, run, input, ports) : run(input));
      options.onStateDone?.(input.runId, state);
      return result;
    },
  });
  Object.assign(ports, {
    store,
    bucket: LOCAL_BUCKET,
    bucketDir,
    runner,
    // No Lambda limit here: every input is preprocessed in this process, at any size.
    preprocessor: new InProcessPreprocessor(store),
    // The local runner runs one dataset's runs one after another: Preprocess need not wait.
    datasetOrder: "runner",
    // Every backend trains in this process's worker pool: none fans out by itself.
    trainSharding: { customersPerShard: config.trainShardSize, defaultBackend: "local" },
    training,
    endpoint: options.endpoint,
    db,
    uploads: new LocalUploads(store),
    async close() {
      await runner.stop();
      await training.close();
      await db.destroy();
    },
  });
  return ports;
}
