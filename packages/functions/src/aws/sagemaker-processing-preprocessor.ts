import {
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  DescribeProcessingJobCommand,
  type DescribeProcessingJobCommandOutput,
} from "@aws-sdk/client-sagemaker";
import {
  outcomeResult,
  PREPROCESS_JOB_ENV,
  type PreprocessJobOutcome,
  type PreprocessJobRequest,
} from "@myriad/core/ingest/preprocess-job";
import type { PreprocessResult } from "@myriad/core/pipeline/manifest";
import type { ObjectStore } from "@myriad/core/ports/object-store";
import type { RunInput } from "@myriad/core/ports/pipeline-runner";
import { PreprocessPending, type Preprocessor } from "@myriad/core/ports/preprocessor";
import { createHash } from "node:crypto";
import { ALL_REJECTED_SPILL_RATIO } from "./preprocess-lambda-sizing.ts";
import { sleep } from "./sleep.ts";
import type { SageMakerSlice } from "./sagemaker-training-backend.ts";

export interface SageMakerProcessingOptions {
  bucket: string;
  /** Passed to the container as AWS_REGION, for its S3 client. */
  region?: string;
  /** ECR image URI of packages/model-server/training.Dockerfile, whose `preprocess` command runs the job. */
  image: string;
  /** Execution role: reads `raw/`, `customers/`, `runs/`; writes `customers/`, `manifests/`, `quarantine/`, `runs/`. */
  roleArn: string;
  instanceType: string;
  /** StoppingCondition.MaxRuntimeInSeconds. */
  maxRuntimeSeconds: number;
  /** How long `run` waits in this process before throwing PreprocessPending. */
  waitMs?: number;
  pollMs?: number;
}

/** The container command in the training image (training.Dockerfile installs it). */
export const PREPROCESS_COMMAND = "preprocess";
/** Where the container spills quarantined rows: the job's ML storage volume, sized to the input. */
const JOB_TMPDIR = "/opt/ml/processing/tmp";

/**
 * A deterministic job name, so a Preprocess called again for the same run finds its job instead
 * of starting another: `myriad-pre-<dataset>-<hash of dataset and run>`, and `-<attempt>` for
 * the jobs a redrive starts after a failed one. Within SageMaker's 63 characters of `[A-Za-z0-9-]`.
 */
export function processingJobName(dataset: string, runId: string, attempt = 1): string {
  const hash = createHash("sha256").update(`${dataset}\n${runId}`).digest("hex").slice(0, 12);
  const slug = dataset
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 30);
  return `myriad-pre-${slug ? `${slug}-` : ""}${hash}${attempt > 1 ? `-${attempt}` : ""}`;
}

/**
 * The run's keys under `runs/<dataset>/<runId>/`: the request (one per run), each job's
 * outcome, and the mark that a job's failure was reported (a later call is then a redrive).
 */
export function processingKeys(input: RunInput, jobName: string) {
  const base = `runs/${input.dataset}/${input.runId}/`;
  return {
    request: `${base}preprocess-request.json`,
    outcome: `${base}preprocess/${jobName}.json`,
    reported: `${base}preprocess/${jobName}.failed`,
  };
}

/**
 * ML storage for the job: room to spill the quarantine of an input whose rows are all rejected
 * (ALL_REJECTED_SPILL_RATIO bytes per CSV byte) and 10 GB besides, 30 GB at least.
 */
export function volumeSizeGb(csvBytes: number): number {
  return Math.min(16_384, Math.max(30, Math.ceil((csvBytes * ALL_REJECTED_SPILL_RATIO) / 1024 ** 3) + 10));
}

/** The CreateProcessingJob request for one run's preprocess. */
export function processingJobRequest(
  input: RunInput,
  name: string,
  csvBytes: number,
  o: SageMakerProcessingOptions,
): CreateProcessingJobCommandInput {
  const keys = processingKeys(input, name);
  return {
    ProcessingJobName: name,
    RoleArn: o.roleArn,
    AppSpecification: { ImageUri: o.image, ContainerEntrypoint: [PREPROCESS_COMMAND] },
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: 1,
        InstanceType: o.instanceType as never,
        VolumeSizeInGB: volumeSizeGb(csvBytes),
      },
    },
    StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntimeSeconds },
    // The container reads and writes the bucket itself (the same S3 store as the Lambda), so
    // the job has network access; it has no inputs or outputs for SageMaker to move.
    Environment: {
      [PREPROCESS_JOB_ENV.bucket]: o.bucket,
      [PREPROCESS_JOB_ENV.request]: keys.request,
      [PREPROCESS_JOB_ENV.outcome]: keys.outcome,
      ...(o.region ? { [PREPROCESS_JOB_ENV.region]: o.region } : {}),
      TMPDIR: JOB_TMPDIR,
    },
    Tags: [
      { Key: "myriad:dataset", Value: input.dataset },
      { Key: "myriad:run", Value: input.runId },
    ],
  };
}

