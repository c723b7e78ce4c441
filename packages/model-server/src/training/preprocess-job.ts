import {
  PREPROCESS_JOB_ENV,
  type PreprocessJobOutcome,
  runPreprocessJob,
} from "@myriad/core/ingest/preprocess-job";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import { createS3Client, S3ObjectStore } from "@myriad/functions/aws/s3-object-store";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

type Env = Record<string, string | undefined>;

export interface PreprocessContainerOptions {
  /** The job's `Environment` (PREPROCESS_JOB_ENV); default process.env. */
  env?: Env;
  /** The bucket. Default: S3ObjectStore over MYRIAD_BUCKET, the Lambda's own adapter; tests pass a folder. */
  store?: ObjectStore;
  /** SageMaker's root (`/opt/ml`): `output/message` becomes the job's ExitMessage. */
  root?: string;
}

/**
 * The SageMaker Processing entry point (the training image's `preprocess` command): core's
 * `runPreprocessJob` — the same `preprocess` as the Preprocess Lambda and the embedded stack —
 * against the bucket, reading the request and writing the outcome at the keys the job's
 * environment names. A bad input (MyriadError) is an outcome, not a crash: it is written for
 * the Lambda to rethrow, and also to `output/message`; anything else is written there and
 * rethrown. The caller exits non-zero for both, so the job shows as Failed.
 */
export async function runPreprocessContainer(
  options: PreprocessContainerOptions = {},
): Promise<PreprocessJobOutcome> {
  const env = options.env ?? process.env;
  const message = join(options.root ?? "/opt/ml", "output", "message");
  try {
    const keys = {
      request: need(env, PREPROCESS_JOB_ENV.request),
      outcome: need(env, PREPROCESS_JOB_ENV.outcome),
    };
    const store =
      options.store ??
      new S3ObjectStore(
        createS3Client({ region: env[PREPROCESS_JOB_ENV.region] }),
        need(env, PREPROCESS_JOB_ENV.bucket),
      );
    // Quarantined rows spill to the temporary directory: the job points it at its volume.
    await mkdir(tmpdir(), { recursive: true });
    const outcome = await runPreprocessJob(store, keys);
    if (!outcome.ok) await writeMessage(message, `${outcome.error.code}: ${outcome.error.message}`);
    return outcome;
  } catch (e) {
    await writeMessage(message, (e as Error).message);
    throw e;
  }
}

function need(env: Env, key: string): string {
  const value = env[key]?.trim();
  if (!value) throw new Error(`environment variable ${key} is required`);
  return value;
}

/** SageMaker keeps the first 1 KB of `output/message` (UTF-8) as the job's ExitMessage. */
async function writeMessage(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, "utf8");
}
