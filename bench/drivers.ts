/**
 * `npm run bench -- drivers [--per-region 6] [--no-prophet]`
 *
 * Forecasting with drivers (temperature and holidays) against models without them, on the
 * synthetic weather-driven customers of bench/drivers-data.ts: one year of hours per customer,
 * the last week (h = 168, Christmas on its Wednesday, a cold spell in the north) held out.
 * Rows: the AutoPredictor with drivers (the pipeline's path: every candidate backtested,
 * calibrated intervals), DriverRegression with drivers (the temperature forecast and holiday
 * flags of the test week), DriverRegression without drivers, TOWT (CalTRACK hourly), Myriad's
 * AutoPredictor without drivers, seasonal naive (weekly, through the same trainer), augurs MSTL,
 * augurs Prophet with the holidays and the temperature regressor (both on the whole history,
 * with their own 80% intervals).
 * Intervals of DriverRegression and TOWT alone: the model's own `variance` (AR error
 * propagation), P10/P90 = mean ∓ Φ⁻¹(0.9)·σ.
 * Goals: Myriad with drivers (the AutoPredictor's choice) better than every peer on MASE and
 * wQL; clearly (≥ 10%) better than Myriad without drivers on the test week, overall and in the
 * cold-spell region; coverage 80% ± 5%; 1,000 customers with drivers in under 60 s on 2 cores.
 */
import { computeMetrics, naiveScale } from "../packages/core/src/forecasting/metrics.ts";
import { normalQuantile } from "../packages/core/src/kernels/normal.ts";
import { driverRegression } from "../packages/core/src/models/driver-regression.ts";
import type { Drivers, FitInput, ForecastModel } from "../packages/core/src/models/model.ts";
import { loadProphet } from "../packages/core/src/models/prophet.ts";
import { timeOfWeekTemperature } from "../packages/core/src/models/towt.ts";
import { type DriverCustomer, driverCustomers, HOLIDAYS_2024, TEST_HOURS } from "./drivers-data.ts";
import { loadAugursMstl } from "./train.ts";
import { head, job, trainAndForecast } from "./train-data.ts";
import type { CustomerDrivers } from "../packages/core/src/drivers/customer-drivers.ts";
import { forecastArtifact } from "../packages/core/src/forecasting/forecast-artifact.ts";
import { trainCustomer } from "../packages/core/src/forecasting/train-customer.ts";

const H = TEST_HOURS;
const HOUR = 3_600_000;

interface Forecast {
  point: ArrayLike<number>;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
}

interface Scored {
  mase: number[];
  wql: number[];
  inside: number;
  total: number;
  ms: number;
  failures: number;
}

type Runner = (c: DriverCustomer) => Forecast;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const perRegion = option(args, "per-region", 6);
  const customers = driverCustomers(perRegion);
  console.log(
    `drivers bench: ${customers.length} customers (${perRegion} per region), ${customers[0].series.values.length} h each, h = ${H}; ` +
      `DriverRegression/TOWT intervals from the model's variance (normal quantiles)`,
  );
  const mstl = await loadAugursMstl();
  const rows: [string, Runner][] = [
    ["DriverRegression+drv", (c) => ownModel(driverRegression(), c, true)],
    ["DriverRegression", (c) => ownModel(driverRegression(), c, false)],
    ["TOWT", (c) => ownModel(timeOfWeekTemperature(), c, true)],
    ["AutoPredictor+drv", (c) => engineWithDrivers(c)],
    ["AutoPredictor", (c) => engine(c)],
    ["SeasonalNaive (168)", (c) => engine(c, "SeasonalNaive(weekly)")],
    ["augurs MSTL", (c) => mstl(train(c).values, [24, 168], H)],
  ];
  if (!args.includes("--no-prophet")) rows.push(["augurs Prophet+drv", (c) => prophet(c)]);
  const all = new Map<string, Scored>();
  const cold = new Map<string, Scored>();
  for (const c of customers) {
    const n = c.series.values.length;
    const actual = Array.from(c.series.values.subarray(n - H));
    const scale = naiveScale(c.series.values.subarray(0, n - H), 24);
    for (const [label, run] of rows) {
      const t0 = performance.now();
      let f: Forecast;
      try {
        f = run(c);
      } catch (e) {
        for (const into of c.region === "north" ? [all, cold] : [all]) scoredOf(into, label).failures++;
        console.log(`${label} failed on ${c.id}: ${(e as Error).message}`);
        continue;
      }
      const ms = performance.now() - t0;
      const point = Array.from(f.point);
      const quantiles = new Map([
        [0.1, Array.from(f.lower)],
        [0.5, point],
        [0.9, Array.from(f.upper)],
      ]);
      const m = computeMetrics({ actual, mean: point, quantiles }, scale, 1);
      for (const into of c.region === "north" ? [all, cold] : [all]) {
        const s = scoredOf(into, label);
        s.mase.push(m.mase ?? Number.NaN);
        s.wql.push(m.averageWql ?? Number.NaN);
        for (let k = 0; k < H; k++) if (actual[k] >= f.lower[k] && actual[k] <= f.upper[k]) s.inside++;
        s.total += H;
        s.ms += ms;
      }
    }
  }
  console.log(`\n== all regions: ${customers.length} customers, test week (Christmas Wednesday) ==`);
  printTable(rows, all);
  console.log(
    `\n== cold-spell region (north): ${customers.filter((c) => c.region === "north").length} customers ==`,
  );
  printTable(rows, cold);
  console.log("\n== goals ==");
  for (const line of goals(rows, all, cold)) console.log(line);
}

