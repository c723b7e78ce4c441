import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import * as augurs from "@bsull/augurs/prophet";
import { nominalStepMs } from "../series/frequency.ts";
import { compact, rawWindow } from "./fit-window.ts";
import type { FitInput, ForecastModel } from "./model.ts";

export interface ProphetState {
  /** Prophet's point forecast (yhat) for the steps after the fitted data, 7 significant digits. */
  forecast: number[];
  /** Steps of the block repeated past the end of `forecast` (a whole number of shortest seasons). */
  block: number;
  /** Change of the forecast's level per block over its last two blocks (Prophet's linear trend). */
  drift: number;
}

/** Most steps of Prophet's forecast an artifact stores. */
export const PROPHET_MAX_STORED = 4000;

/** Fitted cycles of the repeated block an artifact stores at least, so its drift is measured. */
const STORED_BLOCKS = 2;

/** Arbitrary epoch (2001-01-01, a Monday) for the first fitted step: FitInput carries no timestamps. */
const EPOCH_SECONDS = Date.UTC(2001, 0, 1) / 1000;

/**
 * Prophet (Taylor & Letham 2018), the model of the original SageMaker design, through augurs'
 * Rust port with Prophet's own Stan model compiled to WASM (`@bsull/augurs-prophet-wasmstan`),
 * the same MLE fit as the Python and R libraries. Defaults are Prophet's: linear trend with 25
 * changepoints, daily/weekly/yearly seasonality chosen by the span and spacing of the data.
 * The fit uses the recent window (eight cycles of the longest period, see fit-window.ts); gaps
 * are dropped (Prophet needs no regular grid). Timestamps are the frequency's nominal steps from
 * an arbitrary epoch, so seasonal phases are consistent but not tied to the calendar.
 *
 * A fitted Prophet lives in WASM memory and cannot be serialized into `model.json`, so the state
 * is its forecast, as for imported Amazon Forecast models: an artifact forecasts exactly what
 * Prophet forecast for `max(horizon, two blocks)` steps (a block is the longest season rounded
 * to whole shortest seasons: 168 h for hourly data, 364 days for daily data; capped at
 * {@link PROPHET_MAX_STORED} steps). Beyond that it is a seasonal repetition, not Prophet: the
 * last block repeats, shifted by the drift between the last two blocks (Prophet's future trend
 * is linear, so the shift continues it). Intervals, as for every model, come from the backtest.
 *
 * Not a default AutoPredictor candidate (a fit costs 0.2–1 s, against milliseconds for the
 * others); pin it per dataset with `"algorithm": "Prophet"` in `_dataset.json`. The WASM loads
 * on the first fit in a thread; predicting never loads it.
 */
export function prophetModel(): ForecastModel<ProphetState> {
  return {
    alias: "Prophet",
    fit(input: FitInput): ProphetState {
      const periods = input.seasonalPeriods;
      const longest = periods.length > 0 ? Math.ceil(periods[periods.length - 1]) : 0;
      const window = rawWindow(input, longest);
      const stepSeconds = nominalStepMs(input.frequency) / 1000;
      const ds: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < window.length; i++) {
        if (!Number.isFinite(window[i])) continue;
        ds.push(EPOCH_SECONDS + i * stepSeconds);
        y.push(window[i]);
      }
      const stored = Math.min(
        PROPHET_MAX_STORED,
        Math.max(input.horizon ?? 1, STORED_BLOCKS * blockLength(periods)),
      );
      const block = Math.min(blockLength(periods), Math.floor(stored / STORED_BLOCKS));
      const future = Array.from(
        { length: stored },
        (_, k) => EPOCH_SECONDS + (window.length + k) * stepSeconds,
      );
      const forecast = compact(fitAndForecast(ds, y, future));
      const last = mean(forecast, stored - block, stored);
      const previous = mean(forecast, stored - 2 * block, stored - block);
      return { forecast, block, drift: compact([last - previous])[0] };
    },
    predict(state: ProphetState, h: number): Float64Array {
      const { forecast, block, drift } = state;
      const out = new Float64Array(h);
      for (let k = 0; k < h; k++) out[k] = k < forecast.length ? forecast[k] : out[k - block] + drift;
      return out;
    },
  };
}

/** Attempts at a fit, each without one more of the oldest readings (see fitAndForecast). */
const FIT_ATTEMPTS = 3;

/**
 * Prophet's point forecast at `future` (seconds), fitted on (`ds`, `y`) with Prophet's defaults.
 * The WASM build of Stan aborts on rare inputs (a C++ exception it cannot catch, reported as
 * `unreachable`; Python's Prophet would fall back to Newton, which aborts the same way here). It
 * depends on the exact window: one reading fewer fits, so a failed fit is retried without the
 * oldest reading, up to {@link FIT_ATTEMPTS} times, before the error goes to the caller.
 */
