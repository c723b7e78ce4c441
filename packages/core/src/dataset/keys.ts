import { assertSafeIdentifier } from "./identifiers.ts";

/**
 * Every object key Myriad reads or writes, in one place. Files directly under `raw/` belong to
 * dataset `default`.
 */
export const DEFAULT_DATASET = "default";

export const Keys = {
  datasetConfig: (dataset: string) => `raw/${dataset}/_dataset.json`,
  customerData: (dataset: string, customerId: string) =>
    `customers/${assertSafeIdentifier("dataset", dataset)}/${assertSafeIdentifier("customer", customerId)}/data.csv`,
  customersPrefix: (dataset: string) => `customers/${dataset}/`,
  manifest: (dataset: string, runId: string) => `manifests/${dataset}/${runId}.json`,
  quarantine: (dataset: string, runId: string) => `quarantine/${dataset}/${runId}.csv`,
  model: (dataset: string, customerId: string, version: string) =>
    `models/${assertSafeIdentifier("dataset", dataset)}/${assertSafeIdentifier("customer", customerId)}/${version}.tar.gz`,
  modelsPrefix: (dataset: string) => `models/${dataset}/`,
  /** Item metadata of a dataset, upserted from `raw/<dataset>/metadata.csv` (JSON). */
  driversMetadata: (dataset: string) => `drivers/${assertSafeIdentifier("dataset", dataset)}/metadata.json`,
  /** One related time series, merged from `raw/<dataset>/related/<name>.csv` (JSON). */
  driversRelated: (dataset: string, name: string) =>
    `drivers/${assertSafeIdentifier("dataset", dataset)}/related/${name}.json`,
  driversRelatedPrefix: (dataset: string) => `drivers/${dataset}/related/`,
  /** Rows of a driver file that could not be used; `file` is `metadata` or `related-<name>`. */
  driverQuarantine: (dataset: string, file: string, tag: string) =>
    `quarantine/${dataset}/${file}-${tag}.csv`,
};

/** What an object under `raw/` is: a data upload, or one of the driver files. */
export type RawKeyKind =
  | { kind: "data"; dataset: string }
  | { kind: "metadata"; dataset: string }
  | { kind: "related"; dataset: string; name: string };

const DRIVER_FILE = /^(.+)\.csv(\.gz)?$/i;

/**
 * Classifies a `raw/` key: `raw/<dataset>/metadata.csv[.gz]` (`raw/metadata.csv` for `default`)
 * is item metadata, `raw/<dataset>/related/<name>.csv[.gz]` a related time series (dataset
 * `default` uses `raw/default/related/`: `raw/related/x.csv` stays a data file of a dataset named
 * `related`), anything {@link datasetOfRawKey} accepts is data; else undefined. The related
 * `name` is not checked here (see isSafeIdentifier).
 */
export function rawKeyKind(key: string): RawKeyKind | undefined {
  if (!key.startsWith("raw/")) return undefined;
  const rest = key.slice(4).split("/");
  const file = rest.at(-1) ?? "";
  if (rest.length === 3 && rest[1] === "related" && rest[0] !== "") {
    const name = DRIVER_FILE.exec(file)?.[1];
    return name === undefined ? undefined : { kind: "related", dataset: rest[0], name };
  }
  const dataset = datasetOfRawKey(key);
  if (dataset === undefined) return undefined;
  if (/^metadata\.csv(\.gz)?$/i.test(file)) return { kind: "metadata", dataset };
  return { kind: "data", dataset };
}

/** `raw/<dataset>/<file>` → dataset, or undefined for keys outside `raw/` or config files. */
export function datasetOfRawKey(key: string): string | undefined {
  if (!key.startsWith("raw/")) return undefined;
  const rest = key.slice(4).split("/");
  const file = rest.at(-1) ?? "";
  if (file === "" || file.startsWith("_") || file.startsWith(".")) return undefined;
  if (rest.length === 1) return DEFAULT_DATASET;
  if (rest.length === 2) return rest[0];
  return undefined;
}

/** Model name as the endpoint knows it: SageMaker's TargetModel is a path under the models prefix. */
export function targetModelName(dataset: string, customerId: string, version: string): string {
  return `${dataset}/${customerId}/${version}.tar.gz`;
}
