/**
 * Frequencies as Amazon Forecast spells them, plus `Q` (quarterly). Sub-monthly frequencies are
 * fixed durations; `M`, `Q` and `Y` are calendar steps in UTC.
 */
export const FREQUENCIES = ["1min", "5min", "10min", "15min", "30min", "H", "D", "W", "M", "Q", "Y"] as const;
export type Frequency = (typeof FREQUENCIES)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const FIXED_MS: Partial<Record<Frequency, number>> = {
  "1min": MINUTE,
  "5min": 5 * MINUTE,
  "10min": 10 * MINUTE,
  "15min": 15 * MINUTE,
  "30min": 30 * MINUTE,
  H: HOUR,
  D: DAY,
  W: 7 * DAY,
};

const CALENDAR_MONTHS: Partial<Record<Frequency, number>> = { M: 1, Q: 3, Y: 12 };

export function isFrequency(value: unknown): value is Frequency {
  return typeof value === "string" && (FREQUENCIES as readonly string[]).includes(value);
}

/** Nominal length of one step in milliseconds (a month counts as 30.44 days). */
export function nominalStepMs(freq: Frequency): number {
  return FIXED_MS[freq] ?? (CALENDAR_MONTHS[freq] as number) * 30.436875 * DAY;
}

/**
 * Start of the bucket that `t` (epoch ms, UTC) falls in. Weeks start on Monday, as Amazon
 * Forecast's `W` does; months, quarters and years on their first day at 00:00 UTC.
 */
export function bucketStart(t: number, freq: Frequency): number {
  const fixed = FIXED_MS[freq];
  if (fixed !== undefined) {
    if (freq === "W") {
      // 1970-01-01 was a Thursday; shift so buckets start on Monday 00:00 UTC.
      const monday = 4 * DAY;
      return Math.floor((t - monday) / fixed) * fixed + monday;
    }
    return Math.floor(t / fixed) * fixed;
  }
  const d = new Date(t);
  const months = CALENDAR_MONTHS[freq] as number;
  const month = Math.floor(d.getUTCMonth() / months) * months;
  return Date.UTC(d.getUTCFullYear(), month, 1);
}

/** `start` moved by `steps` whole steps of `freq` (start must be a bucket start). */
export function addSteps(start: number, steps: number, freq: Frequency): number {
  const fixed = FIXED_MS[freq];
  if (fixed !== undefined) return start + steps * fixed;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + steps * (CALENDAR_MONTHS[freq] as number), 1);
}

/** Number of whole steps from bucket start `a` to bucket start `b`. */
export function stepsBetween(a: number, b: number, freq: Frequency): number {
  const fixed = FIXED_MS[freq];
  if (fixed !== undefined) return Math.round((b - a) / fixed);
  const da = new Date(a);
  const db = new Date(b);
  const months = (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + db.getUTCMonth() - da.getUTCMonth();
  return Math.round(months / (CALENDAR_MONTHS[freq] as number));
}

/**
 * The seasonal periods worth trying for a frequency, in steps, before checking them against the
 * data (a period needs two full cycles). Mirrors the defaults of statsforecast and Amazon Forecast.
 */
export function candidatePeriods(freq: Frequency): number[] {
  switch (freq) {
    case "1min":
      return [60, 1440];
    case "5min":
      return [12, 288];
    case "10min":
      return [6, 144];
    case "15min":
      return [4, 96, 672];
    case "30min":
      return [48, 336];
    case "H":
      return [24, 168];
    case "D":
      return [7, 365.25];
    case "W":
      return [52.18];
    case "M":
      return [12];
    case "Q":
      return [4];
    case "Y":
      return [];
  }
}

/** The periods of `candidatePeriods` that fit at least two full cycles into `length` points. */
export function seasonalPeriods(freq: Frequency, length: number): number[] {
  return candidatePeriods(freq).filter((p) => length >= 2 * Math.ceil(p));
}

/**
 * The frequency whose step is closest to the median gap between readings (ms). Irregular
 * readings round to the nearest frequency; the caller aggregates them into its buckets.
 */
export function inferFrequency(medianGapMs: number): Frequency {
  let best: Frequency = "H";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const f of FREQUENCIES) {
    const distance = Math.abs(Math.log(nominalStepMs(f) / medianGapMs));
    if (distance < bestDistance) {
      best = f;
      bestDistance = distance;
    }
  }
  return best;
}

/** A season's everyday name from its length in time: daily, weekly, yearly, else `season(p)`. */
export function seasonName(period: number, frequency: Frequency): string {
  const days = (period * nominalStepMs(frequency)) / DAY;
  if (Math.abs(days - 1) < 0.05) return "daily";
  if (Math.abs(days - 7) < 0.2) return "weekly";
  if (Math.abs(days - 365.25) < 5) return "yearly";
  return `season(${period})`;
}
