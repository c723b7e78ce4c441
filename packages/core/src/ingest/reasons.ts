/**
 * Why a row was quarantined: stable snake_case codes. They appear in the quarantine CSV, in
 * `PreprocessResult.reasons` and in metrics, so renaming one is a breaking change.
 */
export const QUARANTINE_REASONS = [
  /** The row lacks one of the mapped columns, or the field is empty. */
  "missing_field",
  /** The customer id is not a safe identifier (S3 key segment, model name): never used raw. */
  "invalid_customer_id",
  /** Not one of the accepted timestamp forms, or an impossible date/time. */
  "unparsable_timestamp",
  /** Before 1900-01-01: almost surely a default or an epoch mistake. */
  "timestamp_out_of_range",
  /** Later than the run's `now` plus one day (one day of slack covers any UTC offset). */
  "future_timestamp",
  /** The value is not a decimal number. */
  "non_numeric_value",
  /** NaN, Infinity, or a number too large for a double. */
  "non_finite_value",
  /** Consumption below zero. */
  "negative_value",
  /**
   * Same customer, timestamp and value as an earlier reading: dropped, the first kept. Caught
   * wherever the twin is, except a distant repeat of a reading finer than the frequency that is
   * not its bucket's first (see IngestSink), which is aggregated.
   */
  "duplicate_row",
  /** Same customer and timestamp as an earlier reading, another value: the first wins (caught as `duplicate_row` is). */
  "conflicting_duplicate",
  /**
   * The first line of a record that is not valid CSV: a quote that never closes (within 1 MiB or
   * before the end), or a closing quote followed by text. Reading resumes on the next line.
   */
  "malformed_csv",
  /** A line longer than 1 MiB: no reading is that long. */
  "line_too_long",
] as const;

export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];
