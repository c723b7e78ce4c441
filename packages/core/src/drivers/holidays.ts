import Holidays from "date-holidays";
import { badRequest } from "../errors/myriad-error.ts";
import { addSteps, type Frequency } from "../series/frequency.ts";
import { type HolidaySpec, parseHolidays } from "./dataset-drivers-config.ts";

const DAY_MS = 86_400_000;

/** Says whether a UTC calendar day is a holiday under a {@link HolidaySpec}. */
export interface HolidayCalendar {
  readonly spec: HolidaySpec;
  /** True when the UTC day containing `t` (epoch ms) is a public or custom holiday. */
  isHoliday(t: number): boolean;
  /** The holiday days of a year as `YYYY-MM-DD`, sorted (for reports and tests). */
  datesOf(year: number): string[];
}

/**
 * A holiday calendar computed offline with date-holidays (its rules ship in the package; no
 * network): the public holidays (type `public` only, so no observances, bank or optional days)
 * of each country or subdivision of `spec`, including the substitute days the library reports
 * (US Independence Day 2026, a Saturday, is also observed on Friday 3 July), plus the custom
 * `dates`.
 *
 * Days are calendar dates, matched against the UTC day of a step, not the country's time zone:
 * Myriad's grid is UTC and timestamps without an offset (the usual case: local meter time
 * written without a zone) are read as UTC, so the local calendar date laid on the UTC grid is
 * what lines up with the readings. A holiday that lasts several days flags each of them.
 *
 * @param spec a normalized {@link HolidaySpec} or any raw `_dataset.json` `holidays` value.
 * @throws MyriadError `invalid_dataset_config` for a shape error or a code date-holidays does not know.
 */
export function holidayCalendar(spec: HolidaySpec | unknown): HolidayCalendar {
  // A normalized spec is itself a valid `holidays` value: parsing it again re-checks it.
  const normalized = parseOrThrow(spec);
  const sources = normalized.countries.map(countryHolidays);
  const custom = new Set(normalized.dates.map((d) => Date.parse(`${d}T00:00:00Z`) / DAY_MS));
  const years = new Map<number, Set<number>>();
  const daysOf = (year: number): Set<number> => {
    let days = years.get(year);
    if (days === undefined) {
      days = new Set<number>();
      for (const source of sources) {
        for (const h of source.getHolidays(year)) {
          if (h.type !== "public") continue;
          const first = Date.parse(`${h.date.slice(0, 10)}T00:00:00Z`) / DAY_MS;
          const length = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / DAY_MS));
          for (let k = 0; k < length; k++) days.add(first + k);
        }
      }
      years.set(year, days);
    }
    return days;
  };
  const isHolidayDay = (day: number): boolean => {
    if (custom.has(day)) return true;
    if (sources.length === 0) return false;
    const year = new Date(day * DAY_MS).getUTCFullYear();
    // A multi-day holiday that starts in December reaches into January.
    return daysOf(year).has(day) || daysOf(year - 1).has(day);
  };
  return {
    spec: normalized,
    isHoliday: (t) => isHolidayDay(Math.floor(t / DAY_MS)),
    datesOf(year) {
      const first = Date.UTC(year, 0, 1) / DAY_MS;
      const last = Date.UTC(year + 1, 0, 1) / DAY_MS;
      const out: string[] = [];
      for (let d = first; d < last; d++) if (isHolidayDay(d)) out.push(isoDay(d));
      return out;
    },
  };
}

/**
 * Holiday flags on a grid: 1 for every step that overlaps a holiday day (every hour of
 * 4 July at `H`; the week at `W` that contains it), else 0.
 *
 * @param spec a {@link HolidaySpec}, a raw `holidays` value, or a calendar already built.
 * @param start epoch ms (UTC) of step 0, a bucket start of `frequency`.
 * @param length number of steps.
 */
export function holidayFlags(
  spec: HolidaySpec | HolidayCalendar | unknown,
  start: number,
  frequency: Frequency,
  length: number,
): Uint8Array {
  const calendar = isCalendar(spec) ? spec : holidayCalendar(spec);
  const flags = new Uint8Array(length);
  let t0 = start;
  for (let i = 0; i < length; i++) {
    const t1 = addSteps(start, i + 1, frequency);
    const lastDay = Math.ceil(t1 / DAY_MS) - 1;
    for (let day = Math.floor(t0 / DAY_MS); day <= lastDay; day++) {
      if (calendar.isHoliday(day * DAY_MS)) {
        flags[i] = 1;
        break;
      }
    }
    t0 = t1;
  }
  return flags;
}

function countryHolidays(code: string): Holidays {
  const [country, state] = code.split("-");
  const known = new Holidays();
  if (known.getCountries()?.[country] === undefined) {
    throw badRequest(
      "invalid_dataset_config",
      `_dataset.json: holidays: unknown country ${JSON.stringify(country)} (ISO 3166-1 alpha-2, e.g. "US", "DE")`,
    );
  }
  if (state !== undefined && known.getStates(country)?.[state] === undefined) {
    const states = Object.keys(known.getStates(country) ?? {});
    throw badRequest(
      "invalid_dataset_config",
      `_dataset.json: holidays: ${country} has no subdivision ${JSON.stringify(state)}` +
        (states.length > 0 ? ` (known: ${states.join(", ")})` : ` (date-holidays knows none for ${country})`),
    );
  }
  return state === undefined
    ? new Holidays(country, { types: ["public"] })
    : new Holidays(country, state, { types: ["public"] });
}

function parseOrThrow(value: unknown): HolidaySpec {
  try {
    return parseHolidays(value);
  } catch (error) {
    throw badRequest("invalid_dataset_config", `_dataset.json: ${(error as Error).message}`);
  }
}

function isCalendar(value: unknown): value is HolidayCalendar {
  return typeof (value as HolidayCalendar | undefined)?.isHoliday === "function";
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
