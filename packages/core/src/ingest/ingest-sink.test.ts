import { afterEach, describe, expect, it } from "vitest";
import type { Frequency } from "../series/frequency.ts";
import { bucketGrid } from "./bucket-index.ts";
import { IngestSink, SAMPLE_ROWS } from "./ingest-sink.ts";
import { PartitionReplay } from "./partition-replay.ts";
import { QuarantineWriter } from "./quarantine-writer.ts";
import { ReadingSpill } from "./reading-spill.ts";

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 1);
const NOW = new Date("2026-01-01T00:00:00Z");

const spills: ReadingSpill[] = [];
afterEach(async () => {
  for (const spill of spills.splice(0)) await spill.dispose();
});

/**
 * Both passes, as Preprocess runs them: readings go through the sink (line = position + 2),
 * then each partition is replayed. Replay rejections are reported against their reading.
 */
class TwoPasses {
  readonly outcomes: (string | undefined)[] = [];
  readonly #texts: string[] = [];
  readonly #sink: IngestSink;
  readonly #spill: ReadingSpill;
  readonly #aggregation: "sum" | "mean";
  #series = new Map<string, [number, number][]>();

  private constructor(sink: IngestSink, spill: ReadingSpill, aggregation: "sum" | "mean") {
    this.#sink = sink;
    this.#spill = spill;
    this.#aggregation = aggregation;
  }

  static async create(frequency: Frequency | undefined, aggregation: "sum" | "mean" = "sum") {
    const spill = await ReadingSpill.create(2);
    spills.push(spill);
    const sink = new IngestSink({ frequency, now: NOW, quarantine: new QuarantineWriter(), spill });
    return new TwoPasses(sink, spill, aggregation);
  }

  get sink(): IngestSink {
    return this.#sink;
  }

  /** Adds [customer, minutes after START, value] readings; returns what pass 1 rejected them for. */
  add(readings: [string, number, number][]): (string | undefined)[] {
    return readings.map(([id, minutes, value]) => {
      const customer = this.#sink.customer(id);
      const line = this.outcomes.length + 2;
      const text = `${id},${minutes},${value}`;
      this.#texts.push(text);
      const outcome = this.#sink.add(customer, START + minutes * 60_000, value);
      if (outcome === "suspect") this.#sink.suspect(customer, line, text);
      const reason = outcome === "suspect" ? undefined : outcome;
      this.outcomes.push(reason);
      return reason;
    });
  }

  /** Replays the spill; afterwards `outcomes` holds the replay's rejections too. */
  async replay(): Promise<void> {
    await this.#spill.finish();
    const grid = bucketGrid(this.#sink.frequency());
    for (let p = 0; p < this.#spill.partitions; p++) {
      const partition = this.#spill.read(p);
      const replay = new PartitionReplay(partition, grid, this.#aggregation, (line, reason, raw) => {
        // The quarantine gets the reading's own line and text back from the spill.
        expect(raw).toBe(this.#texts[line - 2]);
        this.outcomes[line - 2] = reason;
      });
      for (const records of partition.chunks()) replay.add(records);
      partition.close();
      for (const customer of replay.customers()) {
        const { indices, values } = replay.take(customer);
        this.#series.set(
          this.#sink.ids[customer],
          Array.from(indices, (index, i) => [(index * HOUR - START) / HOUR, values[i]]),
        );
      }
    }
  }

