/** One reading of the endpoint's metrics. */
export interface MetricsSample {
  /** ISO 8601, when it was read. */
  timestamp: string;
  metrics: Record<string, unknown>;
}

export interface MetricsHistoryOptions {
  /** Time between readings. Default 10 s. */
  intervalMs?: number;
  /** How far back readings are kept. Default 30 minutes. */
  windowMs?: number;
  now?: () => number;
}

const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_WINDOW_MS = 30 * 60_000;

/**
 * The endpoint's recent past: its metrics read every `intervalMs` into a ring of the last
 * `windowMs`. The endpoint counts since it started; a page opened now needs the minutes before
 * it too, and only a reader that ran all along has them.
 */
export class EndpointMetricsHistory {
  readonly intervalMs: number;
  readonly windowMs: number;
  readonly #read: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  readonly #now: () => number;
  readonly #ring: (MetricsSample | undefined)[];
  #next = 0;

  constructor(
    read: () => Promise<Record<string, unknown>> | Record<string, unknown>,
    options: MetricsHistoryOptions = {},
  ) {
    this.#read = read;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.#now = options.now ?? Date.now;
    this.#ring = new Array(Math.ceil(this.windowMs / this.intervalMs) + 1);
  }

  /** Reads the metrics now and keeps the reading, overwriting the oldest once the ring is full. */
  async record(): Promise<MetricsSample> {
    const sample = await this.#reading();
    this.#ring[this.#next] = sample;
    this.#next = (this.#next + 1) % this.#ring.length;
    return sample;
  }

  /** The kept readings within the window, oldest first, and one taken now, so the last is current. */
  async window(): Promise<MetricsSample[]> {
    const current = await this.#reading();
    const from = Date.parse(current.timestamp) - this.windowMs;
    const kept = [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)].filter(
      (s): s is MetricsSample => s !== undefined && Date.parse(s.timestamp) >= from,
    );
    return [...kept, current];
  }

  async #reading(): Promise<MetricsSample> {
    return { timestamp: new Date(this.#now()).toISOString(), metrics: await this.#read() };
  }
}

/** One history per endpoint, however many API apps are built on it. */
const histories = new WeakMap<object, EndpointMetricsHistory>();

/**
 * The history of an endpoint that reports metrics, read from now on in the background. The
 * timer holds the endpoint only weakly and does not keep the process alive: once the endpoint
 * is gone, so is its reader. Undefined for an endpoint without metrics (SageMaker's are in
 * CloudWatch).
 */
export function endpointMetricsHistory(
  endpoint: { metrics?(): Promise<Record<string, unknown>> | Record<string, unknown> } | undefined,
  options: MetricsHistoryOptions = {},
): EndpointMetricsHistory | undefined {
  if (!endpoint?.metrics) return undefined;
  const known = histories.get(endpoint);
  if (known) return known;
  const ref = new WeakRef(endpoint);
  const history = new EndpointMetricsHistory(() => ref.deref()?.metrics?.() ?? {}, options);
  histories.set(endpoint, history);
  const tick = () => {
    if (ref.deref() === undefined) return clearInterval(timer);
    // A reading that fails (the endpoint closing) is a gap in the charts, not an error to raise.
    history.record().catch(() => {});
  };
  const timer = setInterval(tick, history.intervalMs);
  timer.unref();
  tick();
  return history;
}