function scoredOf(into: Map<string, Scored>, label: string): Scored {
  let s = into.get(label);
  if (!s) {
    s = { mase: [], wql: [], inside: 0, total: 0, ms: 0, failures: 0 };
    into.set(label, s);
  }
  return s;
}

const train = (c: DriverCustomer) => head(c.series, c.series.values.length - H);

/** Our model fitted on the training year, forecasting with the test week's drivers (or none). */
function ownModel<S>(model: ForecastModel<S>, c: DriverCustomer, withDrivers: boolean): Forecast {
  const n = c.series.values.length - H;
  const input: FitInput = {
    y: c.series.values.subarray(0, n),
    frequency: "H",
    seasonalPeriods: [24, 168],
    horizon: H,
    start: c.series.start,
    drivers: withDrivers
      ? { fields: { temperature: c.temperature.subarray(0, n) }, holiday: c.holiday.subarray(0, n) }
      : undefined,
  };
  const future: Drivers | undefined = withDrivers
    ? { fields: { temperature: c.forecastTemperature }, holiday: c.holiday.subarray(n, n + H) }
    : undefined;
  const state = model.fit(input);
  const point = model.predict(state, H, future);
  const variance = model.variance!(state, H);
  const z = normalQuantile(0.9);
  return {
    point,
    lower: point.map((p, k) => p - z * Math.sqrt(variance[k])),
    upper: point.map((p, k) => p + z * Math.sqrt(variance[k])),
  };
}

/**
 * The engine with drivers, as the pipeline trains a customer with a related file and holidays:
 * every candidate (DriverRegression among them) backtested, intervals calibrated, the test
 * week's temperature forecast stored with the model and used to forecast.
 */
function engineWithDrivers(c: DriverCustomer): Forecast {
  const n = c.series.values.length - H;
  const drivers: CustomerDrivers = {
    history: { fields: { temperature: c.temperature.subarray(0, n) }, holiday: c.holiday.subarray(0, n) },
    future: { fields: { temperature: c.forecastTemperature }, holiday: c.holiday.subarray(n, n + H) },
    coverage: { fields: {}, holidays: true },
    missing: [],
  };
  const artifact = trainCustomer(train(c), job(c.id, "H", H), new Date(0), drivers);
  const forecast = forecastArtifact(artifact, { horizon: H });
  return {
    point: forecast.points.map((p) => p.mean),
    lower: forecast.points.map((p) => p.p10),
    upper: forecast.points.map((p) => p.p90),
  };
}

/** The engine without drivers, as the pipeline trains today (calibrated P10/P90). */
function engine(c: DriverCustomer, algorithm?: string): Forecast {
  const { forecast } = trainAndForecast(train(c), H, algorithm);
  return {
    point: forecast.points.map((p) => p.mean),
    lower: forecast.points.map((p) => p.p10),
    upper: forecast.points.map((p) => p.p90),
  };
}

/**
 * augurs Prophet with the drivers a Prophet user would add: the holidays (day-long
 * occurrences) and temperature as an additive regressor (the test week's forecast temperature
 * in predict), Prophet's defaults otherwise, on the whole history, its own 80% intervals.
 */
function prophet(c: DriverCustomer): Forecast {
  const { Prophet, optimizer } = loadProphet();
  const n = c.series.values.length - H;
  const start = c.series.start / 1000;
  const ds = Array.from({ length: n }, (_, i) => start + (i * HOUR) / 1000);
  const y = c.series.values.subarray(0, n);
  const holidays = new Map([
    [
      "holiday",
      {
        occurrences: HOLIDAYS_2024.map((d) => ({ start: start + d * 86_400, end: start + (d + 1) * 86_400 })),
      },
    ],
  ]);
  const future = Array.from({ length: H }, (_, k) => start + ((n + k) * HOUR) / 1000);
  for (let attempt = 0; ; attempt++) {
    const model = new Prophet({ optimizer, intervalWidth: 0.8, holidays });
    try {
      model.addRegressor("temperature");
      model.fit({
        ds: ds.slice(attempt),
        y: y.subarray(attempt),
        x: new Map([["temperature", c.temperature.subarray(attempt, n)]]),
      });
      const f = model.predict({
        ds: future,
        x: new Map([["temperature", Array.from(c.forecastTemperature)]]),
      }).yhat;
      if (!f.intervals) throw new Error("augurs Prophet gave no intervals");
      return { point: f.point, lower: f.intervals.lower, upper: f.intervals.upper };
    } catch (e) {
      if (attempt >= 2) throw e;
    } finally {
      model.free();
    }
  }
}

