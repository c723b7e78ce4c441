export interface Poller {
  stop(): void;
  /** Runs the task now instead of at the next tick. */
  refresh(): void;
}

/**
 * Runs `task` now and then `intervalMs` after each run finishes, so slow answers never pile
 * up. `task` resolves to `false` to stop (a run that has ended needs no more polling). Ticks are
 * skipped while the tab is hidden. Errors are handed to `onError` and polling continues.
 */
export function poll(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void = () => {},
): Poller {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;

  async function tick(): Promise<void> {
    timer = undefined;
    if (stopped || running) return;
    if (document.hidden) return schedule();
    running = true;
    let again = true;
    try {
      again = (await task()) !== false;
    } catch (e) {
      if (!stopped) onError(e);
    } finally {
      running = false;
    }
    if (again) schedule();
    else stopped = true;
  }

  function schedule(): void {
    if (!stopped && timer === undefined) timer = setTimeout(tick, intervalMs);
  }

  void tick();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
    refresh() {
      if (stopped) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      void tick();
    },
  };
}
