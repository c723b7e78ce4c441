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
};

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
