import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import type { RunCounts } from "@myriad/core/registry/run-counts";
import { configFromEnv } from "@myriad/local/env";
import { RunProgressDisplay } from "@myriad/local/run-progress";
import { type RunningStack, startStack } from "@myriad/local/stack";
import { waitFor } from "../support/stack.ts";

/** What `npm start` prints, as a CI log (no TTY) receives it. */
class Log {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/**
 * Two uploads with hours in common: the later reading replaces the earlier one for the same step
 * (as the README says), and the run counts it, in its counts and in the summary `npm start` prints.
 */
describe("a later upload with readings for hours already in the history", () => {
  let dataDir: string;
  let stack: RunningStack;
  const out = new Log();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "myriad-replaced-"));
    const display = new RunProgressDisplay(out, { prefix: "[myriad] " });
    stack = await startStack(
      configFromEnv({ dataDir, port: 0, endpointPort: 0, demo: false, trainThreads: 2 }),
      { log: (line) => display.log(`[myriad] ${line}`), progress: display, progressIntervalMs: 100 },
    );
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const summaries = () => out.text.match(/SUCCEEDED in/g)?.length ?? 0;
  const runs = async () => {
    const res = await stack.ports.db.selectFrom("runs").select(["input_key", "counts"]).execute();
    return new Map(res.map((r) => [r.input_key, r.counts as RunCounts]));
  };

  it("replaces the earlier values and counts them: changed ones and those re-sent unchanged", async () => {
    const lines = [
      ...generateRows({ customers: 2, days: 14, seed: 5, start: new Date("2026-01-05T00:00:00Z") }),
    ]
      .join("")
      .trimEnd()
      .split("\n");
    await writeFile(join(dataDir, "bucket", "raw", "first.csv"), `${lines.join("\n")}\n`);
    await waitFor(async () => (summaries() === 1 ? true : undefined), 60_000);
    expect(out.text).not.toContain("  history ");
    expect((await runs()).get("raw/first.csv")).toMatchObject({ readingsReplaced: 0, readingsResent: 0 });

    // Customer 0's first day again: 12 hours corrected (+1), 12 the same; and a new day after.
    const day = lines.filter((l) => l.startsWith("0,")).slice(0, 24);
    const corrected = day.map((l, i) => {
      if (i >= 12) return l;
      const [id, ts, value] = l.split(",");
      return `${id},${ts},${Number(value) + 1}`;
    });
    const next = ["0,2026-01-19 00:10:00,5", "0,2026-01-19 01:10:00,6"];
    await writeFile(
      join(dataDir, "bucket", "raw", "second.csv"),
      `${[lines[0], ...corrected, ...next].join("\n")}\n`,
    );
    await waitFor(async () => (summaries() === 2 ? true : undefined), 60_000);
    expect((await runs()).get("raw/second.csv")).toMatchObject({
      readingsReplaced: 12,
      readingsResent: 12,
      rows: { in: 26, out: 26, quarantined: 0 },
    });
    expect(out.text).toContain(
      "[myriad]   history    12 earlier readings replaced by a new value, 12 re-sent unchanged\n",
    );
    const series = (await stack.ports.store.get("customers/default/0/data.csv")) ?? new Uint8Array();
    const [, firstHour] = new TextDecoder().decode(series).split("\n");
    expect(Number(firstHour.split(",")[1])).toBe(Number(corrected[0].split(",")[2]));
  });
});
