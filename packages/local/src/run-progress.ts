import { isAbsolute, relative } from "node:path";
import { createLogUpdate } from "log-update";
import { DEFAULT_DATASET } from "@myriad/core/dataset/keys";
import type { RunCounts } from "@myriad/core/registry/run-counts";
import { shellWord } from "./env.ts";

/** The slice of `GET /v1/runs/{runId}` the terminal shows. */
export interface RunView {
  runId: string;
  dataset: string;
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
  /** Time the run stood ended before its redrives; not part of its elapsed time. */
  pausedMs?: number;
  input: { key: string };
  counts: RunCounts;
  error: string | null;
  cause: string | null;
  states: { name: string; status: string; startedAt: string; durationMs: number | null; error?: string }[];
}

/** What a summary can point to beside the run itself. */
export interface SummaryContext {
  /** The API server, which also serves the console. */
  apiUrl: string;
  /** The admin key file, for a curl that works as printed. */
  keyFile?: string;
  /** The bucket folder, to show where the quarantine file is. */
  bucketDir?: string;
  /** A customer with a published forecast, for the ready-to-paste commands. */
  customerId?: string;
  /** Variables the CLI needs to reach this stack from another shell (see cliEnvPrefix). */
  cliEnv?: string;
}

/** Where a stream is: the in-place display needs a terminal. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

const number = (n: number) => n.toLocaleString("en-US");

/** `850 ms`, `33.2 s`, `2 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** Whole seconds for an estimate: `4 s`, `1 min 20 s`. */
function formatEta(ms: number): string {
  return ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : formatDuration(ms);
}

/**
 * The state the run is in: the running one, else the last one recorded, except that a running
 * run past Preprocess and short of Train is training in the TrainShards map, whose shards are
 * not recorded as states.
 */
export function currentState(run: RunView): string {
  const running = run.states.filter((s) => s.status === "RUNNING").at(-1);
  if (running) return running.name;
  const last = run.states.at(-1);
  if (run.status === "RUNNING" && stoppedInMap(run)) return "TrainShards";
  return last?.name ?? "Starting";
}

/** Preprocess finished (it counted the customers) and Train was not reached: the run is in the map. */
function stoppedInMap(run: RunView): boolean {
  const last = run.states.at(-1);
  return last?.name === "Preprocess" && last.status === "SUCCEEDED" && run.counts?.customers !== undefined;
}

/** Where customers are trained: the shards, then Train gathering their results. */
const TRAINING = new Set(["TrainShards", "Train"]);

export interface Progress {
  state: string;
  done?: number;
  total?: number;
  /** Customers a second since the state began; undefined before the first one is done. */
  rate?: number;
  etaMs?: number;
  elapsedMs: number;
  /** Why the run waits, when it does. */
  waiting?: string;
}

/** Customers done out of total, rate and ETA from the run's counts and its state's start. */
export function runProgress(run: RunView, now: number): Progress {
  const state = currentState(run);
  const elapsedMs = Math.max(0, now - Date.parse(run.startedAt) - (run.pausedMs ?? 0));
  const counts = run.counts ?? {};
  const waiting =
    run.status === "RUNNING"
      ? TRAINING.has(state)
        ? counts.trainingPending
        : state === "Preprocess"
          ? counts.preprocessPending
          : undefined
      : undefined;
  const progress: Progress = { state, elapsedMs, ...(waiting ? { waiting } : {}) };
  const tp = counts.trainProgress;
  if (tp) {
    progress.done = tp.done;
    progress.total = tp.total;
  } else if (counts.customers !== undefined && state !== "Preprocess") {
    progress.done = 0;
    progress.total = counts.customers;
  }
  const since = trainingStartedAt(run, state);
  if (since !== undefined && progress.done !== undefined && progress.total) {
    const seconds = (now - since) / 1000;
    if (progress.done > 0 && seconds > 0) {
      progress.rate = progress.done / seconds;
      progress.etaMs = ((progress.total - progress.done) / progress.rate) * 1000;
    }
  }
  return progress;
}

/** When the training under way began: Train's start, or for the map Preprocess's end. */
function trainingStartedAt(run: RunView, state: string): number | undefined {
  if (state === "TrainShards") {
    const preprocess = run.states.filter((s) => s.name === "Preprocess").at(-1);
    return preprocess ? Date.parse(preprocess.startedAt) + (preprocess.durationMs ?? 0) : undefined;
  }
  const train = run.states.filter((s) => s.name === "Train").at(-1);
  return state === "Train" && train?.status === "RUNNING" ? Date.parse(train.startedAt) : undefined;
}

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

