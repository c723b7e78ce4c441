/**
 * Synthetic hourly energy customers driven by weather and the calendar, for `bench/drivers.ts`:
 * a few regions, each with its own weather (yearly and daily temperature cycles plus AR(1)
 * anomalies that last days, as weather does), customers with their own heating and cooling
 * balance points and sensitivities (some with none: gas heat, no air conditioning), residential
 * and commercial time-of-week profiles, US federal holidays (commercial buildings closed,
 * households at home as on a Sunday). One year of hours, 2024-01-01 (a Monday) to
 * 2024-12-29; the last week, with Christmas on its Wednesday, is the test week. The "north"
 * region has a 5-day cold spell in that week. The temperature forecast for the test week is the
 * actual temperature plus an error that grows with lead time, as a weather forecast's does.
 * All clocks are the customers' local time (the grid is UTC, so the calendar is exact).
 */
import { mulberry32 } from "../packages/core/src/ingest/generate.ts";
import type { RegularSeries } from "../packages/core/src/series/series.ts";

export const DRIVERS_START = Date.UTC(2024, 0, 1);
export const DAYS = 364;
export const TEST_HOURS = 168;

export interface Region {
  name: string;
  /** Annual mean, half the annual swing, half the daily swing, °C. */
  mean: number;
  yearly: number;
  daily: number;
  /** Degrees subtracted over Tuesday–Saturday of the test week (0: no cold spell). */
  coldSpell: number;
}

export const REGIONS: Region[] = [
  { name: "north", mean: 8, yearly: 14, daily: 4, coldSpell: 14 },
  { name: "midwest", mean: 11, yearly: 13, daily: 5, coldSpell: 0 },
  { name: "south", mean: 20, yearly: 8, daily: 5, coldSpell: 0 },
  { name: "west", mean: 15, yearly: 6, daily: 7, coldSpell: 0 },
];

/** 2024 US federal holidays that businesses close on (day of year, 0 = Jan 1). */
export const HOLIDAYS_2024 = [
  "2024-01-01",
  "2024-01-15",
  "2024-02-19",
  "2024-05-27",
  "2024-07-04",
  "2024-09-02",
  "2024-11-28",
  "2024-12-25",
].map((d) => Math.round((Date.parse(d) - DRIVERS_START) / 86_400_000));

export interface DriverCustomer {
  id: string;
  region: string;
  segment: "residential" | "commercial";
  /** The whole year, test week included. */
  series: RegularSeries;
  /** Actual hourly temperature over the year, °C. */
  temperature: Float64Array;
  /** 1 on holiday hours. */
  holiday: Uint8Array;
  /** The temperature forecast for the test week (actual + forecast error). */
  forecastTemperature: Float64Array;
  /** True heating/cooling balance points and slopes (null: no response). */
  truth: { heating: [number, number] | null; cooling: [number, number] | null };
}

const TWO_PI = 2 * Math.PI;

/** Hourly temperature of a region over the year: cycles + persistent anomalies + cold spell. */
export function regionWeather(region: Region, seed: number): Float64Array {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(TWO_PI * random());
  const hours = DAYS * 24;
  const out = new Float64Array(hours);
  let anomaly = 0;
  const testStart = hours - TEST_HOURS;
  for (let t = 0; t < hours; t++) {
    const day = t / 24;
    const hour = t % 24;
    // Coldest around Jan 20, warmest late July; daily low at 5 h, high at 15 h.
    const seasonal = region.mean - region.yearly * Math.cos((TWO_PI * (day - 20)) / 365.25);
    const diurnal = -region.daily * Math.cos((TWO_PI * (hour - 3)) / 24);
    anomaly = 0.985 * anomaly + 0.5 * gaussian();
    let spell = 0;
    if (region.coldSpell > 0) {
      // Tuesday 00 h to Sunday 00 h of the test week, with 12-hour ramps.
      const s = t - (testStart + 24);
      const ramp = Math.min(1, Math.max(0, Math.min(s / 12, (120 - s) / 12)));
      spell = -region.coldSpell * ramp;
    }
    out[t] = seasonal + diurnal + anomaly + spell;
  }
  return out;
}

