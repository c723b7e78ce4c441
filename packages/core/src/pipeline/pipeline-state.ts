import type { RunInput } from "../ports/pipeline-runner.ts";
import type { PreprocessResult } from "./manifest.ts";
import type { TrainShard } from "./train-shards.ts";

/**
 * What Preprocess returns while its remote job (SageMaker Processing) is still running: the
 * state machine waits (WaitForPreprocess), then runs Preprocess again, which resumes the job.
 */
export interface PreprocessPendingResult {
  pending: true;
}

export interface TrainSummary {
  /**
   * A re-forecast run's results object (every updated customer's TrainResult). Absent for a
   * run that trained in shards: Register reads each shard's object (shardResultsKey).
   */
  resultsKey?: string;
  version: string;
  trained: number;
  failed: number;
}

/** One TrainShards item as the map's ItemSelector builds it: what TrainShard is called with. */
export interface TrainShardInput {
  runId: string;
  dataset: string;
  manifestKey: string;
  shard: TrainShard;
  /** TrainShard's previous result, when the shard's loop comes back from WaitForTraining. */
  result?: TrainShardSummary;
}

export interface TrainShardSummary {
  shard: number;
  trained: number;
  failed: number;
  /** The shard's results were already written (a redrive, a retried child): nothing retrained. */
  skipped?: boolean;
  /** Remote training still running: the shard waits, then runs TrainShard again. */
  pending?: boolean;
}

export interface RegisterSummary {
  registered: number;
}

export interface PublishSummary {
  published: number;
  points: number;
  failed: number;
}

export interface WarmSummary {
  loaded: number;
  failed: number;
}

/** The execution's state as it grows through the pipeline (each result at its ResultPath). */
export interface PipelineState extends RunInput {
  /** Never pending past PreprocessDone, where the states that read it start. */
  preprocess?: PreprocessResult;
  train?: TrainSummary;
  register?: RegisterSummary;
  publish?: PublishSummary;
  warm?: WarmSummary;
}
