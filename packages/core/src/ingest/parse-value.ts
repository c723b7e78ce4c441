import type { QuarantineReason } from "./reasons.ts";

/** A parsed reading value, or why it was rejected. */
export type ValueResult = { ok: true; value: number } | { ok: false; reason: QuarantineReason };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses a consumption value. Plain decimals only: `12`, `12.5`, `.5`, `1e3` (no hex, no
 * thousands separators; `Number("0x10")` would accept hex, so the syntax is checked first).
 * With `decimalComma` (files delimited by `;`) a single `,` is read as the decimal point.
 * `NaN`, `Infinity` and overflows are `non_finite_value`; below zero is `negative_value`
 * (consumption is never negative; a meter reset is not a reading).
 */
export function parseValue(text: string, decimalComma = false): ValueResult {
  let t = text.trim();
  if (t.length === 0) return { ok: false, reason: "missing_field" };
  if (decimalComma && t.indexOf(",") === t.lastIndexOf(",")) t = t.replace(",", ".");
  if (!DECIMAL.test(t)) {
    return { ok: false, reason: NON_FINITE.test(t) ? "non_finite_value" : "non_numeric_value" };
  }
  const value = Number(t);
  if (!Number.isFinite(value)) return { ok: false, reason: "non_finite_value" };
  if (value < 0) return { ok: false, reason: "negative_value" };
  return { ok: true, value: value === 0 ? 0 : value };
}

/**
 * The fast path of {@link parseValue} over bytes: `digits[.digits]` whose digits, read as one
 * integer, stay below 2^53 (about 15 significant digits), with at most 22 after the point: meter
 * readings. Returns NaN when the text needs the full parser.
 *
 * Exact: the digits form an integer below 2^53 and 10^k (k ≤ 22) is exact in a double, so one
 * correctly-rounded division gives the same double as `Number(text)` (Clinger's fast path).
 */
export function parseSimpleDecimal(b: Uint8Array, start: number, end: number): number {
  let mantissa = 0;
  let digitCount = 0;
  let fractionDigits = -1;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digitCount++;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (c === 46 && fractionDigits < 0) {
      fractionDigits = 0;
    } else {
      return Number.NaN;
    }
  }
  if (digitCount === 0 || mantissa > Number.MAX_SAFE_INTEGER || fractionDigits > 22) return Number.NaN;
  return fractionDigits > 0 ? mantissa / POW10[fractionDigits] : mantissa;
}
