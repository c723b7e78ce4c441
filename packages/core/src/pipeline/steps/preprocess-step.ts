import { badRequest } from "../../errors/myriad-error.ts";
import { readDatasetConfig } from "../../ingest/preprocess.ts";
import { ALGORITHMS, IMPORTED_ALGORITHMS } from "../../models/catalog.ts";
import type { Db } from "../../ports/database.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import type { RunInput } from "../../ports/pipeline-runner.ts";
import type { DatasetOrder } from "../../ports/ports.ts";
import { PreprocessPending, type Preprocessor } from "../../ports/preprocessor.ts";
import { earlierRunsInProgress } from "../../registry/run-queries.ts";
import { addRunCounts } from "../../registry/runs.ts";
import type { PreprocessResult } from "../manifest.ts";
import type { PreprocessPendingResult } from "../pipeline-state.ts";
import { planTrainShards, type TrainSharding } from "../train-shards.ts";
import { reforecastCause, reforecastManifest } from "./reforecast-step.ts";

/**
 * The Preprocess state: runs the upload through the preprocessor and records its counts on the
 * run. A remote job still running becomes `{ pending: true }` (its status recorded as
 * `preprocessPending`), which PreprocessDone sends round WaitForPreprocess, as Train does.
 * So does an earlier upload of the same dataset that is still running when the runtime leaves
 * ordering to Preprocess (`datasetOrder: "preprocess"`: in AWS executions run concurrently):
 * waiting for it keeps one dataset's uploads merging in arrival order.
 * A run started by a related file reads no upload: it re-forecasts the active models.
 * The result lists the shards TrainShards trains (`shards`): the run's customers split by the
 * runtime's shard size, one shard for a backend that fans out by itself, none for a re-forecast.
 */
export async function preprocessStep(
  ports: {
    db: Db;
    store: ObjectStore;
    preprocessor: Preprocessor;
    datasetOrder: DatasetOrder;
    trainSharding: TrainSharding;
    unavailableAlgorithms?: Readonly<Record<string, string>>;
  },
  input: RunInput,
): Promise<PreprocessResult | PreprocessPendingResult> {
  const earlier =
    ports.datasetOrder === "runner" ? [] : await earlierRunsInProgress(ports.db, input.runId, input.dataset);
  if (earlier.length > 0) {
    await addRunCounts(ports.db, input.runId, { preprocessPending: `waiting for ${earlier.join(", ")}` });
    return { pending: true };
  }
  const cause = reforecastCause(input);
  if (cause !== undefined) return { ...(await reforecastManifest(ports, input, cause)), shards: [] };
  await refuseUnavailableAlgorithm(ports, input.dataset);
  let result: PreprocessResult;
  try {
    result = await ports.preprocessor.run(input);
  } catch (e) {
    if (!(e instanceof PreprocessPending)) throw e;
    await addRunCounts(ports.db, input.runId, { preprocessPending: e.message });
    return { pending: true };
  }
  await addRunCounts(ports.db, input.runId, {
    customers: result.customers,
    rows: result.rows,
    quarantined: result.reasons,
    quarantineKey: result.quarantineKey,
    ...(result.readingsReplaced === undefined ? {} : { readingsReplaced: result.readingsReplaced }),
    ...(result.readingsResent === undefined ? {} : { readingsResent: result.readingsResent }),
  });
  const backend = result.backend ?? ports.trainSharding.defaultBackend;
  return {
    ...result,
    shards: planTrainShards(result.customers, backend, ports.trainSharding.customersPerShard),
  };
}

/**
 * A dataset that pins an algorithm this runtime lacks, or one that does not exist, fails here
 * with the reason rather than customer by customer in Train.
 */
async function refuseUnavailableAlgorithm(
  ports: { store: ObjectStore; unavailableAlgorithms?: Readonly<Record<string, string>> },
  dataset: string,
): Promise<void> {
  const { algorithm } = await readDatasetConfig(ports.store, dataset);
  if (algorithm === undefined) return;
  if (!ALGORITHMS.includes(algorithm) || IMPORTED_ALGORITHMS.includes(algorithm)) {
    const known = ALGORITHMS.filter((a) => !IMPORTED_ALGORITHMS.includes(a));
    throw badRequest(
      "invalid_dataset_config",
      `_dataset.json: algorithm ${JSON.stringify(algorithm)} is not one of ${known.join(", ")}`,
    );
  }
  const why = ports.unavailableAlgorithms?.[algorithm];
  if (why !== undefined)
    throw badRequest(
      "algorithm_unavailable",
      `_dataset.json: algorithm ${algorithm} cannot run here: ${why}`,
    );
}
