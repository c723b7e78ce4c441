import { badRequest } from "../errors/myriad-error.ts";

/**
 * Dataset names and customer ids become S3 key segments and SageMaker TargetModel names, so
 * they are restricted to a safe alphabet: letters, digits, `_`, `-` and `.` (not leading, so
 * no `..`), at most 64 characters. Anything else is rejected, never encoded into a key.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function isSafeIdentifier(value: string): boolean {
  return IDENTIFIER_PATTERN.test(value) && !value.includes("..");
}

export function assertSafeIdentifier(kind: "dataset" | "customer", value: string): string {
  if (!isSafeIdentifier(value)) {
    throw badRequest(
      `invalid_${kind}`,
      `${kind} id must match ${IDENTIFIER_PATTERN.source} (got ${JSON.stringify(value.slice(0, 80))})`,
    );
  }
  return value;
}
