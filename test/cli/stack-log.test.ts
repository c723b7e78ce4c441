import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { openDatabase } from "@myriad/local/database";
import { configFromEnv } from "@myriad/local/env";
import { RunProgressDisplay } from "@myriad/local/run-progress";
import { type RunningStack, startStack } from "@myriad/local/stack";
import { waitFor } from "../support/stack.ts";
import { shell } from "./cli-process.ts";

/** What `npm start` prints, as a CI log (no TTY) receives it. */
class Log {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  lines(): string[] {
    return this.text.split("\n");
  }
}

describe("the embedded stack's log", () => {
  let dataDir: string;
  let stack: RunningStack | undefined;
  let out: Log;
  let runId: string;

  async function start(): Promise<RunningStack> {
    out = new Log();
    const display = new RunProgressDisplay(out, { prefix: "[myriad] " });
    stack = await startStack(
      configFromEnv({ dataDir, port: 0, endpointPort: 0, demo: false, trainThreads: 2 }),
      { log: (line) => display.log(`[myriad] ${line}`), progress: display, progressIntervalMs: 100 },
    );
    return stack;
  }

  const waitForLog = (pattern: RegExp, timeoutMs = 60_000) =>
    waitFor(async () => (pattern.test(out.text) ? true : undefined), timeoutMs);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "myriad-log-"));
    await start();
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("says a dataset config was loaded, and which fields it sets", async () => {
    const folder = join(dataDir, "bucket", "raw", "ds");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "_dataset.json"), JSON.stringify({ horizon: 48, retrain: "drift" }));
    await waitForLog(/config for dataset ds loaded/);
    expect(out.text).toContain(
      "[myriad] config for dataset ds loaded (horizon, retrain); the next runs of ds use it\n",
    );
    expect(out.text).not.toContain("ignored");
  });

  it("says what is wrong with an invalid config", async () => {
    const folder = join(dataDir, "bucket", "raw", "broken");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "_dataset.json"), JSON.stringify({ frequency: "fortnightly" }));
    await waitForLog(/config for dataset broken is invalid/);
    expect(out.text).toMatch(
      /config for dataset broken is invalid: _dataset.json: .* → at frequency; runs of broken fail until it is fixed\n/,
    );
  });

  it("follows a run: progress lines, then a summary with its console page and a curl that works as printed", async () => {
    const csv = [
      ...generateRows({ customers: 3, days: 28, seed: 5, start: new Date("2026-01-05T00:00:00Z") }),
    ].join("");
    await writeFile(join(dataDir, "bucket", "raw", "ds", "readings.csv"), csv);
    await waitForLog(/SUCCEEDED in/, 120_000);
    runId = /run (run-[0-9a-f]{24}) started/.exec(out.text)?.[1] ?? "";
    expect(runId).not.toBe("");
    const lines = out.lines();
    expect(lines).toContain(`[myriad] raw/ds/readings.csv: run ${runId} started`);
    // Plain progress lines (no TTY), at least one per state seen, then the summary.
    expect(out.text).not.toContain("\u001B");
    expect(lines.some((l) => l.startsWith(`[myriad] ${runId}  ds  Train `))).toBe(true);
    const summary = lines.slice(lines.findIndex((l) => l.startsWith(`[myriad] ${runId}  SUCCEEDED in`)));
    expect(summary[0]).toMatch(
      new RegExp(
        `^\\[myriad\\] ${runId} {2}SUCCEEDED in [\\d.]+ m?s {2}\\(dataset ds, raw/ds/readings.csv\\)$`,
      ),
    );
    expect(summary).toContain("[myriad]   customers  3 trained, 0 failed, 3 published");
    expect(summary).toContain("[myriad]   rows       2,016 read, 0 quarantined");
    expect(summary).toContain(`[myriad]   console    ${stack?.apiUrl}/#/runs/${runId}`);
    expect(summary.find((l) => l.includes("forecast   "))).toMatch(
      /MYRIAD_DATA_DIR=\S+ MYRIAD_PORT=\d+ npx myriad forecast 0 --dataset ds$/,
    );
    const curl = /^\[myriad\] +(curl .*)$/m.exec(out.text)?.[1] ?? "";
    const body = JSON.parse(await shell(curl)) as { customerId: string; points: unknown[] };
    expect(body.customerId).toBe("0");
    expect(body.points).toHaveLength(48);
  });

  it("on restart: one 'already processed' line, the interrupted runs and how to redrive them", async () => {
    await stack?.close();
    stack = undefined;
    // As if the process had died during Warm.
    const db = openDatabase({ pgliteDir: join(dataDir, "db") });
    await db
      .updateTable("runs")
      .set({ status: "RUNNING", stopped_at: null })
      .where("run_id", "=", runId)
      .execute();
    await db
      .updateTable("run_events")
      .set({ status: "RUNNING", stopped_at: null })
      .where("run_id", "=", runId)
      .where("state", "=", "Warm")
      .execute();
    await db.destroy();

    const restarted = await start();
    const port = new URL(restarted.apiUrl).port;
    const lines = out.lines();
    expect(lines.filter((l) => l.includes("already processed"))).toEqual([
      "[myriad] 1 file in raw/ already processed (raw/ds/readings.csv); their runs are in `npx myriad runs`",
    ]);
    expect(out.text).not.toContain("duplicate");
    expect(lines).toContain(
      `[myriad] interrupted runs: ${runId} (during Warm); the stack stopped while they ran, so they are marked FAILED. Redrive with: MYRIAD_DATA_DIR=${dataDir} MYRIAD_PORT=${port} npx myriad runs redrive ${runId}`,
    );
    expect(out.text).toContain("[myriad] config for dataset ds loaded (horizon, retrain)");
  });
});
