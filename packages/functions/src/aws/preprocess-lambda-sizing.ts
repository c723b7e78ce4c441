/**
 * How large an input the Preprocess Lambda takes before a SageMaker Processing job does, from
 * two limits: the time it may run and the /tmp it may fill. Each figure says whether it was
 * measured or assumed; docs/aws.md#large-uploads shows the arithmetic.
 */
export const PREPROCESS_LAMBDA = {
  /** Lambda memory: 1,769 MB is one full vCPU (Lambda's documented memory-to-vCPU ratio). */
  memoryMb: 2048,
  /** Ephemeral storage (/tmp): Lambda's maximum, 10,240 MB (512 MB is the default). */
  ephemeralStorageMb: 10_240,
  /** Lambda stops a function at 15 minutes. */
  timeoutSeconds: 900,
  /**
   * Of the 15 minutes, what reading and validating may use: the rest is kept for writing the
   * customers' series and the manifest, S3 latency and a cold start.
   */
  budgetSeconds: 600,
} as const;

/** Lambda's memory per vCPU. */
export const LAMBDA_MB_PER_VCPU = 1769;

/**
 * Measured: CSV bytes per CPU-second of Preprocess, end to end (`npm run bench -- ingest`,
 * 8.76 M hourly rows, 265 MiB in 5.82 CPU-seconds on this repository's 2-core x86 machine:
 * 45.5 MiB per CPU-second). Preprocess parses on one thread, so it uses at most one vCPU.
 */
export const MEASURED_CSV_BYTES_PER_CPU_SECOND = 45.5 * 1024 ** 2;

/** Assumed: a Lambda arm64 (Graviton) vCPU runs this code at 0.6 of the measured machine's core. */
export const LAMBDA_VCPU_SPEED = 0.6;

/**
 * Quarantine bytes per input byte when every row is rejected, past 1 MiB spilled to /tmp until
 * the upload: the quarantine adds the line number, the reason and quotes to each row. Measured
 * 1.7–2.4 on generated meter rows (test/aws/sagemaker-processing-preprocessor.test.ts), 2.5 with
 * a margin. Rows much shorter than a meter reading's would spill more.
 */
export const ALL_REJECTED_SPILL_RATIO = 2.5;

/** /tmp kept for anything else a run writes there. */
const TMP_RESERVE_MB = 1024;

/**
 * The largest CSV input the Lambda takes: the smaller of what it reads in its time budget on
 * the vCPU its memory buys (at most one: parsing is single-threaded) and what leaves room in
 * /tmp for the quarantine of a file whose rows are all rejected; rounded down to a whole GiB.
 */
export function lambdaPreprocessMaxBytes(o: {
  memoryMb: number;
  ephemeralStorageMb: number;
  budgetSeconds: number;
}): number {
  const vcpu = Math.min(1, o.memoryMb / LAMBDA_MB_PER_VCPU);
  const byTime = MEASURED_CSV_BYTES_PER_CPU_SECOND * LAMBDA_VCPU_SPEED * vcpu * o.budgetSeconds;
  const byTmp = ((o.ephemeralStorageMb - TMP_RESERVE_MB) * 1024 ** 2) / ALL_REJECTED_SPILL_RATIO;
  return Math.floor(Math.min(byTime, byTmp) / 1024 ** 3) * 1024 ** 3;
}
