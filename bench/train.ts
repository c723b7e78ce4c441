/**
 * `npm run bench -- train [--customers 1000] [--single 200] [--sample 30] [--only hourly|monthly|quarterly|daily|intermittent] [--no-peers]`
 *
 * The forecasting engine side by side with its peers, on
 *  (a) the seed's synthetic hourly dataset: 1,000 customers × 365 days, h = 168, with speed:
 *      models per second (every candidate's backtests, refit, forecast) on one thread and on a
 *      piscina pool of 2;
 *  (b) public series that ship on npm (bench/classic-series.ts): monthly (h = 18), quarterly
 *      (h = 8) and daily (h = 28) at several origins each, and a seeded intermittent set.
 * Accuracy: MASE, sMAPE, wQL (P10/P50/P90) and P10–P90 coverage on held-out windows no model
 * saw, for the AutoPredictor, each model family pinned alone, seasonal naive (through the same
 * trainer, so with the same intervals), and the peers @bsull/augurs MSTL and Prophet (each
 * library called directly on the whole training history, with its own 80% intervals).
 * Goals: 1,000 hourly customers < 30 s on 2 cores; on every set better than seasonal naive and
 * no worse than the best single family on MASE and wQL; coverage 80% ± 5%.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { computeMetrics, naiveScale } from "../packages/core/src/forecasting/metrics.ts";
import type { ModelMetrics } from "../packages/core/src/models/model.ts";
import { loadProphet } from "../packages/core/src/models/prophet.ts";
import { nominalStepMs } from "../packages/core/src/series/frequency.ts";
import type { RegularSeries } from "../packages/core/src/series/series.ts";
import { ALGORITHMS } from "../packages/core/src/models/catalog.ts";
import { classicSets, type SeriesSet } from "./classic-series.ts";
import {
  head,
  runTask,
  syntheticCustomer,
  type Task,
  type TaskResult,
  trainAndForecast,
} from "./train-data.ts";

const H_HOURLY = 168;

interface Scored {
  mase: number[];
  smape: number[];
  wql: number[];
  inside: number;
  total: number;
  ms: number;
  failures: number;
}

const empty = (): Scored => ({ mase: [], smape: [], wql: [], inside: 0, total: 0, ms: 0, failures: 0 });

/** A row of a table: Myriad with an algorithm pinned (none: the AutoPredictor) or a peer. */
type Row = { label: string; family?: boolean } & (
  | { kind: "myriad"; algorithm?: string }
  | { kind: "peer"; peer: "mstl" | "prophet" }
);
type Rows = Map<string, Scored>;

/** Families that compete in the AutoPredictor, each also scored alone where it is registered. */
const FAMILIES = [
  "AutoETS",
  "AutoARIMA",
  "AutoTheta",
  "HoltWinters",
  "Theta",
  "MSTL",
  "FourierRegression",
  "CrostonSBA",
  "TSB",
  "ADIDA",
];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<void> {
  const only = option(args, "only");
  const skipPeers = args.includes("--no-peers");
  const augurs: Peers = { mstl: await loadAugursMstl(), prophet: augursProphet() };
  console.log(`train bench: ${availableParallelism()} cores, node ${process.version}`);
  const lines: string[] = [];
  if (!only || only === "hourly") lines.push(...(await benchHourly(args, augurs)).map((l) => `hourly: ${l}`));
  for (const set of classicSets()) {
    if (only && only !== set.name) continue;
    lines.push(...benchSet(set, augurs, skipPeers).map((l) => `${set.name}: ${l}`));
  }
  console.log("\n== goals ==");
  for (const line of lines) console.log(line);
}