function fitAndForecast(ds: number[], y: number[], future: number[]): number[] {
  const { Prophet, optimizer } = loadProphet();
  for (let attempt = 0; ; attempt++) {
    const prophet = new Prophet({ optimizer, uncertaintySamples: 0 });
    try {
      prophet.fit({ ds: ds.slice(attempt), y: y.slice(attempt) });
      return prophet.predict({ ds: future }).yhat.point;
    } catch (e) {
      if (attempt + 1 >= FIT_ATTEMPTS || ds.length - attempt <= 2) throw e;
    } finally {
      prophet.free();
    }
  }
}

/**
 * Steps repeated past the stored forecast: the longest period rounded to a whole number of
 * shortest periods, so every shorter season stays in phase (24 × 7 for hourly data); 1 without
 * seasonality (then the repetition is a straight line).
 */
function blockLength(periods: number[]): number {
  if (periods.length === 0) return 1;
  const shortest = Math.max(1, Math.round(periods[0]));
  return shortest * Math.max(1, Math.round(periods[periods.length - 1] / shortest));
}

function mean(values: number[], from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i];
  return sum / (to - from);
}

type Optimizer = augurs.ProphetOptions["optimizer"];

let loaded: { Prophet: typeof augurs.Prophet; optimizer: Optimizer } | undefined;

/**
 * augurs' Prophet and the Stan optimizer, loaded once per thread on first use, synchronously
 * (`fit` is synchronous). augurs' Prophet is wasm-bindgen: its `.wasm` bytes go to `initSync`
 * (its default init fetches a `file:` URL, which Node cannot). The optimizer package is a jco
 * component that only instantiates asynchronously (top-level await): it runs in a helper worker
 * thread, and `optimize` posts the Stan inputs to it and blocks on `Atomics.wait` until the
 * answer is back (one round trip per fit; the data are a JSON string).
 */
export function loadProphet(): { Prophet: typeof augurs.Prophet; optimizer: Optimizer } {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const js = require.resolve("@bsull/augurs/prophet");
    augurs.initSync({ module: readFileSync(js.replace(/\.js$/, "_bg.wasm")) });
    const stan = pathToFileURL(require.resolve("@bsull/augurs-prophet-wasmstan")).href;
    loaded = { Prophet: augurs.Prophet, optimizer: remoteOptimizer(stan) };
  }
  return loaded;
}

/** Longest wait for one optimization (a fit of 3,000 points takes about a second). */
const OPTIMIZE_TIMEOUT_MS = 300_000;

/** The helper thread: loads the optimizer (asynchronously), answers one request at a time. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, signal, url } = workerData;
// Stan's console output (an "Exception thrown" before an abort) goes into the error, not the log.
let said = "";
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk) => ((said += Buffer.from(chunk).toString()), true);
}
const ready = import(url).then((m) => m.optimizer);
ready.catch(() => {});
port.on("message", async ({ init, data, opts }) => {
  let reply;
  said = "";
  try {
    reply = { output: (await ready).optimize(init, data, opts) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    reply = { error: said.trim() ? message + " (Stan: " + said.trim() + ")" : message };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

function remoteOptimizer(url: string): Optimizer {
  let channel: { port: MessagePort; signal: Int32Array; worker: Worker } | undefined;
  const start = () => {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, signal, url },
      transferList: [port2],
    });
    // Never keeps the process alive; a crash surfaces as a timeout of the next optimization.
    worker.unref();
    port1.unref();
    return { port: port1, signal, worker };
  };
  // After a failure (a WASM abort may leave the instance inconsistent) the next call starts afresh.
  const discard = () => {
    void channel?.worker.terminate();
    channel = undefined;
  };
  return {
    optimize(init, data, opts) {
      channel ??= start();
      const { port, signal } = channel;
      Atomics.store(signal, 0, 0);
      port.postMessage({ init, data, opts });
      const deadline = Date.now() + OPTIMIZE_TIMEOUT_MS;
      for (;;) {
        Atomics.wait(signal, 0, 0, 1000);
        const received = receiveMessageOnPort(port);
        if (received) {
          const reply = received.message as { output?: ReturnType<Optimizer["optimize"]>; error?: string };
          if (reply.error !== undefined) {
            discard();
            throw new Error(`Prophet optimizer: ${reply.error}`);
          }
          return reply.output as ReturnType<Optimizer["optimize"]>;
        }
        if (Date.now() > deadline) {
          discard();
          throw new Error(`Prophet optimizer: no answer in ${OPTIMIZE_TIMEOUT_MS / 1000} s`);
        }
      }
    },
  };
}