/**
 * `perRegion` customers in each region, half residential, half commercial (alternating), each
 * with its own PRNG stream.
 */
export function driverCustomers(perRegion = 6, seed = 1): DriverCustomer[] {
  const out: DriverCustomer[] = [];
  const hours = DAYS * 24;
  const holiday = new Uint8Array(hours);
  for (const d of HOLIDAYS_2024) holiday.fill(1, d * 24, d * 24 + 24);
  REGIONS.forEach((region, r) => {
    const temperature = regionWeather(region, seed * 7_919 + r);
    const fRandom = mulberry32(seed * 104_729 + r);
    const fGauss = () => Math.sqrt(-2 * Math.log(1 - fRandom())) * Math.cos(TWO_PI * fRandom());
    const forecastTemperature = new Float64Array(TEST_HOURS);
    let err = 0;
    for (let k = 0; k < TEST_HOURS; k++) {
      // Forecast error: a random walk from 0.3 °C at hour 1 to about 1.5 °C by day 7.
      err += 0.12 * fGauss();
      forecastTemperature[k] = temperature[hours - TEST_HOURS + k] + 0.3 * fGauss() + err;
    }
    for (let c = 0; c < perRegion; c++) {
      const segment = c % 2 === 0 ? "residential" : "commercial";
      const random = mulberry32((seed * 1_000_003 + r * 7_907 + c * 131) >>> 0);
      const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(TWO_PI * random());
      const level = segment === "residential" ? 1 + 2 * random() : 20 + 80 * random();
      // Every third customer heats with gas (no electric heating response); every fourth has no A/C.
      const heating: [number, number] | null =
        c % 3 === 2 ? null : [12 + 6 * random(), level * (0.03 + 0.07 * random())];
      const cooling: [number, number] | null =
        c % 4 === 3 ? null : [20 + 5 * random(), level * (0.03 + 0.08 * random())];
      const weekendOpen = random() < 0.5;
      const noise = 0.04 + 0.06 * random();
      const values = new Float64Array(hours);
      let felt = temperature[0];
      let ar = 0;
      for (let t = 0; t < hours; t++) {
        const day = Math.floor(t / 24);
        const hour = t % 24;
        const dow = day % 7; // Monday = 0
        const off = holiday[t] === 1;
        // Buildings feel the weather with a lag of a few hours (thermal mass).
        felt = 0.6 * felt + 0.4 * temperature[t];
        const profile =
          segment === "residential"
            ? residential(hour, dow >= 5 || off)
            : commercial(hour, dow, off, weekendOpen);
        let load = level * profile;
        if (heating) load += heating[1] * Math.max(0, heating[0] - felt);
        if (cooling) load += cooling[1] * Math.max(0, felt - cooling[0]);
        ar = 0.7 * ar + Math.sqrt(1 - 0.49) * gaussian();
        values[t] = Math.max(0, load * (1 + noise * ar));
      }
      out.push({
        id: `${region.name}-${segment.slice(0, 3)}-${c}`,
        region: region.name,
        segment,
        series: { start: DRIVERS_START, frequency: "H", values },
        temperature,
        holiday,
        forecastTemperature,
        truth: { heating, cooling },
      });
    }
  });
  return out;
}

/** Household load shape: morning and evening peaks; later, flatter mornings at home days. */
function residential(hour: number, home: boolean): number {
  const morning = Math.exp(-(((hour - (home ? 9 : 7)) / 1.5) ** 2));
  const evening = Math.exp(-(((hour - 19) / 2.5) ** 2));
  const day = home ? 0.35 * Math.exp(-(((hour - 14) / 4) ** 2)) : 0;
  return 0.5 + 0.5 * morning + 0.9 * evening + day;
}

/** Business load shape: open 7–19 h on weekdays (and Saturday mornings for some), closed holidays. */
function commercial(hour: number, dow: number, holiday: boolean, saturday: boolean): number {
  const base = 0.35;
  if (holiday || dow === 6) return base;
  if (dow === 5) return saturday && hour >= 8 && hour < 13 ? 0.7 : base;
  if (hour >= 7 && hour < 19) return 1;
  if (hour === 6 || hour === 19) return 0.65;
  return base;
}
