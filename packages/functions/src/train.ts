import type { Ports } from "@myriad/core/ports/ports";
import type {
  PipelineState,
  TrainShardInput,
  TrainShardSummary,
  TrainSummary,
} from "@myriad/core/pipeline/pipeline-state";
import { trainShardStep, trainStep } from "@myriad/core/pipeline/steps/train-step";
import { lambda } from "./lib/lambda.ts";
import { runState } from "./lib/run-state.ts";

const TRAIN_PORTS = ["db", "store", "training"] as const;
type TrainPorts = Pick<Ports, (typeof TRAIN_PORTS)[number]>;

/** Train: gathers the shards' results into the run's (TrainShards trained them). */
export async function run(input: PipelineState, ports: Pick<Ports, "db" | "store">) {
  return trainStep(ports, input);
}

/** TrainShard, inside the TrainShards map: one model per customer of one shard through the backend. */
export async function runShard(input: TrainShardInput, ports: TrainPorts) {
  return trainShardStep(ports, input);
}

const isShard = (event: PipelineState | TrainShardInput): event is TrainShardInput => "shard" in event;

/**
 * One function for both states, told apart by the input's shape (a map item has `shard`). Train
 * is recorded as the run's state; a shard is not (there are hundreds): its progress is in the
 * run's counts and its failure fails the execution in TrainShards.
 */
export const main = lambda(
  undefined,
  TRAIN_PORTS,
  (event: PipelineState | TrainShardInput, ports: TrainPorts): Promise<TrainSummary | TrainShardSummary> =>
    isShard(event) ? runShard(event, ports) : runState("Train", (i) => run(i, ports), event, ports),
);
