import { describe, expect, it } from "vitest";
import { MyriadError } from "../errors/myriad-error.ts";
import { holidayCalendar, holidayFlags } from "./holidays.ts";

const at = (iso: string) => Date.parse(iso);

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("holidayCalendar", () => {
  it("knows US public holidays of 2026, with the observed Friday of a Saturday Independence Day", () => {
    const us = holidayCalendar("US");
    expect(us.isHoliday(at("2026-07-04T12:00:00Z"))).toBe(true);
    // date-holidays reports the substitute day (4 July 2026 is a Saturday).
    expect(us.isHoliday(at("2026-07-03T00:00:00Z"))).toBe(true);
    expect(us.isHoliday(at("2026-07-06T00:00:00Z"))).toBe(false);
    expect(us.isHoliday(at("2026-11-26T08:00:00Z"))).toBe(true); // Thanksgiving
    expect(us.datesOf(2026)).toEqual([
      "2026-01-01",
      "2026-01-19",
      "2026-02-16",
      "2026-05-25",
      "2026-06-19",
      "2026-07-03",
      "2026-07-04",
      "2026-09-07",
      "2026-10-12",
      "2026-11-11",
      "2026-11-26",
      "2026-12-25",
    ]);
  });

  it("keeps observances and optional days out (Christmas Eve is not a US public holiday)", () => {
    const us = holidayCalendar("US");
    expect(us.isHoliday(at("2026-12-24T00:00:00Z"))).toBe(false);
    expect(us.isHoliday(at("2026-02-14T00:00:00Z"))).toBe(false); // Valentine's Day, an observance
  });

  it("tells subdivisions apart: Epiphany is a holiday in Bavaria, not in Berlin", () => {
    expect(holidayCalendar("DE-BY").isHoliday(at("2026-01-06T10:00:00Z"))).toBe(true);
    expect(holidayCalendar("de-be").isHoliday(at("2026-01-06T10:00:00Z"))).toBe(false);
    // Berlin's own: International Women's Day.
    expect(holidayCalendar("DE-BE").isHoliday(at("2026-03-08T10:00:00Z"))).toBe(true);
    expect(holidayCalendar("DE-BY").isHoliday(at("2026-03-08T10:00:00Z"))).toBe(false);
  });

  it("unites a list of codes with custom dates", () => {
    const calendar = holidayCalendar(["DE-BE", { dates: ["2026-12-24", "2026-12-31"] }]);
    expect(calendar.isHoliday(at("2026-12-24T00:00:00Z"))).toBe(true);
    expect(calendar.isHoliday(at("2026-12-31T23:59:59Z"))).toBe(true);
    expect(calendar.isHoliday(at("2027-01-01T00:00:00Z"))).toBe(true); // Neujahr from DE-BE
    expect(calendar.isHoliday(at("2026-12-30T00:00:00Z"))).toBe(false);
    const customOnly = holidayCalendar({ dates: ["2026-05-05"] });
    expect(customOnly.datesOf(2026)).toEqual(["2026-05-05"]);
  });

  it.each([
    ["XX", /unknown country "XX"/],
    ["DE-ZZ", /DE has no subdivision "ZZ" \(known: .*BY/],
    ["United States", /not an ISO 3166 code/],
    [{ dates: ["2026-02-30"] }, /"2026-02-30" is not a date/],
    [42, /holidays must be a code/],
  ])("rejects %j with a clear invalid_dataset_config error", (spec, message) => {
    const error = errorOf(() => holidayCalendar(spec));
    expect(error).toBeInstanceOf(MyriadError);
    expect(error).toMatchObject({ code: "invalid_dataset_config" });
    expect((error as Error).message).toMatch(message);
  });
});

describe("holidayFlags", () => {
  it("flags every hour of a holiday day and nothing else", () => {
    const flags = holidayFlags("US", at("2026-07-02T00:00:00Z"), "H", 24 * 4);
    // 2 July: no; 3 July (observed) and 4 July: every hour; 5 July: no.
    expect([...flags.subarray(0, 24)].every((f) => f === 0)).toBe(true);
    expect([...flags.subarray(24, 72)].every((f) => f === 1)).toBe(true);
    expect([...flags.subarray(72)].every((f) => f === 0)).toBe(true);
  });

  it("flags days, and a week or month that contains a holiday", () => {
    expect([...holidayFlags("DE-BY", at("2026-01-05T00:00:00Z"), "D", 3)]).toEqual([0, 1, 0]);
    // Weeks start on Monday: 2025-12-29 (holds 1 Jan), 2026-01-05 (6 Jan), 2026-01-12 (none).
    expect([...holidayFlags("DE-BY", at("2025-12-29T00:00:00Z"), "W", 3)]).toEqual([1, 1, 0]);
    // DE-BE months of 2026: Jan (Neujahr), Feb (none), Mar (8 March).
    expect([...holidayFlags("DE-BE", at("2026-01-01T00:00:00Z"), "M", 3)]).toEqual([1, 0, 1]);
  });

  it("gives all zeros for an empty spec", () => {
    expect([...holidayFlags({ countries: [], dates: [] }, at("2026-07-04T00:00:00Z"), "D", 2)]).toEqual([
      0, 0,
    ]);
  });
});