/** One run's progress line: state, customers done out of total, rate, ETA, elapsed. */
export function progressLine(run: RunView, now: number, options: { bar?: boolean } = {}): string {
  const p = runProgress(run, now);
  const parts = [run.runId, run.dataset, p.state.padEnd(10)];
  if (p.waiting) parts.push(`waiting: ${p.waiting}`);
  else if (p.done !== undefined && p.total !== undefined) {
    const percent = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
    if (options.bar) parts.push(bar(p.done, p.total));
    parts.push(`${number(p.done)}/${number(p.total)} customers`, `${percent}%`);
    if (TRAINING.has(p.state) && p.done < p.total) {
      parts.push(p.rate === undefined ? "—/s" : `${p.rate < 10 ? p.rate.toFixed(1) : Math.round(p.rate)}/s`);
      parts.push(p.etaMs === undefined ? "ETA —" : `ETA ${formatEta(p.etaMs)}`);
    }
  }
  parts.push(`elapsed ${formatDuration(p.elapsedMs)}`);
  return parts.join("  ");
}

/** A path as the user can paste it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return shellWord(rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path);
}

/** The console page of a run (the console is served by the API server, routes in the hash). */
export function runPageUrl(apiUrl: string, runId: string): string {
  return `${apiUrl}/#/runs/${encodeURIComponent(runId)}`;
}

export function customerPageUrl(apiUrl: string, dataset: string, customerId: string): string {
  return `${apiUrl}/#/datasets/${encodeURIComponent(dataset)}/customers/${encodeURIComponent(customerId)}`;
}

/** Ready-to-paste commands for one customer's forecast: the CLI's chart, and a curl. */
export function forecastCommands(
  ctx: { apiUrl: string; keyFile?: string; cliEnv?: string },
  dataset: string,
  customerId: string,
): string[] {
  const cli = `${ctx.cliEnv ?? ""}npx myriad forecast ${customerId}${dataset === DEFAULT_DATASET ? "" : ` --dataset ${dataset}`}`;
  const path = `/v1/datasets/${encodeURIComponent(dataset)}/customers/${encodeURIComponent(customerId)}/forecast`;
  const key = ctx.keyFile ? `$(cat ${displayPath(ctx.keyFile)})` : "$MYRIAD_KEY";
  return [cli, `curl -H "Authorization: Bearer ${key}" ${ctx.apiUrl}${path}`];
}

/**
 * What the upload did to readings already in the customers' history, when it touched any: a
 * later reading for a step replaces the earlier one (counted), an identical one changes nothing.
 */
export function historyText(c: RunCounts): string | undefined {
  const replaced = c.readingsReplaced ?? 0;
  const resent = c.readingsResent ?? 0;
  if (replaced === 0 && resent === 0) return undefined;
  const parts = [
    replaced === 0
      ? "no earlier reading replaced"
      : `${number(replaced)} earlier ${replaced === 1 ? "reading" : "readings"} replaced by a new value`,
  ];
  if (resent > 0) parts.push(`${number(resent)} re-sent unchanged`);
  return parts.join(", ");
}

const ENDED_WORD: Record<string, string> = { SUCCEEDED: "in" };

/**
 * The block printed when a run ends: status and duration, customers trained and failed, rows
 * quarantined, readings of the history replaced, where to look (the run's console page) and
 * what to paste next (one customer's forecast when it succeeded, the error with its cause and
 * the redrive command when not).
 */