async function benchHourly(args: string[], augurs: Peers): Promise<string[]> {
  const customers = flag(args, "customers", 1000);
  const single = Math.min(customers, flag(args, "single", 200));
  const sample = flag(args, "sample", 30);
  console.log(`\n== (a) synthetic hourly: ${customers} customers × 365 days, h = ${H_HOURLY} ==`);
  const one = timeSingle(() => runTask({ kind: "synthetic", from: 0, to: single, horizon: H_HOURLY }));
  const perModel = one.ms / single;
  console.log(
    `single thread: ${single} customers in ${(one.ms / 1000).toFixed(2)} s = ${(1000 / perModel).toFixed(1)} models/s ` +
      `(${perModel.toFixed(1)} ms wall, ${(one.cpuMs / single).toFixed(1)} ms CPU per customer: every candidate's ` +
      `backtests + refit + forecast; ${customers} would take ${((perModel * customers) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `algorithms chosen: ${fmtCounts(one.result.algorithms)}; model.json ${(one.result.bytes / one.result.models / 1024).toFixed(1)} KB on average`,
  );
  const batches: Task[] = [];
  for (let from = 0; from < customers; from += 25) {
    batches.push({ kind: "synthetic", from, to: Math.min(customers, from + 25), horizon: H_HOURLY });
  }
  const pooled = await timePool(batches);
  console.log(
    `pool of 2 (piscina): ${pooled.models} customers in ${(pooled.ms / 1000).toFixed(2)} s = ` +
      `${((pooled.models * 1000) / pooled.ms).toFixed(1)} models/s, ${(pooled.cpuMs / pooled.models).toFixed(1)} ms CPU per ` +
      `customer (worker start-up ${(pooled.startMs / 1000).toFixed(2)} s included)`,
  );
  console.log(
    `\naccuracy on the held-out final ${H_HOURLY} h of ${sample} customers (trained on the 358 days before):`,
  );
  const rows: Row[] = [
    { kind: "myriad", label: "AutoPredictor" },
    { kind: "myriad", label: "SeasonalNaive (24)", algorithm: "SeasonalNaive" },
    { kind: "myriad", label: "SeasonalNaive (168)", algorithm: "SeasonalNaive(weekly)" },
    { kind: "peer", label: "augurs MSTL", peer: "mstl" },
    { kind: "peer", label: "augurs Prophet", peer: "prophet" },
    { kind: "myriad", label: "Prophet (pinned)", algorithm: "Prophet" },
    { kind: "myriad", label: "DriverRegression", algorithm: "DriverRegression", family: true },
    { kind: "myriad", label: "TOWT", algorithm: "TOWT", family: true },
  ];
  const hourly: Rows = new Map();
  for (let c = 0; c < sample; c++)
    evaluate(syntheticCustomer(c), H_HOURLY, 24, rows, hourly, augurs, [24, 168]);
  printTable(rows, hourly, H_HOURLY);
  return goals(rows, hourly, pooled.ms / 1000, customers);
}

/**
 * One public set: every series scored at `origins` held-out windows (each model trained only on
 * the steps before its window), for the AutoPredictor, each family alone, seasonal naive and
 * the augurs peers.
 */
function benchSet(set: SeriesSet, augurs: Peers, skipPeers: boolean): string[] {
  const { horizon: h, periods } = set;
  console.log(
    `\n== ${set.name}: ${set.series.length} series, h = ${h}, ${set.origins} origin(s) each, periods ${periods.join(", ")} ==`,
  );
  const rows: Row[] = [
    { kind: "myriad", label: "AutoPredictor" },
    ...FAMILIES.filter((a) => ALGORITHMS.includes(a)).map(
      (a): Row => ({ kind: "myriad", label: a, algorithm: a, family: true }),
    ),
    { kind: "myriad", label: `SeasonalNaive (${periods[0]})`, algorithm: "SeasonalNaive" },
  ];
  if (!skipPeers) {
    rows.push({ kind: "peer", label: "augurs MSTL", peer: "mstl" });
    rows.push({ kind: "peer", label: "augurs Prophet", peer: "prophet" });
  }
  const scored: Rows = new Map();
  const chosen: Record<string, number> = {};
  for (const { series } of set.series) {
    const n = series.values.length;
    for (let o = set.origins; o >= 1; o--) {
      const cut = n - (o - 1) * h;
      const picked = evaluate(head(series, cut), h, periods[0], rows, scored, augurs, periods);
      if (picked) chosen[picked] = (chosen[picked] ?? 0) + 1;
    }
  }
  printTable(rows, scored, h);
  console.log(`AutoPredictor chose: ${fmtCounts(chosen)}`);
  return goals(rows, scored);
}

type Augurs = (
  y: Float64Array,
  periods: number[],
  h: number,
) => { point: number[]; lower: number[]; upper: number[] };

interface Peers {
  mstl: Augurs;
  prophet: (train: RegularSeries, h: number) => { point: number[]; lower: number[]; upper: number[] };
}

/** augurs MSTL (AutoETS trend) through its WASM build, loaded as Node needs: bytes + initSync. */
export async function loadAugursMstl(): Promise<Augurs> {
  const url = import.meta.resolve("@bsull/augurs/mstl");
  const mod = await import("@bsull/augurs/mstl");
  mod.initSync({ module: readFileSync(fileURLToPath(url).replace(/\.js$/, "_bg.wasm")) });
  return (y, periods, h) => {
    const model = mod.MSTL.ets(periods);
    try {
      model.fit(y);
      const f = model.predict(h, 0.8);
      if (!f.intervals) throw new Error("augurs MSTL gave no intervals");
      return { point: f.point, lower: f.intervals.lower, upper: f.intervals.upper };
    } finally {
      model.free();
    }
  };
}

/**
 * augurs Prophet as a user would call it: Prophet's defaults on the whole training history at its
 * real timestamps (gaps dropped), its own 80% intervals (1,000 simulated trend paths), loaded as
 * Node needs (the Prophet WASM through initSync, the Stan optimizer in a helper thread: see
 * models/prophet.ts). This is the fair peer to augurs MSTL: the library as it comes.
 */
function augursProphet(): Peers["prophet"] {
  return (train, h) => {
    const { Prophet, optimizer } = loadProphet();
    const step = nominalStepMs(train.frequency) / 1000;
    const ds: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < train.values.length; i++) {
      if (!Number.isFinite(train.values[i])) continue;
      ds.push(train.start / 1000 + i * step);
      y.push(train.values[i]);
    }
    const n = train.values.length;
    const future = Array.from({ length: h }, (_, k) => train.start / 1000 + (n + k) * step);
    // WASM Stan aborts on rare windows; one reading fewer fits (as in models/prophet.ts).
    for (let attempt = 0; ; attempt++) {
      const model = new Prophet({ optimizer, intervalWidth: 0.8 });
      try {
        model.fit({ ds: ds.slice(attempt), y: y.slice(attempt) });
        const f = model.predict({ ds: future }).yhat;
        if (!f.intervals) throw new Error("augurs Prophet gave no intervals");
        return { point: f.point, lower: f.intervals.lower, upper: f.intervals.upper };
      } catch (e) {
        if (attempt >= 2) throw e;
      } finally {
        model.free();
      }
    }
  };
}

/**
 * Scores every row on the last `h` steps of `full`, trained on the steps before; a row that
 * throws is counted as a failure. Returns the algorithm the AutoPredictor chose.
 */
function evaluate(
  full: RegularSeries,
  h: number,
  m: number,
  rows: Row[],
  into: Rows,
  augurs: Peers,
  periods: number[],
): string | undefined {
  const n = full.values.length;
  const train = head(full, n - h);
  const actual = Array.from(full.values.subarray(n - h));
  const scale = naiveScale(train.values, m);
  let chosen: string | undefined;
  for (const row of rows) {
    if (!into.has(row.label)) into.set(row.label, empty());
    const s = into.get(row.label)!;
    const t0 = performance.now();
    let f: { point: number[]; lower: number[]; upper: number[] };
    try {
      if (row.kind === "myriad") {
        const { forecast, artifact } = trainAndForecast(train, h, row.algorithm);
        if (!row.algorithm) chosen = artifact.algorithm;
        f = {
          point: forecast.points.map((p) => p.mean),
          lower: forecast.points.map((p) => p.p10),
          upper: forecast.points.map((p) => p.p90),
        };
      } else if (row.peer === "mstl") f = augurs.mstl(train.values, periods, h);
      else f = augurs.prophet(train, h);
    } catch {
      s.failures++;
      continue;
    }
    const ms = performance.now() - t0;
    const quantiles = new Map([
      [0.1, f.lower],
      [0.5, f.point],
      [0.9, f.upper],
    ]);
    add(s, computeMetrics({ actual, mean: f.point, quantiles }, scale, 1), actual, quantiles, ms);
  }
  return chosen;
}

function add(
  s: Scored,
  metrics: ModelMetrics,
  actual: number[],
  quantiles: Map<number, number[]>,
  ms: number,
): void {
  s.mase.push(metrics.mase ?? Number.NaN);
  s.smape.push(metrics.smape ?? Number.NaN);
  s.wql.push(metrics.averageWql ?? Number.NaN);
  const lo = quantiles.get(0.1)!;
  const hi = quantiles.get(0.9)!;
  for (let i = 0; i < actual.length; i++) if (actual[i] >= lo[i] && actual[i] <= hi[i]) s.inside++;
  s.total += actual.length;
  s.ms += ms;
}

/**
 * Mean over the windows where a metric is defined: wQL and sMAPE have no value on a window of
 * zero actuals (an idle week of an intermittent customer).
 */
const avg = (v: number[]) => {
  const finite = v.filter(Number.isFinite);
  return finite.reduce((a, b) => a + b, 0) / finite.length;
};

function printTable(rows: Row[], scored: Rows, h: number): void {
  console.log(`model                  MASE    sMAPE   wQL     P10–P90   ms/series (h = ${h})`);
  for (const row of rows) {
    const s = scored.get(row.label);
    if (!s || s.mase.length === 0) {
      console.log(`${row.label.padEnd(22)} failed on every series`);
      continue;
    }
    console.log(
      `${row.label.padEnd(22)} ${avg(s.mase).toFixed(3).padEnd(7)} ${avg(s.smape).toFixed(4).padEnd(7)} ${avg(s.wql).toFixed(4).padEnd(7)} ` +
        `${((100 * s.inside) / s.total).toFixed(1).padStart(5)}%    ${(s.ms / s.mase.length).toFixed(1)}` +
        (s.failures ? `   (${s.failures} failed)` : ""),
    );
  }
}

/**
 * PASS/FAIL lines: better than the best seasonal naive, no worse than the best single family
 * (on MASE and wQL: what the AutoPredictor exists for), at least as good as augurs MSTL, P10–P90
 * coverage 80 ± 5%, and the pool's time when measured.
 */
function goals(rows: Row[], scored: Rows, poolSeconds?: number, customers?: number): string[] {
  const a = scored.get("AutoPredictor")!;
  const ok = (b: boolean) => (b ? "PASS" : "FAIL");
  const fmt = (s: Scored) => `MASE ${avg(s.mase).toFixed(3)}, wQL ${avg(s.wql).toFixed(4)}`;
  const complete = (label: string) => {
    const s = scored.get(label);
    return s && s.failures === 0 && s.mase.length === a.mase.length ? s : undefined;
  };
  const naive = rows
    .filter((r) => r.label.startsWith("SeasonalNaive"))
    .map((r) => complete(r.label)!)
    .reduce((x, y) => (avg(y.wql) < avg(x.wql) ? y : x));
  const out = [
    `${ok(avg(a.mase) < avg(naive.mase) && avg(a.wql) < avg(naive.wql))} better than the best seasonal naive (${fmt(a)} vs ${fmt(naive)})`,
  ];
  const families = rows.filter((r) => r.family && complete(r.label));
  if (families.length > 0) {
    const bestMase = families.reduce((x, y) =>
      avg(complete(y.label)!.mase) < avg(complete(x.label)!.mase) ? y : x,
    );
    const bestWql = families.reduce((x, y) =>
      avg(complete(y.label)!.wql) < avg(complete(x.label)!.wql) ? y : x,
    );
    const m = avg(complete(bestMase.label)!.mase);
    const w = avg(complete(bestWql.label)!.wql);
    out.push(
      `${ok(avg(a.mase) <= m && avg(a.wql) <= w)} no worse than the best single family (MASE ${avg(a.mase).toFixed(3)} vs ${m.toFixed(3)} ${bestMase.label}, wQL ${avg(a.wql).toFixed(4)} vs ${w.toFixed(4)} ${bestWql.label})`,
    );
  }
  const mstl = complete("augurs MSTL");
  if (mstl)
    out.push(
      `${ok(avg(a.mase) <= avg(mstl.mase) && avg(a.wql) <= avg(mstl.wql))} at least as good as augurs MSTL (${fmt(a)} vs ${fmt(mstl)})`,
    );
  const coverage = a.inside / a.total;
  out.push(
    `${ok(Math.abs(coverage - 0.8) <= 0.05)} P10–P90 coverage ${(100 * coverage).toFixed(1)}% (goal 80% ± 5%)`,
  );
  const prophet = complete("augurs Prophet");
  if (prophet)
    out.push(
      `info vs augurs Prophet: ${fmt(a)} vs ${fmt(prophet)}, ${(prophet.ms / a.ms).toFixed(1)}× faster per series`,
    );
  if (mstl) out.push(`info: ${(mstl.ms / a.ms).toFixed(1)}× the speed of augurs MSTL per series`);
  if (poolSeconds !== undefined)
    out.unshift(
      `${ok(poolSeconds < 30)} ${customers} customers in ${poolSeconds.toFixed(1)} s on a pool of 2 (goal < 30 s)`,
    );
  return out;
}

/** Process CPU time in ms (all threads): unlike wall time, it holds on a busy machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeSingle(run: () => TaskResult): { ms: number; cpuMs: number; result: TaskResult } {
  const t0 = performance.now();
  const c0 = cpuMs();
  const result = run();
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, result };
}

async function timePool(
  tasks: Task[],
): Promise<{ ms: number; cpuMs: number; startMs: number; models: number }> {
  const t0 = performance.now();
  const c0 = cpuMs();
  const pool = new Piscina({
    filename: new URL("./train-worker.mjs", import.meta.url).href,
    minThreads: 2,
    maxThreads: 2,
  });
  try {
    // Start-up: each worker registers tsx and compiles the engine before its first task.
    await Promise.all([
      pool.run({ kind: "synthetic", from: 0, to: 0, horizon: 1 }),
      pool.run({ kind: "synthetic", from: 0, to: 0, horizon: 1 }),
    ]);
    const startMs = performance.now() - t0;
    const results: TaskResult[] = await Promise.all(tasks.map((t) => pool.run(t)));
    const models = results.reduce((s, r) => s + r.models, 0);
    return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, startMs, models };
  } finally {
    await pool.destroy();
  }
}

function fmtCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}
