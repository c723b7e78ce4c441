/**
 * Counts failed key checks per client (an IP address) in fixed windows: after `maxFailures` in
 * one window the client is refused until the window ends, so keys cannot be guessed at the
 * speed of the server. Successful checks are not counted.
 */
export class AuthFailureThrottle {
  readonly #clients = new Map<string, { failures: number; windowEnds: number }>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxClients: number;

  constructor(options: { maxFailures?: number; windowMs?: number; maxClients?: number } = {}) {
    this.#maxFailures = options.maxFailures ?? 20;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  get maxFailures(): number {
    return this.#maxFailures;
  }

  /** Seconds the client must wait before its next attempt, or 0 if it may try now. */
  retryAfter(client: string, now = Date.now()): number {
    const entry = this.#clients.get(client);
    if (!entry || entry.windowEnds <= now) return 0;
    return entry.failures >= this.#maxFailures ? Math.ceil((entry.windowEnds - now) / 1000) : 0;
  }

  fail(client: string, now = Date.now()): void {
    const entry = this.#clients.get(client);
    if (entry && entry.windowEnds > now) {
      entry.failures++;
      return;
    }
    this.#clients.delete(client);
    if (this.#clients.size >= this.#maxClients) this.#prune(now);
    this.#clients.set(client, { failures: 1, windowEnds: now + this.#windowMs });
  }

  /** Drops ended windows; if every window is live, the oldest ones. */
  #prune(now: number): void {
    for (const [client, entry] of this.#clients) if (entry.windowEnds <= now) this.#clients.delete(client);
    for (const client of this.#clients.keys()) {
      if (this.#clients.size < this.#maxClients) break;
      this.#clients.delete(client);
    }
  }
}
