import { MyriadError } from "@myriad/core/errors/myriad-error";

/** Per-model worker settings, named as DJL Serving names them (`serving.properties`). */
export interface WorkerConfig {
  /** Workers a model keeps when idle. Default 1. */
  minWorkers: number;
  /** Most workers one model may have, so a hot model cannot take every turn. Default 8. */
  maxWorkers: number;
  /** Jobs a worker runs back to back per turn; scale-up starts past twice this queue. Default 4. */
  batchSize: number;
  /** Idle time after which a model drops back to `minWorkers`, in ms. Default 60,000. */
  maxIdleMs: number;
  /** Queued jobs per model before new ones are refused with 503 (DJL `job_queue_size`). Default 1,000. */
  jobQueueSize: number;
}

export const DEFAULT_WORKER_CONFIG: WorkerConfig = {
  minWorkers: 1,
  maxWorkers: 8,
  batchSize: 4,
  maxIdleMs: 60_000,
  jobQueueSize: 1_000,
};

interface Job {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * One model's job queue and workers, scaled the way DJL Serving's WorkLoadManager does: a job
 * is queued, and a worker is added when none runs, or when the queue holds more than twice the
 * batch size and the model is below `maxWorkers`.
 *
 * What a "worker" is here: forecasting is synchronous CPU work on the one JavaScript thread, so
 * workers are not threads and add no parallelism. A worker is a slot on the event loop: it runs
 * up to `batchSize` jobs, then holds its slot until the next turn (`setImmediate`), letting I/O
 * and other models' workers run in between. A model therefore runs at most
 * `workers × batchSize` jobs per turn: a burst for one popular model is spread over turns
 * instead of delaying every other model's requests behind it, and a queue past `jobQueueSize`
 * is refused (503) instead of growing without bound. With several cores, run several servers.
 */
export class ModelWorkers {
  readonly #config: WorkerConfig;
  #queue: Job[] = [];
  #head = 0;
  #workers: number;
  #running = 0;
  #lastBusy = performance.now();

  constructor(config: WorkerConfig = DEFAULT_WORKER_CONFIG) {
    this.#config = config;
    this.#workers = config.minWorkers;
  }

  /** Runs `job` on this model's queue; rejects with 503 when the queue is full. */
  submit<T>(job: () => T): Promise<T> {
    const queued = this.#queue.length - this.#head;
    if (queued >= this.#config.jobQueueSize) {
      return Promise.reject(new MyriadError(503, "queue_full", "too many requests queued for this model"));
    }
    const { promise, resolve, reject } = withResolvers<T>();
    this.#queue.push({ run: job, resolve: resolve as (v: unknown) => void, reject });
    const now = performance.now();
    if (this.#running === 0 && now - this.#lastBusy > this.#config.maxIdleMs)
      this.#workers = this.#config.minWorkers;
    this.#lastBusy = now;
    if (this.#running < this.#workers) this.#startWorker();
    else if (this.#workers < this.#config.maxWorkers && queued + 1 > 2 * this.#config.batchSize) {
      this.#workers++;
      this.#startWorker();
    }
    return promise;
  }

  /** Current workers (the scaled limit), running workers and queued jobs. */
  get stats(): { workers: number; running: number; queued: number } {
    return { workers: this.#workers, running: this.#running, queued: this.#queue.length - this.#head };
  }

  #startWorker(): void {
    this.#running++;
    this.#turn();
  }

  #turn = (): void => {
    for (let i = 0; i < this.#config.batchSize && this.#head < this.#queue.length; i++) {
      const job = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined as unknown as Job;
      try {
        job.resolve(job.run());
      } catch (e) {
        job.reject(e);
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    // Hold the slot until the next turn whether or not work remains: that is what bounds a
    // model to workers × batchSize jobs per turn.
    setImmediate(this.#next);
  };

  #next = (): void => {
    if (this.#head < this.#queue.length && this.#running <= this.#workers) this.#turn();
    else this.#running--;
  };
}

/** `Promise.withResolvers`, which Node 20 lacks. */
function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
