/**
 * A failed execution's Error and Cause as the run records them. A Task that failed ends the
 * execution with the task's error name (the handler's error code, `no_valid_rows`…) and, for a
 * Lambda task, a Cause that is the function's error as JSON (`{errorType, errorMessage, trace}`):
 * the run keeps the message, which is what a user reads.
 */
export function executionFailure(
  error: string | null | undefined,
  cause: string | null | undefined,
  fallback: string,
): { error: string; cause?: string } {
  return { error: error || fallback, cause: cause ? causeMessage(cause) : undefined };
}

function causeMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause);
    if (parsed && typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {
    // a plain-text cause (States.Timeout, a Fail state's Cause…) is kept as it is
  }
  return cause;
}
