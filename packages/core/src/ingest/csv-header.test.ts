import { describe, expect, it } from "vitest";
import { detectDelimiter, mapHeader } from "./csv-header.ts";

const NAMES = { customerId: "customer_id", timestamp: "timestamp", value: "consumption" };

describe("detectDelimiter", () => {
  it.each([
    ["customer_id,timestamp,consumption", ","],
    ["customer_id;timestamp;consumption", ";"],
    ["customer_id\ttimestamp\tconsumption", "\t"],
    ['"a;b",c,d', ","],
    ["single", ","],
  ])("%j → %j", (header, delimiter) => {
    expect(detectDelimiter(header)).toBe(delimiter);
  });
});

describe("mapHeader", () => {
  it("finds columns by trimmed, case-insensitive name", () => {
    expect(mapHeader([" Consumption", "extra", "CUSTOMER_ID ", "timestamp"], NAMES)).toEqual({
      idCol: 2,
      tsCol: 3,
      valueCol: 0,
      maxCol: 3,
    });
  });

  it("names the missing columns", () => {
    expect(() => mapHeader(["id", "ts", "consumption"], NAMES)).toThrow(/customer_id, timestamp/);
  });
});
