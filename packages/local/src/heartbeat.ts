import { stat, utimes, writeFile } from "node:fs/promises";

/**
 * The embedded stack's sign of life: a file whose modification time it renews every `everyMs`.
 * After a SIGKILL or a power loss, the next start reads when the dead process was last alive,
 * so the runs it interrupted stop then rather than at the restart (their duration leaves out the
 * time the stack was down, give or take `everyMs`).
 */
export class Heartbeat {
  readonly #file: string;
  readonly #timer: NodeJS.Timeout;

  private constructor(file: string, everyMs: number) {
    this.#file = file;
    this.#timer = setInterval(() => void this.beat().catch(() => {}), everyMs);
    this.#timer.unref();
  }

  /** Starts beating; `lastAliveAt` is the previous process's last beat (none on a first start). */
  static async start(file: string, everyMs = 5000): Promise<{ heartbeat: Heartbeat; lastAliveAt?: Date }> {
    const lastAliveAt = await stat(file).then(
      (s) => s.mtime,
      () => undefined,
    );
    const heartbeat = new Heartbeat(file, everyMs);
    await heartbeat.beat();
    return { heartbeat, ...(lastAliveAt ? { lastAliveAt } : {}) };
  }

  async beat(): Promise<void> {
    const now = new Date();
    await utimes(this.#file, now, now).catch(() => writeFile(this.#file, `${process.pid}\n`));
  }

  /** Stops beating, with a last beat: a clean stop was alive until now. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.beat().catch(() => {});
  }
}
