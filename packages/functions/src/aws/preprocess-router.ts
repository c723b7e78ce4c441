import type { PreprocessResult } from "@myriad/core/pipeline/manifest";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { RunInput } from "@myriad/core/ports/pipeline-runner";
import type { Preprocessor } from "@myriad/core/ports/preprocessor";
import type { PreprocessMode } from "./env.ts";

/**
 * What a gzip input counts for against the Lambda threshold, per byte. Meter CSV compresses
 * 3–8× (3.4× for the ingest benchmark's data) and preprocess time follows the CSV bytes; the top
 * of the range is taken because guessing "Lambda" wrongly fails the run at 15 minutes, while
 * guessing "Processing" wrongly only costs a job's start-up.
 */
export const GZIP_EXPANSION = 8;

/** The input's CSV bytes as the threshold counts them: `.gz` names count GZIP_EXPANSION times. */
export function estimatedCsvBytes(input: RunInput, gzip = /\.gz$/i.test(input.key)): number {
  return gzip ? input.size * GZIP_EXPANSION : input.size;
}

export interface PreprocessRouterOptions {
  mode: PreprocessMode;
  maxLambdaBytes: number;
  /** Where the input is, for its first bytes. */
  store: ObjectStore;
  local: Preprocessor;
  remote: Preprocessor;
}

/**
 * Sends each run's Preprocess to the Lambda (`local`) or to the remote job, by
 * MYRIAD_PREPROCESS_MODE: `lambda` and `processing` always pick one; `auto` picks the remote
 * job for inputs of at least `maxLambdaBytes` CSV bytes. An input that is gzip (by its first
 * bytes, as preprocess itself decides) counts GZIP_EXPANSION bytes per byte; its first bytes
 * are read only when that decides the route.
 */
export class PreprocessRouter implements Preprocessor {
  readonly #o: PreprocessRouterOptions;

  constructor(options: PreprocessRouterOptions) {
    this.#o = options;
  }

  async run(input: RunInput): Promise<PreprocessResult> {
    return (await this.remote(input)) ? this.#o.remote.run(input) : this.#o.local.run(input);
  }

  /** Whether this run's input goes to the remote job. */
  async remote(input: RunInput): Promise<boolean> {
    const { mode, maxLambdaBytes, store } = this.#o;
    if (mode !== "auto") return mode === "processing";
    if (estimatedCsvBytes(input, false) >= maxLambdaBytes) return true;
    if (estimatedCsvBytes(input, true) < maxLambdaBytes) return false;
    return startsWithGzipMagic(await store.getStream(input.key));
  }
}

/** Reads the stream's first chunk only: leaving the loop closes the stream (an aborted GET in S3). */
async function startsWithGzipMagic(stream: AsyncIterable<Uint8Array> | undefined): Promise<boolean> {
  if (stream === undefined) return false;
  for await (const chunk of stream) return chunk[0] === 0x1f && chunk[1] === 0x8b;
  return false;
}
