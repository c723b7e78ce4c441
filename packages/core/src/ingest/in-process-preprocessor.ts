import type { PreprocessResult } from "../pipeline/manifest.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import type { RunInput } from "../ports/pipeline-runner.ts";
import type { Preprocessor } from "../ports/preprocessor.ts";
import { type PreprocessOptions, preprocess } from "./preprocess.ts";

/**
 * Preprocess in the calling process: the embedded stack's preprocessor, and in AWS the one the
 * Preprocess Lambda uses for inputs it can finish within its time limit. Memory stays bounded
 * at any input size (preprocess streams), so only time limits where this can run.
 */
export class InProcessPreprocessor implements Preprocessor {
  readonly #store: ObjectStore;
  readonly #options: PreprocessOptions;

  constructor(store: ObjectStore, options: PreprocessOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  run(input: RunInput): Promise<PreprocessResult> {
    return preprocess(this.#store, input, this.#options);
  }
}
