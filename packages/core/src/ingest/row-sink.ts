import { isSafeIdentifier } from "../dataset/identifiers.ts";
import type { ColumnLayout } from "./csv-header.ts";
import { parseValue } from "./parse-value.ts";
import type { QuarantineReason } from "./reasons.ts";
import { parseTimestamp } from "./timestamp.ts";

/**
 * What `add` says of a reading: accepted (undefined), rejected with a reason, or `suspect`:
 * accepted for now, but a later check may still reject it, so the reader must hand over its
 * line and text with `suspect`.
 */
export type AddOutcome = QuarantineReason | "suspect" | undefined;

/**
 * Where the CSV readers deliver rows. Readers parse and check each field; the sink owns what
 * needs state across rows (customers, duplicates, time bounds, buckets).
 */
export interface RowSink {
  /** A dense index for a customer id that already passed `isSafeIdentifier`. */
  customer(id: string): number;
  /** Adds one parsed reading; returns why it is rejected instead, if it is. */
  add(customer: number, time: number, value: number): AddOutcome;
  /** The line number and text of the reading `add` just called a suspect. */
  suspect(customer: number, line: number, raw: string): void;
  /** Records a rejected row: its 1-based line number in the file and its text. */
  reject(line: number, reason: QuarantineReason, raw: string): void;
  /**
   * Lets the sink do async work between chunks (spilling quarantined rows to disk), which
   * keeps the per-row calls synchronous. Undefined when there is nothing to wait for.
   */
  flush(): Promise<void> | undefined;
}

/**
 * Validates one row given as strings (the csv-parse path) and hands it to the sink. Checks run
 * in a fixed order so a row with several problems always reports the same reason: fields,
 * customer id, timestamp, value.
 */
export function addStringRow(
  sink: RowSink,
  layout: ColumnLayout,
  fields: string[],
  line: number,
  raw: string,
  decimalComma: boolean,
): boolean {
  const id = fields[layout.idCol]?.trim() ?? "";
  const ts = fields[layout.tsCol] ?? "";
  const valueText = fields[layout.valueCol] ?? "";
  let reason: QuarantineReason | undefined;
  if (fields.length <= layout.maxCol || id === "" || ts.trim() === "" || valueText.trim() === "") {
    reason = "missing_field";
  } else if (!isSafeIdentifier(id)) {
    reason = "invalid_customer_id";
  } else {
    const time = parseTimestamp(ts);
    const value = parseValue(valueText, decimalComma);
    if (Number.isNaN(time)) reason = "unparsable_timestamp";
    else if (!value.ok) reason = value.reason;
    else {
      const customer = sink.customer(id);
      const outcome = sink.add(customer, time, value.value);
      if (outcome === "suspect") sink.suspect(customer, line, raw);
      else reason = outcome;
    }
  }
  if (reason === undefined) return true;
  sink.reject(line, reason, raw);
  return false;
}
