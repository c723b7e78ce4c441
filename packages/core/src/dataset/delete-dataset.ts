import { notFound } from "../errors/myriad-error.ts";
import type { Ports } from "../ports/ports.ts";
import {
  datasetBusy,
  datasetHasRows,
  type DeletedDatasetRows,
  deleteDatasetRows,
  unfinishedRuns,
} from "../registry/dataset-rows.ts";
import { assertSafeIdentifier } from "./identifiers.ts";
import { DEFAULT_DATASET } from "./keys.ts";

/**
 * The bucket's folders that hold a `<dataset>/` folder per dataset: its uploads (raw/), and what
 * is derived from them by Preprocess (customers/, manifests/, quarantine/), the driver files
 * (drivers/), Train (models/, runs/), Aggregate (runs/) and the SageMaker and Forecast backends
 * (training/). The API's delete permission in AWS is granted on these.
 */
export const DATASET_FOLDERS = [
  "raw/",
  "customers/",
  "models/",
  "manifests/",
  "quarantine/",
  "drivers/",
  "runs/",
  "training/",
] as const;

/** The prefixes of a dataset's derived objects: every folder of {@link DATASET_FOLDERS} but raw/. */
export function derivedPrefixes(dataset: string): string[] {
  return DATASET_FOLDERS.filter((f) => f !== "raw/").map((folder) => `${folder}${dataset}/`);
}

export interface DeletedDataset {
  dataset: string;
  rows: DeletedDatasetRows;
  /** Objects deleted from the bucket. */
  objects: number;
  /** Models unloaded from the endpoint (undefined where the endpoint cannot unload). */
  unloaded?: number;
}

/**
 * Deletes a dataset: its uploads, rows, loaded models and every derived object. Refused (409)
 * while a run of the dataset is under way; 404 when nothing of it is left anywhere.
 *
 * The order makes a crash at any point something the next call finishes:
 * 1. Uploads (`raw/`) first: they are what would bring the dataset back. The embedded stack
 *    reports every file in raw/ when it starts, and a file whose run rows were gone would start
 *    a new run; with the uploads gone first, nothing can.
 * 2. The rows, in one transaction: all or none, so the API never shows half a dataset.
 * 3. Loaded models, then the derived objects (models, customer series…). Rows already gone,
 *    a crash here leaves only objects, which still make the dataset known to the next call.
 */
export async function deleteDataset(
  ports: Pick<Ports, "db" | "store" | "endpoint">,
  dataset: string,
): Promise<DeletedDataset> {
  assertSafeIdentifier("dataset", dataset);
  const { db, store } = ports;
  const running = await unfinishedRuns(db, dataset);
  if (running.length > 0) throw datasetBusy(dataset, running);
  if (!(await datasetHasRows(db, dataset)) && !(await hasObjects(ports.store, dataset)))
    throw notFound(`dataset ${dataset}`);

  let objects = await deleteUploads(store, dataset);
  const rows = await deleteDatasetRows(db, dataset);
  // TargetModel names are the model keys without `models/`, so the dataset's all start so.
  const unloaded = await ports.endpoint.unload?.(`${dataset}/`);
  for (const prefix of derivedPrefixes(dataset)) objects += await store.deletePrefix(prefix);
  return { dataset, rows, objects, unloaded };
}

/** Whether any object of the dataset is left: uploads, or anything derived. */
async function hasObjects(store: Ports["store"], dataset: string): Promise<boolean> {
  for (const prefix of DATASET_FOLDERS.map((folder) => `${folder}${dataset}/`))
    for await (const _ of store.list(prefix)) return true;
  if (dataset === DEFAULT_DATASET) for await (const _ of topLevelUploads(store)) return true;
  return false;
}

/** `raw/<dataset>/` and, for dataset `default`, the files directly under `raw/`. */
async function deleteUploads(store: Ports["store"], dataset: string): Promise<number> {
  let deleted = await store.deletePrefix(`raw/${dataset}/`);
  if (dataset === DEFAULT_DATASET)
    for await (const key of topLevelUploads(store)) {
      await store.delete(key);
      deleted++;
    }
  return deleted;
}

/** Keys directly under `raw/`: dataset `default`'s files (`raw/<name>/…` belongs to `<name>`). */
async function* topLevelUploads(store: Ports["store"]): AsyncIterable<string> {
  for await (const o of store.list("raw/")) if (!o.key.slice("raw/".length).includes("/")) yield o.key;
}
