import type { ShardTaskState, TaskState } from "@myriad/core/pipeline/state-machine";
import type { StateHandler } from "./lib/run-state.ts";
import { run as preprocess } from "./preprocess.ts";
import { run as publish } from "./publish.ts";
import { run as register } from "./register.ts";
import { runShard as trainShard, run as train } from "./train.ts";
import { run as warm } from "./warm.ts";

/**
 * The handler of each Task state, by state name, TrainShards' TrainShard included: what the local
 * runner maps the ASL onto.
 */
export const TASK_HANDLERS: Record<TaskState | ShardTaskState, StateHandler> = {
  Preprocess: preprocess,
  TrainShard: trainShard as unknown as StateHandler,
  Train: train,
  Register: register,
  Publish: publish,
  Warm: warm,
};
