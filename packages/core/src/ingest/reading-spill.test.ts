import { describe, expect, it } from "vitest";
import { CHECK, ReadingSpill, SAMPLE, SUSPECT } from "./reading-spill.ts";

describe("ReadingSpill", () => {
  it("gives back each partition's readings and suspects' texts in the order they were added", async () => {
    const partitions = 100;
    const customers = 2000;
    const spill = await ReadingSpill.create(partitions);
    try {
      // Enough readings that every partition's buffer fills and is written (and reused) once.
      let added = 0;
      for (let r = 0; r < 400; r++) {
        for (let c = 0; c < customers; c++) {
          const kind = r % 97 === 5 ? SUSPECT : r < 3 ? SAMPLE : CHECK;
          spill.add(c, kind, r * 1000 + c, r + c / 10);
          if (kind === SUSPECT) spill.addText(c, r * customers + c, `${c},t${r},é${r}`);
          if (++added % 10_000 === 0) await spill.flush();
        }
      }
      await spill.finish();

      for (const p of [0, 37, 99]) {
        const partition = spill.read(p);
        const seen: number[][] = [];
        for (const records of partition.chunks()) {
          for (let i = 0; i < records.length; i += 3) {
            const kind = records[i] % 4;
            const c = (records[i] - kind) / 4;
            const text = kind === SUSPECT ? partition.nextText() : undefined;
            seen.push([c, kind, records[i + 1], records[i + 2]]);
            if (text !== undefined) {
              const r = Math.round(records[i + 1] - c) / 1000;
              expect(text).toEqual({ line: r * customers + c, text: `${c},t${r},é${r}` });
            }
          }
        }
        partition.close();
        const expected: number[][] = [];
        for (let r = 0; r < 400; r++) {
          for (let c = p; c < customers; c += partitions) {
            expected.push([c, r % 97 === 5 ? SUSPECT : r < 3 ? SAMPLE : CHECK, r * 1000 + c, r + c / 10]);
          }
        }
        expect(seen).toEqual(expected);
        await spill.drop(p);
        expect([...spill.read(p).chunks()]).toEqual([]);
      }
    } finally {
      await spill.dispose();
    }
  });
});
