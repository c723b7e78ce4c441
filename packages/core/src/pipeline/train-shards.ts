import type { Backend } from "../dataset/dataset-config.ts";

/**
 * One item of the TrainShards Distributed Map: shard `shard` of `of` trains the run's customers
 * whose position in the manifest is `shard` modulo `of`. Interleaving rather than ranges keeps
 * shards the same size to within one customer and spreads a manifest's sorted neighbours (often
 * alike in length, so in fitting time) across shards.
 */
export interface TrainShard {
  shard: number;
  of: number;
}

/** How a runtime splits training: its shard size and the backend of a dataset that names none. */
export interface TrainSharding {
  customersPerShard: number;
  defaultBackend: Backend;
}

/** 250 customers fit one Train Lambda's 15 minutes with room to spare (docs/aws.md). */
export const DEFAULT_CUSTOMERS_PER_SHARD = 250;

/** Backends whose job fans out by itself: one shard hands it every customer. */
const REMOTE_BACKENDS: ReadonlySet<Backend> = new Set(["sagemaker", "forecast"]);

/**
 * The shards of a run of `customers` customers. A remote backend gets exactly one (its job
 * spreads the customers over instances itself); a run with no customer to train gets none.
 */
export function planTrainShards(
  customers: number,
  backend: Backend,
  customersPerShard: number,
): TrainShard[] {
  if (!Number.isInteger(customersPerShard) || customersPerShard < 1)
    throw new Error(`the shard size must be a whole number of customers >= 1 (got ${customersPerShard})`);
  if (customers === 0) return [];
  const of = REMOTE_BACKENDS.has(backend) ? 1 : Math.ceil(customers / customersPerShard);
  return Array.from({ length: of }, (_, shard) => ({ shard, of }));
}

/** The customers `shard` trains, in manifest order. */
export function customersOfShard<T>(customers: readonly T[], { shard, of }: TrainShard): T[] {
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(shard) || shard < 0 || shard >= of)
    throw new Error(`not a shard: ${shard} of ${of}`);
  return customers.filter((_, i) => i % of === shard);
}

/** Where a shard writes its customers' TrainResults, which Train counts and Register registers. */
export const shardResultsKey = (dataset: string, runId: string, shard: number) =>
  `runs/${dataset}/${runId}/train-shards/${shard}.json`;
