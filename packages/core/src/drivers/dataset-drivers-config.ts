import { z } from "zod";

/**
 * The driver settings of `_dataset.json`: `holidays` and `related`. Parsed here (shape and
 * syntax only) so `dataset-config.ts` stays free of the holiday library; whether a code is a
 * country or subdivision that date-holidays knows is checked by `holidayCalendar` (holidays.ts),
 * with the same `invalid_dataset_config` code.
 */

/** Resampling of a related field within one step of the dataset frequency. */
export const RELATED_AGGREGATIONS = ["mean", "sum", "min", "max"] as const;
export type RelatedAggregation = (typeof RELATED_AGGREGATIONS)[number];

/** `holidays`, normalized: upper-case ISO 3166 codes and custom `YYYY-MM-DD` dates, sorted, unique. */
export interface HolidaySpec {
  /** `US`, `DE-BY`: a country, optionally with an ISO 3166-2 subdivision. */
  countries: string[];
  /** Extra holidays (company closures…), as calendar dates. */
  dates: string[];
}

/** `related`: which related fields reach the models and how each is resampled. */
export interface RelatedConfig {
  /** Fields to use; absent: every numeric column of every related file. */
  fields?: string[];
  /** Per field (or `"*"` for all), the aggregation within a step; default `mean`. */
  aggregation: Record<string, RelatedAggregation>;
  /** Per related file name, its key column, for files whose key column cannot be recognised. */
  keys: Record<string, string>;
}

/** `US`, `us`, `DE-BY`, `GB-ENG`, `FR-75` (a subdivision is 1–3 letters or digits). */
const CODE = /^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SHAPE =
  'holidays must be a code ("US", "DE-BY"), a list of codes, {"countries": [...], "dates": ["YYYY-MM-DD", ...]}, or a list mixing codes and such objects';

/**
 * Normalizes a `holidays` value: `"US"`; `["US", "DE-BY"]`; `{"dates": ["2026-12-24"]}`;
 * `{"countries": "DE-BY", "dates": [...]}`; or a list mixing codes and objects.
 *
 * @throws Error with a message naming the bad entry (the config parser reports it as
 *   `invalid_dataset_config`).
 */
export function parseHolidays(value: unknown): HolidaySpec {
  const countries = new Set<string>();
  const dates = new Set<string>();
  const addCode = (code: unknown) => {
    if (typeof code !== "string" || !CODE.test(code.trim())) {
      throw new Error(
        `holidays: ${JSON.stringify(code)} is not an ISO 3166 code: a country ("US") or country-subdivision ("DE-BY")`,
      );
    }
    countries.add(code.trim().toUpperCase());
  };
  const addDate = (date: unknown) => {
    if (typeof date !== "string" || !isCalendarDate(date)) {
      throw new Error(`holidays: ${JSON.stringify(date)} is not a date as YYYY-MM-DD`);
    }
    dates.add(date);
  };
  const addItem = (item: unknown, nested: boolean) => {
    if (typeof item === "string") return addCode(item);
    if (Array.isArray(item) && !nested) {
      for (const inner of item) addItem(inner, true);
      return;
    }
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw new Error(SHAPE);
    const object = item as Record<string, unknown>;
    const unknown = Object.keys(object).filter((k) => k !== "countries" && k !== "dates");
    if (unknown.length > 0) throw new Error(`holidays: unknown key ${JSON.stringify(unknown[0])}; ${SHAPE}`);
    const list = (v: unknown, what: string): unknown[] => {
      if (v === undefined) return [];
      if (what === "countries" && typeof v === "string") return [v];
      if (!Array.isArray(v)) throw new Error(`holidays: "${what}" must be a list`);
      return v;
    };
    for (const code of list(object.countries, "countries")) addCode(code);
    for (const date of list(object.dates, "dates")) addDate(date);
  };
  addItem(value, false);
  return { countries: [...countries].sort(), dates: [...dates].sort() };
}

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const Aggregation = z.enum(RELATED_AGGREGATIONS);

const RelatedSchema = z
  .object({
    fields: z.array(z.string().trim().min(1)).min(1).optional(),
    aggregation: z
      .preprocess((v) => (typeof v === "string" ? { "*": v } : v), z.record(z.string().min(1), Aggregation))
      .default({}),
    keys: z.record(z.string().min(1), z.string().trim().min(1)).default({}),
  })
  .strict();

/** `holidays` in `_dataset.json`: any of the shapes {@link parseHolidays} accepts. */
export const HolidaysSchema = z.unknown().transform((value, ctx): HolidaySpec => {
  try {
    return parseHolidays(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

/**
 * `related` in `_dataset.json`: `{"fields": ["temperature"], "aggregation": {"rain": "sum"},
 * "keys": {"weather": "region"}}`, every part optional; `"aggregation": "max"` applies to all.
 */
export const RelatedConfigSchema = RelatedSchema.transform((r): RelatedConfig => r);

/** The fields `dataset-config.ts` adds to its schema. */
export const DriversConfigShape = {
  holidays: HolidaysSchema.optional(),
  related: RelatedConfigSchema.optional(),
};

/** The aggregation of `field` under `config` (default `mean`). */
export function aggregationOf(field: string, config: RelatedConfig | undefined): RelatedAggregation {
  return config?.aggregation[field] ?? config?.aggregation["*"] ?? "mean";
}
