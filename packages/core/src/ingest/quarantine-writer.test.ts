import { describe, expect, it } from "vitest";
import { MemoryObjectStore } from "./memory-object-store.ts";
import { csvField, QuarantineWriter } from "./quarantine-writer.ts";

describe("QuarantineWriter", () => {
  it("writes nothing when no row was rejected", async () => {
    const store = new MemoryObjectStore();
    const writer = new QuarantineWriter();
    expect(await writer.write(store, "q.csv")).toBeNull();
    expect(store.objects.size).toBe(0);
  });

  it("writes line, reason and the row quoted when needed, counting per reason", async () => {
    const store = new MemoryObjectStore();
    const writer = new QuarantineWriter();
    writer.add(2, "missing_field", "a,2025-01-01");
    writer.add(5, "non_numeric_value", "b;x");
    writer.add(9, "missing_field", "");
    expect(await writer.write(store, "q.csv")).toBe("q.csv");
    expect(store.text("q.csv")).toBe(
      'line,reason,row\n2,missing_field,"a,2025-01-01"\n5,non_numeric_value,b;x\n9,missing_field,\n',
    );
    expect(writer.reasons).toEqual({ missing_field: 2, non_numeric_value: 1 });
    expect(writer.count).toBe(3);
  });

  it("spills to a temporary file past 1 MiB and streams it to the store", async () => {
    const store = new MemoryObjectStore();
    const writer = new QuarantineWriter();
    const row = `c,${"x".repeat(100)}`;
    for (let i = 0; i < 30_000; i++) {
      writer.add(i + 2, "unparsable_timestamp", row);
      const flushing = writer.flush();
      if (flushing) await flushing;
    }
    await writer.write(store, "q.csv");
    await writer.dispose();
    const lines = (store.text("q.csv") ?? "").trimEnd().split("\n");
    expect(lines).toHaveLength(30_001);
    expect(lines[0]).toBe("line,reason,row");
    expect(lines[30_000]).toBe(`30001,unparsable_timestamp,"${row}"`);
  });

  it("merges runs by line, in memory and once spilled", async () => {
    for (const rows of [10, 30_000]) {
      const store = new MemoryObjectStore();
      const writer = new QuarantineWriter();
      const text = (line: number) => `c${line},${"é".repeat(line % 5)}"x"`;
      // The first pass rejects every third line; two replays reject the others, each in order.
      const runs = [0, 1, 2].map((r) => Array.from({ length: rows }, (_, i) => 3 * i + r + 2));
      for (const [r, lines] of runs.entries()) {
        if (r > 0) writer.startRun();
        for (const line of lines) {
          writer.add(line, r === 0 ? "missing_field" : "duplicate_row", text(line));
          const flushing = writer.flush();
          if (flushing) await flushing;
        }
      }
      await writer.write(store, "q.csv");
      await writer.dispose();
      const written = (store.text("q.csv") ?? "").trimEnd().split("\n");
      expect(written).toHaveLength(3 * rows + 1);
      expect(written[1]).toBe(`2,missing_field,${csvField(text(2))}`);
      expect(written[3]).toBe(`4,duplicate_row,${csvField(text(4))}`);
      expect(written.slice(1).map((l) => Number(l.split(",")[0]))).toEqual(
        Array.from({ length: 3 * rows }, (_, i) => i + 2),
      );
    }
  });

  it("quotes fields the RFC 4180 way", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a\nb")).toBe('"a\nb"');
  });
});
