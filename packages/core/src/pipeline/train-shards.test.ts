import { describe, expect, it } from "vitest";
import { customersOfShard, planTrainShards, shardResultsKey } from "./train-shards.ts";

const customers = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe("planTrainShards", () => {
  it("splits the local backend's customers into shards of at most the shard size", () => {
    expect(planTrainShards(1000, "local", 250)).toEqual([
      { shard: 0, of: 4 },
      { shard: 1, of: 4 },
      { shard: 2, of: 4 },
      { shard: 3, of: 4 },
    ]);
    expect(planTrainShards(1001, "local", 250)).toHaveLength(5);
    expect(planTrainShards(7, "local", 250)).toEqual([{ shard: 0, of: 1 }]);
  });

  it("gives a remote backend exactly one shard: its job fans out by itself", () => {
    expect(planTrainShards(100_000, "sagemaker", 250)).toEqual([{ shard: 0, of: 1 }]);
    expect(planTrainShards(100_000, "forecast", 10)).toEqual([{ shard: 0, of: 1 }]);
  });

  it("lists no shard for a run with no customer, and refuses a shard size below one customer", () => {
    expect(planTrainShards(0, "local", 250)).toEqual([]);
    expect(() => planTrainShards(10, "local", 0)).toThrow(/shard size/);
    expect(() => planTrainShards(10, "local", 2.5)).toThrow(/shard size/);
  });
});

describe("customersOfShard", () => {
  it("covers every customer exactly once across the shards, each at most the shard size", () => {
    for (const [n, size] of [
      [1000, 250],
      [1001, 250],
      [7, 3],
      [1, 250],
    ] as const) {
      const all = customers(n);
      const shards = planTrainShards(n, "local", size);
      const slices = shards.map((s) => customersOfShard(all, s));
      expect(slices.flat().sort()).toEqual([...all].sort());
      for (const slice of slices) expect(slice.length).toBeLessThanOrEqual(size);
      // Shards are the same size to within one customer.
      const lengths = slices.map((s) => s.length);
      expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic: the same manifest gives each shard the same customers, in manifest order", () => {
    const all = customers(10);
    expect(customersOfShard(all, { shard: 1, of: 3 })).toEqual(["c1", "c4", "c7"]);
    expect(customersOfShard([...all], { shard: 1, of: 3 })).toEqual(
      customersOfShard(all, { shard: 1, of: 3 }),
    );
  });

  it("gives the single shard of a remote backend every customer", () => {
    const all = customers(5);
    const [only] = planTrainShards(all.length, "sagemaker", 2);
    expect(customersOfShard(all, only)).toEqual(all);
  });

  it("refuses an item that is not a shard of the plan", () => {
    expect(() => customersOfShard(customers(3), { shard: 2, of: 2 })).toThrow(/not a shard/);
    expect(() => customersOfShard(customers(3), { shard: 0, of: 0 })).toThrow(/not a shard/);
  });

  it("writes each shard's results under the run", () => {
    expect(shardResultsKey("sales", "run-1", 3)).toBe("runs/sales/run-1/train-shards/3.json");
  });
});