/**
 * Preprocess as a SageMaker Processing job, for inputs a Lambda cannot finish in 15 minutes.
 * The job runs the training image's `preprocess` command: core's `preprocess` against the
 * bucket, as the Lambda would, leaving its outcome at `runs/<dataset>/<runId>/preprocess/<job>.json`.
 *
 * `run` starts the run's job (or finds it, by name, when called again), polls
 * DescribeProcessingJob up to `waitMs` and throws PreprocessPending if it is still running, so
 * the state machine waits and calls again. Completed: the outcome's result. Failed or Stopped:
 * the job's bad-input MyriadError when it left one, else an error with SageMaker's
 * FailureReason and the container's exit message. A call after a reported failure is a
 * redrive and starts the next attempt's job.
 */
export class SageMakerProcessingPreprocessor implements Preprocessor {
  readonly #sagemaker: SageMakerSlice;
  readonly #store: ObjectStore;
  readonly #o: SageMakerProcessingOptions;
  readonly #csvBytes: (input: RunInput) => number;

  /** `csvBytes` estimates the input's CSV size, which sizes the job's volume (default: its size). */
  constructor(
    sagemaker: SageMakerSlice,
    store: ObjectStore,
    options: SageMakerProcessingOptions,
    csvBytes: (input: RunInput) => number = (input) => input.size,
  ) {
    this.#sagemaker = sagemaker;
    this.#store = store;
    this.#o = options;
    this.#csvBytes = csvBytes;
  }

  async run(input: RunInput): Promise<PreprocessResult> {
    const name = await this.#start(input);
    const deadline = Date.now() + (this.#o.waitMs ?? 10 * 60_000);
    for (;;) {
      const job = await this.#describe(name);
      const status = job?.ProcessingJobStatus ?? "Unknown";
      if (job && (status === "Completed" || status === "Failed" || status === "Stopped")) {
        return this.#finish(input, name, job);
      }
      if (Date.now() >= deadline) throw new PreprocessPending(`processing job ${name} is still ${status}`);
      await sleep(this.#o.pollMs ?? 15_000);
    }
  }

  /** The name of the job this call should follow, created if it does not exist yet. */
  async #start(input: RunInput): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const name = processingJobName(input.dataset, input.runId, attempt);
      const keys = processingKeys(input, name);
      if (await this.#describe(name)) {
        if (await this.#store.head(keys.reported)) continue;
        return name;
      }
      const request: PreprocessJobRequest = { input, now: new Date().toISOString() };
      await this.#store.put(keys.request, JSON.stringify(request), "application/json");
      try {
        await this.#sagemaker.send(
          new CreateProcessingJobCommand(processingJobRequest(input, name, this.#csvBytes(input), this.#o)),
        );
      } catch (e) {
        // Another call for the same run created it a moment ago: follow that one.
        if ((e as Error).name !== "ResourceInUse") throw e;
      }
      return name;
    }
  }

  async #finish(input: RunInput, name: string, job: DescribeProcessingJobCommandOutput) {
    const keys = processingKeys(input, name);
    const bytes = await this.#store.get(keys.outcome);
    const outcome = bytes && (JSON.parse(new TextDecoder().decode(bytes)) as PreprocessJobOutcome);
    if (job.ProcessingJobStatus === "Completed" && outcome?.ok) return outcome.result;
    // The run fails here; a later call for it is a redrive, which starts a fresh job.
    await this.#store.put(keys.reported, job.FailureReason ?? String(job.ProcessingJobStatus), "text/plain");
    if (outcome && !outcome.ok) return outcomeResult(outcome);
    const exit = job.ExitMessage?.trim();
    throw new Error(
      `processing job ${name} ${String(job.ProcessingJobStatus).toLowerCase()}: ${
        job.FailureReason ?? (outcome ? "no reason given" : "it left no result")
      }${exit ? ` (${exit})` : ""}`,
    );
  }

  async #describe(name: string): Promise<DescribeProcessingJobCommandOutput | undefined> {
    try {
      return await this.#sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    } catch (e) {
      if (isMissingJob(e)) return undefined;
      throw e;
    }
  }
}

/**
 * SageMaker answers DescribeProcessingJob for a job that does not exist with
 * `ValidationException: Could not find requested job with name …` (not ResourceNotFound, which
 * the API reference lists but the service does not send for this call); both mean "not yet".
 */
export function isMissingJob(e: unknown): boolean {
  const { name, message } = e as Error;
  return (
    name === "ResourceNotFound" ||
    (name === "ValidationException" && /could not find requested job/i.test(message))
  );
}
