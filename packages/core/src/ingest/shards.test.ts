import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shardPrefixes } from "./shards.ts";

const ROOT = "customers/d/";

describe("shardPrefixes", () => {
  it("keeps a small dataset in one shard", () => {
    expect(shardPrefixes(ROOT, ["a", "b"], 10)).toEqual([ROOT]);
    expect(shardPrefixes(ROOT, [], 10)).toEqual([]);
  });

  it("splits ids 0..999 by leading digits, an id equal to a prefix getting its own folder", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => String(i));
    const shards = shardPrefixes(ROOT, ids, 250);
    expect(shards).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => ROOT + d));
    const tight = shardPrefixes(ROOT, ids, 50);
    expect(tight).toContain(`${ROOT}1/`);
    expect(tight).toContain(`${ROOT}10`);
  });

  it("puts every customer's key under exactly one prefix, none a prefix of another", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,6}$/);
    fc.assert(
      fc.property(fc.uniqueArray(id, { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (ids, size) => {
        const shards = shardPrefixes(ROOT, ids, size);
        for (const customer of ids) {
          const key = `${ROOT}${customer}/data.csv`;
          expect(shards.filter((s) => key.startsWith(s))).toHaveLength(1);
        }
        for (const a of shards) for (const b of shards) if (a !== b) expect(b.startsWith(a)).toBe(false);
        for (const shard of shards) {
          const members = ids.filter((c) => `${ROOT}${c}/`.startsWith(shard));
          expect(members.length).toBeGreaterThan(0);
          expect(members.length).toBeLessThanOrEqual(size);
        }
      }),
      { numRuns: 200 },
    );
  });
});