  /** A customer's hourly series as [hours after START, value], after {@link replay}. */
  series(id: string): [number, number][] {
    expect(this.#sink.frequency()).toBe("H");
    return this.#series.get(id) ?? [];
  }

  /** Readings accepted by both passes. */
  accepted(): number {
    return this.outcomes.filter((o) => o === undefined).length;
  }
}

// An overlapping export appended at the end of the file: a 00:00 1, 01:00 2, 02:00 3, then
// 00:00 again with the same value and 01:00 with another; b in between keeps them apart.
const DISTANT_REPEATS: [string, number, number][] = [
  ["a", 0, 1],
  ["a", 60, 2],
  ["a", 120, 3],
  ["b", 0, 7],
  ["a", 0, 1],
  ["a", 60, 5],
];

describe("IngestSink and PartitionReplay: duplicates", () => {
  for (const frequency of ["H", undefined] as const) {
    const when = frequency === undefined ? "while the frequency is sampled" : "with a known frequency";
    it(`rejects a distant repeat and a distant conflicting repeat ${when}, keeping the first`, async () => {
      const target = await TwoPasses.create(frequency);
      target.add(DISTANT_REPEATS);
      await target.replay();
      expect(target.outcomes).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        "duplicate_row",
        "conflicting_duplicate",
      ]);
      expect(target.accepted()).toBe(4);
      expect(target.series("a")).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
      ]);
      expect(target.series("b")).toEqual([[0, 7]]);
    });

    it(`ignores repeats under mean aggregation ${when}`, async () => {
      const target = await TwoPasses.create(frequency, "mean");
      // Hourly readings set the sampled frequency to H; the 00:30 one shares the 00:00 bucket.
      target.add([
        ["a", 0, 1],
        ["a", 60, 2],
        ["a", 120, 3],
        ["a", 180, 4],
        ["a", 30, 3],
      ]);
      target.add([
        ["a", 0, 1],
        ["a", 0, 9],
        ["a", 60, 20],
      ]);
      await target.replay();
      expect(target.outcomes).toEqual([
        ...[undefined, undefined, undefined, undefined, undefined],
        ...["duplicate_row", "conflicting_duplicate", "conflicting_duplicate"],
      ]);
      expect(target.series("a")).toEqual([
        [0, 2],
        [1, 2],
        [2, 3],
        [3, 4],
      ]);
    });
  }

  it("rejects a repeat of a sampled reading once the sample has settled the frequency", async () => {
    const target = await TwoPasses.create(undefined);
    const customers = 1000;
    const hours = SAMPLE_ROWS / customers;
    for (let h = 0; h < hours; h++) {
      for (let c = 0; c < customers; c++) target.add([[`c${c}`, h * 60, h]]);
    }
    // The sample is full: the frequency is settled, and the sampled readings reach their buckets.
    target.add([
      ["c0", 0, 0],
      ["c0", 60, 0],
      ["c0", hours * 60, hours],
    ]);
    await target.replay();
    expect(new Set(target.outcomes.slice(0, SAMPLE_ROWS))).toEqual(new Set([undefined]));
    expect(target.outcomes.slice(SAMPLE_ROWS)).toEqual(["duplicate_row", "conflicting_duplicate", undefined]);
    expect(target.accepted()).toBe(SAMPLE_ROWS + 1);
    expect(target.series("c0")).toEqual(Array.from({ length: hours + 1 }, (_, h) => [h, h]));
  });

  it("sums readings finer than the frequency (15-minute data into H) and rejects their adjacent repeats", async () => {
    const target = await TwoPasses.create("H");
    const quarters: [string, number, number][] = [0, 15, 30, 45, 60, 75, 90, 105].map((m) => [
      "a",
      m,
      m / 15 + 1,
    ]);
    target.add(quarters);
    // 01:45 repeated next to itself: caught by the previous-reading check, not by the bucket.
    target.add([["a", 105, 8]]);
    await target.replay();
    expect(target.outcomes).toEqual([...quarters.map(() => undefined), "duplicate_row"]);
    expect(target.accepted()).toBe(8);
    expect(target.series("a")).toEqual([
      [0, 1 + 2 + 3 + 4],
      [1, 5 + 6 + 7 + 8],
    ]);
  });

  it("catches every repeat in the sample, also of readings finer than the inferred frequency", async () => {
    const target = await TwoPasses.create(undefined);
    // Customer a reads hourly, b every 15 minutes: per-customer gaps, so the sample says 15min;
    // a later repeat of any sampled reading is caught, whatever its position.
    const readings: [string, number, number][] = [];
    for (let m = 0; m < 600; m += 60) readings.push(["a", m, 1]);
    for (let m = 0; m < 600; m += 15) readings.push(["b", m, 1]);
    expect(target.add(readings).every((r) => r === undefined)).toBe(true);
    expect(
      target.add([
        ["b", 15, 1],
        ["a", 0, 1],
        ["b", 30, 2],
      ]),
    ).toEqual(["duplicate_row", "duplicate_row", "conflicting_duplicate"]);
    await target.replay();
    expect(target.accepted()).toBe(readings.length);
  });

  it("replays a rejected reading's state as one pass would: the previous reading stays the accepted one", async () => {
    const target = await TwoPasses.create("H");
    target.add([
      ["a", 0, 1],
      ["a", 60, 2],
      ["a", 0, 2], // conflicting with 00:00's first reading
      ["a", 0, 2], // still compared with the first reading (1), not with the rejected one
      ["a", 120, 3],
    ]);
    await target.replay();
    expect(target.outcomes).toEqual([
      undefined,
      undefined,
      "conflicting_duplicate",
      "conflicting_duplicate",
      undefined,
    ]);
  });

  it("spills no text for readings in time order per customer: only a repeat can be rejected", async () => {
    const target = await TwoPasses.create("H");
    const readings: [string, number, number][] = [];
    for (let h = 0; h < 50; h++) for (const id of ["a", "b", "c"]) readings.push([id, h * 60, h]);
    const outcomes = readings.map(([id, minutes, value]) =>
      target.sink.add(target.sink.customer(id), START + minutes * 60_000, value),
    );
    expect(new Set(outcomes)).toEqual(new Set([undefined]));
    expect(target.sink.add(target.sink.customer("b"), START, 0)).toBe("suspect");
  });
});
