import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSimpleDecimal, parseValue } from "./parse-value.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseValue", () => {
  it.each([
    ["12", 12],
    [" 12.5 ", 12.5],
    [".5", 0.5],
    ["5.", 5],
    ["+3", 3],
    ["1e3", 1000],
    ["2.5E-1", 0.25],
    ["0", 0],
    ["-0", 0],
  ])("reads %j", (text, value) => {
    expect(parseValue(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "missing_field"],
    ["   ", "missing_field"],
    ["abc", "non_numeric_value"],
    ["0x10", "non_numeric_value"],
    ["1,000", "non_numeric_value"],
    ["12 kWh", "non_numeric_value"],
    ["NaN", "non_finite_value"],
    ["-Infinity", "non_finite_value"],
    ["inf", "non_finite_value"],
    ["1e999", "non_finite_value"],
    ["-1", "negative_value"],
    ["-0.001", "negative_value"],
  ])("rejects %j as %s", (text, reason) => {
    expect(parseValue(text)).toEqual({ ok: false, reason });
  });

  it("reads a decimal comma only when asked (files delimited by ';')", () => {
    expect(parseValue("12,5", true)).toEqual({ ok: true, value: 12.5 });
    expect(parseValue("12,5")).toEqual({ ok: false, reason: "non_numeric_value" });
    expect(parseValue("1,2,5", true)).toEqual({ ok: false, reason: "non_numeric_value" });
  });
});

describe("parseSimpleDecimal", () => {
  it("gives exactly Number(text) for plain decimals of up to 15 digits", () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: 0, max: 15 }))
      .map(([digits, point]) => {
        const text = digits.toString();
        const at = Math.max(0, text.length - point);
        return point === 0 ? text : `${text.slice(0, at) || "0"}.${text.slice(at).padStart(point, "0")}`;
      })
      .filter((text) => text.replace(".", "").replace(/^0+/, "").length <= 15);
    fc.assert(
      fc.property(decimal, (text) => {
        expect(parseSimpleDecimal(bytes(text), 0, text.length)).toBe(Number(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("hands anything else to the full parser (NaN)", () => {
    for (const text of [
      "",
      ".",
      "1e3",
      "-1",
      "+1",
      "1.2.3",
      "12345678901234567",
      "12a",
      `0.${"0".repeat(22)}1`,
    ]) {
      expect(parseSimpleDecimal(bytes(text), 0, text.length)).toBeNaN();
    }
  });
});