export function summaryLines(run: RunView, ctx: SummaryContext): string[] {
  const c = run.counts ?? {};
  const failedState = run.states.filter((s) => s.status !== "SUCCEEDED" && s.status !== "RUNNING").at(-1);
  const duration =
    run.durationMs === null ? "" : ` ${ENDED_WORD[run.status] ?? "after"} ${formatDuration(run.durationMs)}`;
  const stoppedIn = failedState?.name ?? (stoppedInMap(run) ? "TrainShards" : undefined);
  const where = run.status !== "SUCCEEDED" && stoppedIn ? ` in ${stoppedIn}` : "";
  const lines = [
    `${run.runId}  ${run.status}${duration}${where}  (dataset ${run.dataset}, ${run.input.key})`,
  ];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(10)} ${text}`);
  if (run.status !== "SUCCEEDED") {
    const error = run.error ?? failedState?.error ?? "unknown error";
    row("error", run.cause ? `${error}: ${run.cause}` : error);
  }
  if (c.customersTrained !== undefined || c.customersFailed !== undefined) {
    const parts = [`${number(c.customersTrained ?? 0)} trained`];
    if (c.customersRefreshed) parts[0] += ` (${number(c.customersRefreshed)} kept their algorithm)`;
    parts.push(`${number(c.customersFailed ?? 0)} failed`);
    if (c.customersPublished !== undefined) parts.push(`${number(c.customersPublished)} published`);
    row("customers", parts.join(", "));
    const first = c.trainFailures?.[0];
    if (first) row("", `e.g. customer ${first.customerId}: ${first.error}`);
  } else if (c.customersReforecast !== undefined) {
    row(
      "customers",
      `${number(c.customersReforecast)} re-forecast, ${number(c.customersKept ?? 0)} kept their forecast`,
    );
  } else if (c.customers !== undefined) {
    row("customers", `${number(c.customers)} in the upload`);
  }
  if (c.rows) {
    const reasons = Object.entries(c.quarantined ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `${reason} ${number(n)}`);
    row(
      "rows",
      `${number(c.rows.in)} read, ${number(c.rows.quarantined)} quarantined${reasons.length ? ` (${reasons.join(", ")})` : ""}`,
    );
    if (c.rows.quarantined > 0 && c.quarantineKey)
      row("", ctx.bucketDir ? displayPath(`${ctx.bucketDir}/${c.quarantineKey}`) : c.quarantineKey);
  }
  const history = historyText(c);
  if (history) row("history", history);
  if (c.driftFlagged) row("drift", `${number(c.driftFlagged)} customers flagged (their forecast drifted)`);
  row("console", runPageUrl(ctx.apiUrl, run.runId));
  if (run.status === "SUCCEEDED" && ctx.customerId !== undefined) {
    const [cli, curl] = forecastCommands(ctx, run.dataset, ctx.customerId);
    row("forecast", cli);
    row("", curl);
  }
  if (run.status === "ABORTED" || run.status === "TIMED_OUT" || run.error === "Interrupted")
    row("redrive", `${ctx.cliEnv ?? ""}npx myriad runs redrive ${run.runId}`);
  return lines;
}

/** A run that ended: its summary is printed once. */
export const isEnded = (run: RunView) => run.status !== "RUNNING";

/**
 * Run progress in a terminal: on a TTY one line per run under way, updated in place (with
 * log-update), log lines and summaries printed above it; elsewhere (a pipe, a CI log) plain
 * lines, one when a run changes state or its customers done change, at most every
 * `plainEveryMs` within a state.
 */
export class RunProgressDisplay {
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #now: () => number;
  readonly #prefix: string;
  readonly #plainEveryMs: number;
  readonly #runs = new Map<string, { run: RunView; printed?: { key: string; at: number } }>();
  readonly #update?: ReturnType<typeof createLogUpdate>;

  constructor(
    stream: ProgressStream,
    options: { tty?: boolean; now?: () => number; prefix?: string; plainEveryMs?: number } = {},
  ) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#now = options.now ?? Date.now;
    this.#prefix = options.prefix ?? "";
    this.#plainEveryMs = options.plainEveryMs ?? 2000;
    if (this.#tty)
      this.#update = createLogUpdate(stream as NodeJS.WriteStream, { showCursor: true, defaultWidth: 120 });
  }

  /** Shows the run's latest state; an ended run is left to {@link finish}. */
  update(run: RunView): void {
    const entry = this.#runs.get(run.runId) ?? { run };
    entry.run = run;
    this.#runs.set(run.runId, entry);
    if (this.#tty) {
      this.#redraw();
      return;
    }
    const p = runProgress(run, this.#now());
    const key = `${p.state}|${p.waiting ?? ""}|${p.done ?? ""}/${p.total ?? ""}`;
    const now = this.#now();
    const last = entry.printed;
    const stateChanged = !last || last.key.split("|")[0] !== p.state;
    if (last?.key === key || (!stateChanged && now - last.at < this.#plainEveryMs)) return;
    entry.printed = { key, at: now };
    this.#stream.write(`${this.#prefix}${progressLine(run, now)}\n`);
  }

  /** Prints the run's summary block and drops its progress line. */
  finish(run: RunView, ctx: SummaryContext): void {
    this.#runs.delete(run.runId);
    this.#print(summaryLines(run, ctx).map((l) => this.#prefix + l));
  }

  /** A log line, printed above the progress lines. */
  log(line: string): void {
    this.#print([line]);
  }

  /** Removes the progress lines (the runs were not followed to their end). */
  close(): void {
    this.#runs.clear();
    this.#update?.clear();
    this.#update?.done();
  }

  get following(): string[] {
    return [...this.#runs.keys()];
  }

  #print(lines: string[]): void {
    if (!this.#update) {
      this.#stream.write(`${lines.join("\n")}\n`);
      return;
    }
    this.#update.persist(lines.join("\n"));
    this.#redraw();
  }

  #redraw(): void {
    if (!this.#update) return;
    const now = this.#now();
    const lines = [...this.#runs.values()].map(
      ({ run }) => `${this.#prefix}${progressLine(run, now, { bar: true })}`,
    );
    if (lines.length === 0) this.#update.clear();
    else this.#update(lines.join("\n"));
  }
}
