/**
 * An error a later attempt may not meet: the pipeline's Retry rules match this name
 * (RETRY_ERRORS in packages/core/src/pipeline/state-machine.ts) and retry the state with backoff.
 */
export class TransientError extends Error {
  override name = "TransientError";
}

/**
 * Error codes AWS services answer when a caller is throttled, as the AWS SDK for JavaScript v3
 * classifies them (@smithy/service-error-classification's THROTTLING_ERROR_CODES), less
 * `LimitExceededException`, which Amazon Forecast and SageMaker use for account quotas (too
 * many datasets, jobs or instances) that waiting does not lift. SageMaker and Forecast answer
 * `ThrottlingException`, Lambda `TooManyRequestsException`, S3 `SlowDown` (503).
 */
const THROTTLING = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);

/** Server-side failures the SDK also retries: 429 and 5xx other than 501, and request timeouts. */
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * Whether this is an AWS SDK error that outlived the SDK's own retries (three attempts with
 * backoff by default) but may succeed later: a throttle or a server-side failure.
 */
export function isTransientAwsError(e: unknown): boolean {
  const err = e as SdkError;
  if (!err || typeof err !== "object" || err.$metadata === undefined) return false;
  if (err.$retryable?.throttling) return true;
  if (err.name && (THROTTLING.has(err.name) || TRANSIENT_NAMES.has(err.name))) return true;
  return TRANSIENT_STATUS.has(err.$metadata.httpStatusCode ?? 0);
}

/**
 * The error a handler rethrows: a transient AWS error becomes a TransientError naming the
 * service's error (the state is retried by name); anything else is kept as it is.
 */
export function asRetryable(e: unknown): unknown {
  if (!isTransientAwsError(e)) return e;
  const err = e as Error;
  return new TransientError(`${err.name}: ${err.message}`, { cause: e });
}
