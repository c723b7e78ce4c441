import type { RunProgressDisplay, RunView, SummaryContext } from "./run-progress.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows one run to its end on the display (`myriad upload --wait`): its progress line while it
 * runs, its summary when it ends. Resolves with the ended run.
 */
export async function followRun(
  readRun: () => Promise<RunView>,
  display: RunProgressDisplay,
  context: (run: RunView) => Promise<SummaryContext>,
  intervalMs = 500,
): Promise<RunView> {
  for (;;) {
    const run = await readRun();
    if (run.status !== "RUNNING") {
      display.finish(run, await context(run));
      return run;
    }
    display.update(run);
    await sleep(intervalMs);
  }
}

/**
 * The embedded stack's side: every run that starts a state is followed on the display until it
 * ends, polled every `intervalMs` (a run records its Train progress in its counts).
 */
export class RunFollower {
  readonly #runs = new Set<string>();
  readonly #readRun: (runId: string) => Promise<RunView | undefined>;
  readonly #display: RunProgressDisplay;
  readonly #context: (run: RunView) => Promise<SummaryContext>;
  readonly #timer: NodeJS.Timeout;
  #polling: Promise<void> | undefined;
  #closed = false;

  constructor(options: {
    readRun: (runId: string) => Promise<RunView | undefined>;
    display: RunProgressDisplay;
    context: (run: RunView) => Promise<SummaryContext>;
    intervalMs?: number;
  }) {
    this.#readRun = options.readRun;
    this.#display = options.display;
    this.#context = options.context;
    this.#timer = setInterval(() => void this.poll(), options.intervalMs ?? 500);
    this.#timer.unref();
  }

  /** Starts following a run (again, after a redrive); shows it at once. */
  follow(runId: string): void {
    if (this.#closed) return;
    this.#runs.add(runId);
    void this.poll();
  }

  /** One pass over the runs followed; concurrent calls share it. */
  poll(): Promise<void> {
    this.#polling ??= this.#pass().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #pass(): Promise<void> {
    for (const runId of [...this.#runs]) {
      if (this.#closed) return;
      const run = await this.#readRun(runId).catch(() => undefined);
      if (!run || this.#closed) continue;
      if (run.status === "RUNNING") {
        this.#display.update(run);
        continue;
      }
      this.#runs.delete(runId);
      const ctx = await this.#context(run).catch(() => undefined);
      if (ctx && !this.#closed) this.#display.finish(run, ctx);
    }
  }

  /** Stops polling; waits for a pass under way. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#polling;
  }
}
