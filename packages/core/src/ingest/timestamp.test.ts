import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { daysFromCivil, parseTimestamp, parseTimestampBytes } from "./timestamp.ts";

describe("parseTimestamp", () => {
  it.each([
    ["2024-03-05 14:07:09", "2024-03-05T14:07:09.000Z"],
    ["2024-03-05T14:07:09", "2024-03-05T14:07:09.000Z"],
    ["2024-03-05t14:07:09z", "2024-03-05T14:07:09.000Z"],
    ["2024-03-05T14:07:09Z", "2024-03-05T14:07:09.000Z"],
    ["2024-03-05T14:07:09.123Z", "2024-03-05T14:07:09.123Z"],
    ["2024-03-05T14:07:09.1234567Z", "2024-03-05T14:07:09.123Z"],
    ["2024-03-05T14:07:09,5Z", "2024-03-05T14:07:09.500Z"],
    ["2024-03-05T14:07:09+02:00", "2024-03-05T12:07:09.000Z"],
    ["2024-03-05T14:07:09-0530", "2024-03-05T19:37:09.000Z"],
    ["2024-03-05T01:07:09+03", "2024-03-04T22:07:09.000Z"],
    ["2024-03-05 14:07", "2024-03-05T14:07:00.000Z"],
    ["2024-03-05T14:07Z", "2024-03-05T14:07:00.000Z"],
    ["2024-03-05", "2024-03-05T00:00:00.000Z"],
    ["2024-02-29 00:00:00", "2024-02-29T00:00:00.000Z"],
    ["  2024-03-05 14:07:09 ", "2024-03-05T14:07:09.000Z"],
  ])("reads %j as UTC", (text, iso) => {
    expect(new Date(parseTimestamp(text)).toISOString()).toBe(iso);
  });

  it.each([
    "",
    "yesterday",
    "2024-13-01",
    "2023-02-29",
    "2024-04-31 00:00:00",
    "2024-03-05 24:00:00",
    "2024-03-05 12:60:00",
    "2024-03-05 12:00:60",
    "2024/03/05 12:00:00",
    "05/03/2024",
    "2024-03-05 12",
    "2024-03-05T12:00:00.Z",
    "2024-03-05T12:00:00+25:00",
    "2024-03-05T12:00:00 UTC",
    "1709640000",
    "2024-03-05T12:00:00Z junk",
  ])("rejects %j", (text) => {
    expect(parseTimestamp(text)).toBeNaN();
  });

  it("agrees with Date.parse on ISO text for any instant from 1900 to 9999", () => {
    const instants = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(9999, 11, 31) });
    fc.assert(
      fc.property(instants, fc.integer({ min: -14 * 60, max: 14 * 60 }), (t, offsetMinutes) => {
        const iso = new Date(t).toISOString();
        expect(parseTimestamp(iso)).toBe(t);
        // The same instant written in another zone.
        const local = new Date(t + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? "-" : "+";
        const abs = Math.abs(offsetMinutes);
        const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
        expect(parseTimestamp(local + offset)).toBe(t);
      }),
    );
  });

  it("reads a slice of a larger buffer without looking outside it", () => {
    const bytes = new TextEncoder().encode("x,2024-01-02 03:04:05,9");
    expect(parseTimestampBytes(bytes, 2, 21)).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseTimestampBytes(bytes, 2, 20)).toBeNaN();
  });
});

describe("daysFromCivil", () => {
  it("matches Date.UTC for every day of four centuries", () => {
    for (let day = Date.UTC(1800, 0, 1) / 86_400_000; day < Date.UTC(2200, 0, 1) / 86_400_000; day += 1) {
      const d = new Date(day * 86_400_000);
      if (daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()) !== day) {
        throw new Error(`mismatch on ${d.toISOString()}`);
      }
    }
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11_017);
  });
});
