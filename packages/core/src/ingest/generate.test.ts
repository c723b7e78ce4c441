import { describe, expect, it } from "vitest";
import { GENERATED_HEADER, generateRows } from "./generate.ts";

const START = new Date("2025-03-01T00:00:00Z");
const rowsOf = (text: string) => text.trimEnd().split("\n").slice(1);

describe("generateRows", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const a = [...generateRows({ customers: 5, days: 3, start: START, seed: 42 })].join("");
    const b = [...generateRows({ customers: 5, days: 3, start: START, seed: 42 })].join("");
    const c = [...generateRows({ customers: 5, days: 3, start: START, seed: 43 })].join("");
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("writes the header, one reading per customer per slot, irregular times and values in 0–1000", () => {
    const text = [...generateRows({ customers: 4, days: 2, start: START, seed: 1 })].join("");
    expect(text.startsWith(`${GENERATED_HEADER}\n`)).toBe(true);
    const rows = rowsOf(text).map((line) => line.split(","));
    expect(rows).toHaveLength(4 * 2 * 24);
    const perCustomerHour = new Map<string, number>();
    let offHour = 0;
    for (const [id, timestamp, value] of rows) {
      expect(id).toMatch(/^[0-3]$/);
      expect(timestamp).toMatch(/^2025-03-0[12] \d\d:\d\d:\d\d$/);
      if (!timestamp.endsWith(":00:00")) offHour++;
      const v = Number(value);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1000);
      const key = `${id} ${timestamp.slice(0, 13)}`;
      perCustomerHour.set(key, (perCustomerHour.get(key) ?? 0) + 1);
    }
    expect(offHour).toBeGreaterThan(rows.length * 0.9);
    expect(perCustomerHour.size).toBe(4 * 48);
    expect([...perCustomerHour.values()].every((n) => n === 1)).toBe(true);
  });

  it("shows a daily cycle: hours differ more across the day than across days", () => {
    const text = [...generateRows({ customers: 1, days: 28, start: START, seed: 5 })].join("");
    const byHour = Array.from({ length: 24 }, () => [] as number[]);
    for (const line of rowsOf(text)) {
      const [, timestamp, value] = line.split(",");
      byHour[Number(timestamp.slice(11, 13))].push(Number(value));
    }
    const means = byHour.map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(100);
  });

  it("scales readings per day and chunks the text", () => {
    const chunks = [...generateRows({ customers: 50, days: 2, start: START, readingsPerDay: 240 })];
    expect(chunks.length).toBeGreaterThan(1);
    expect(rowsOf(chunks.join(""))).toHaveLength(50 * 2 * 240);
    expect(() => generateRows({ customers: 1, days: 1, readingsPerDay: 0 }).next()).toThrow(RangeError);
  });

  it("ends today by default", () => {
    const text = [...generateRows({ customers: 1, days: 1 })].join("");
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(rowsOf(text)[0].split(",")[1].slice(0, 10)).toBe(yesterday);
  });
});
