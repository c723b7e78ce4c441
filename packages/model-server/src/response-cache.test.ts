import { describe, expect, it } from "vitest";
import { ResponseCache } from "./response-cache.ts";

describe("ResponseCache", () => {
  it("answers a repeated body for the same loaded model only", () => {
    const cache = new ResponseCache(10_000);
    const loaded = {};
    cache.set("m", loaded, '{"horizon":24}', "[1]");
    expect(cache.get("m", loaded, '{"horizon":24}')).toBe("[1]");
    expect(cache.get("m", loaded, '{"horizon":12}')).toBeUndefined();
    expect(cache.get("m", {}, '{"horizon":24}')).toBeUndefined();
    expect(cache.get("other", loaded, '{"horizon":24}')).toBeUndefined();
    expect(cache.stats).toMatchObject({ entries: 1, hits: 1, misses: 3 });
  });

  it("drops the least recently used entries past its byte budget", () => {
    const cache = new ResponseCache(1_600);
    const owner = {};
    for (let i = 0; i < 30; i++) cache.set(`m${i}`, owner, "b", "x".repeat(95));
    expect(cache.stats.bytes).toBeLessThanOrEqual(1_600);
    expect(cache.get("m0", owner, "b")).toBeUndefined();
    expect(cache.get("m29", owner, "b")).toBe("x".repeat(95));
  });

  it("keeps nothing when its budget is 0, and skips answers larger than 1/16 of it", () => {
    const off = new ResponseCache(0);
    off.set("m", {}, "b", "x");
    expect(off.stats.entries).toBe(0);
    const small = new ResponseCache(1_600);
    small.set("m", {}, "b", "x".repeat(200));
    expect(small.stats.entries).toBe(0);
  });
});
