import { describe, expect, it } from "vitest";
import { ModelWorkers } from "./model-workers.ts";

const nextTurn = () => new Promise((r) => setImmediate(r));
const config = { minWorkers: 1, maxWorkers: 3, batchSize: 2, maxIdleMs: 60_000, jobQueueSize: 1_000 };

describe("ModelWorkers", () => {
  it("resolves each job with its result and rejects with its error", async () => {
    const workers = new ModelWorkers(config);
    const ok = workers.submit(() => 42);
    const bad = workers.submit(() => {
      throw new Error("boom");
    });
    expect(await ok).toBe(42);
    await expect(bad).rejects.toThrow("boom");
  });

  it("adds a worker when the queue exceeds twice the batch size, up to maxWorkers", async () => {
    const workers = new ModelWorkers(config);
    let ran = 0;
    const jobs = Array.from({ length: 100 }, () => workers.submit(() => ++ran));
    // In the submitting turn: worker 1 ran one job, workers 2 and 3 (added as the queue grew
    // past 4) ran a batch of 2 each; the rest waits for later turns.
    expect(ran).toBe(5);
    expect(workers.stats).toEqual({ workers: 3, running: 3, queued: 95 });
    await nextTurn();
    expect(ran).toBeLessThanOrEqual(5 + config.maxWorkers * config.batchSize);
    expect(await Promise.all(jobs)).toHaveLength(100);
    await nextTurn();
    expect(workers.stats).toEqual({ workers: 3, running: 0, queued: 0 });
  });

  it("does not let one model's burst delay another model's job", async () => {
    const hot = new ModelWorkers(config);
    const cold = new ModelWorkers(config);
    const order: string[] = [];
    const burst = Array.from({ length: 200 }, (_, i) => hot.submit(() => order.push(`hot-${i}`)));
    const single = cold.submit(() => order.push("cold"));
    await Promise.all([...burst, single]);
    expect(order.indexOf("cold")).toBeLessThan(10);
  });

  it("refuses jobs past jobQueueSize with 503", async () => {
    const workers = new ModelWorkers({ ...config, maxWorkers: 1, jobQueueSize: 3 });
    const accepted = Array.from({ length: 4 }, () => workers.submit(() => 1));
    await expect(workers.submit(() => 1)).rejects.toMatchObject({ status: 503, code: "queue_full" });
    await Promise.all(accepted);
  });

  it("drops back to minWorkers after being idle for maxIdleMs", async () => {
    const workers = new ModelWorkers({ ...config, maxIdleMs: 5 });
    await Promise.all(Array.from({ length: 50 }, () => workers.submit(() => 1)));
    await nextTurn();
    expect(workers.stats.workers).toBe(3);
    await new Promise((r) => setTimeout(r, 10));
    await workers.submit(() => 1);
    expect(workers.stats.workers).toBe(1);
  });
});