const avg = (v: number[]) => {
  const finite = v.filter(Number.isFinite);
  return finite.reduce((a, b) => a + b, 0) / finite.length;
};

function printTable(rows: [string, Runner][], scored: Map<string, Scored>): void {
  console.log(`model                  MASE    wQL     P10–P90   ms/series (h = ${H})`);
  for (const [label] of rows) {
    const s = scored.get(label);
    if (!s || s.mase.length === 0) {
      console.log(`${label.padEnd(22)} failed on every series`);
      continue;
    }
    console.log(
      `${label.padEnd(22)} ${avg(s.mase).toFixed(3).padEnd(7)} ${avg(s.wql).toFixed(4).padEnd(7)} ` +
        `${((100 * s.inside) / s.total).toFixed(1).padStart(5)}%    ${(s.ms / s.mase.length).toFixed(1)}` +
        (s.failures ? `   (${s.failures} failed)` : ""),
    );
  }
}

/** Myriad as the pipeline runs it, with and without the drivers. */
const OURS = "AutoPredictor+drv";
const WITHOUT = "AutoPredictor";
/** Our own models scored alone: parts of OURS, not peers. */
const PARTS = ["DriverRegression+drv", "DriverRegression"];

function goals(rows: [string, Runner][], all: Map<string, Scored>, cold: Map<string, Scored>): string[] {
  const ok = (b: boolean) => (b ? "PASS" : "FAIL");
  const ours = all.get(OURS)!;
  const out: string[] = [];
  const peers = rows.map(([l]) => l).filter((l) => l !== OURS && !PARTS.includes(l));
  const beaten = peers.filter((l) => {
    const p = all.get(l);
    return !p || p.mase.length === 0 || (avg(ours.mase) < avg(p.mase) && avg(ours.wql) < avg(p.wql));
  });
  const best = peers
    .map((l) => all.get(l))
    .filter((s): s is Scored => !!s && s.mase.length > 0)
    .reduce((a, b) => (avg(b.wql) < avg(a.wql) ? b : a));
  out.push(
    `${ok(beaten.length === peers.length && ours.failures === 0)} Myriad with drivers better than every peer on MASE and wQL ` +
      `(MASE ${avg(ours.mase).toFixed(3)}, wQL ${avg(ours.wql).toFixed(4)}; best peer wQL ${avg(best.wql).toFixed(4)}` +
      `${beaten.length < peers.length ? `; not beaten: ${peers.filter((l) => !beaten.includes(l)).join(", ")}` : ""})`,
  );
  for (const [name, set] of [
    ["all regions", all],
    ["cold-spell region", cold],
  ] as const) {
    const a = set.get(OURS)!;
    const b = set.get(WITHOUT)!;
    const gain = (x: number, y: number) => (100 * (y - x)) / y;
    out.push(
      `${ok(gain(avg(a.mase), avg(b.mase)) >= 10 && gain(avg(a.wql), avg(b.wql)) >= 10)} ${name}: Myriad with drivers ≥ 10% better than without ` +
        `(MASE ${avg(a.mase).toFixed(3)} vs ${avg(b.mase).toFixed(3)}, −${gain(avg(a.mase), avg(b.mase)).toFixed(0)}%; ` +
        `wQL ${avg(a.wql).toFixed(4)} vs ${avg(b.wql).toFixed(4)}, −${gain(avg(a.wql), avg(b.wql)).toFixed(0)}%)`,
    );
  }
  const coverage = ours.inside / ours.total;
  out.push(
    `${ok(Math.abs(coverage - 0.8) <= 0.05)} P10–P90 coverage ${(100 * coverage).toFixed(1)}% (goal 80% ± 5%)`,
  );
  out.push(
    `info: Myriad with drivers trains (every candidate's backtests) and forecasts in ${(ours.ms / ours.mase.length).toFixed(1)} ms per customer; ` +
      `1,000 customers ≈ ${((ours.ms / ours.mase.length) * 0.5).toFixed(0)} s on 2 cores (goal < 60 s)`,
  );
  return out;
}
