import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack } from "../support/stack.ts";
import { myriad, shell } from "./cli-process.ts";

/** 28 days: enough history for the backtest (three windows of a week) the forecast shows. */
const csv = (customers: number, seed: number) =>
  [...generateRows({ customers, days: 28, seed, start: new Date("2026-01-05T00:00:00Z") })].join("");

describe("myriad upload --wait and myriad forecast against a running stack", () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    dir = await mkdtemp(join(tmpdir(), "myriad-cli-"));
    await writeFile(join(dir, "readings.csv"), csv(4, 11));
    await writeFile(join(dir, "short.csv"), csv(3, 12));
    await writeFile(
      join(dir, "bad.csv"),
      "customer_id,timestamp,consumption\n1,not a time,5\n2,2026-01-01 00:00:00,-3\n",
    );
    await writeFile(join(dir, "_dataset.json"), JSON.stringify({ horizon: 24 }));
    await writeFile(join(dir, "bad_dataset.json"), JSON.stringify({ frequency: "fortnightly" }));
  });
  afterAll(async () => {
    await stack?.shutdown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("upload --wait follows the run and exits 0 with its summary when it succeeds", async () => {
    const out = await myriad(stack, ["upload", "readings.csv", "--wait"], { cwd: dir });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const runId = /^run (run-[0-9a-f]{24}) /m.exec(out.stdout)?.[1];
    expect(runId, out.stdout).toBeDefined();
    expect(out.stdout).toContain("uploaded readings.csv → raw/default/readings.csv");
    expect(out.stdout).toMatch(new RegExp(`^${runId} {2}SUCCEEDED in [\\d.]+ m?s`, "m"));
    expect(out.stdout).toContain("  customers  4 trained, 0 failed, 4 published");
    expect(out.stdout).toContain("  rows       2,688 read, 0 quarantined");
    expect(out.stdout).toContain(`  console    ${stack.apiUrl}/#/runs/${runId}`);
    expect(out.stdout).toMatch(/ {2}forecast {3}MYRIAD_DATA_DIR=\S+ MYRIAD_PORT=\d+ npx myriad forecast 0\n/);
    // The curl works as printed, from where the command ran.
    const curl = /^ +(curl .*)$/m.exec(out.stdout)?.[1] ?? "";
    expect(curl).toContain(`${stack.apiUrl}/v1/datasets/default/customers/0/forecast`);
    const body = JSON.parse(await shell(curl, dir)) as { customerId: string; points: unknown[] };
    expect(body.customerId).toBe("0");
    expect(body.points).toHaveLength(168);
  });

  it("upload --wait exits 1 when the run fails, printing the error code and cause", async () => {
    const out = await myriad(stack, ["upload", "bad.csv", "--dataset", "broken", "--wait"], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^run-[0-9a-f]{24} {2}FAILED after [\d.]+ m?s in Preprocess/m);
    expect(out.stdout).toContain("  error      no_valid_rows: raw/broken/bad.csv has no valid row");
    expect(out.stderr).toMatch(/^myriad: run run-[0-9a-f]{24} FAILED: no_valid_rows: .*has no valid row/m);
  });

  it("upload --wait of bytes already processed reports that run and exits by its status", async () => {
    const out = await myriad(stack, ["upload", "bad.csv", "--dataset", "broken", "--wait"], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /these bytes were uploaded before: run run-[0-9a-f]{24} processed them \(FAILED\)/,
    );
  });

  it("upload --config puts the dataset config in place before the data, and the run uses it", async () => {
    const out = await myriad(
      stack,
      ["upload", "short.csv", "--dataset", "daily", "--config", "_dataset.json", "--wait"],
      { cwd: dir },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain("config for dataset daily put in place → raw/daily/_dataset.json");
    const json = await myriad(stack, ["forecast", "1", "--dataset", "daily", "--json"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { points: unknown[] }).points).toHaveLength(24);
  });

  it("upload --config refuses an invalid config before uploading anything", async () => {
    const out = await myriad(
      stack,
      ["upload", "short.csv", "--dataset", "refused", "--config", "bad_dataset.json"],
      {
        cwd: dir,
      },
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("_dataset.json");
    expect(out.stderr).toContain("frequency");
    const { runs } = (await (await stack.api("/v1/runs?dataset=refused")).json()) as { runs: unknown[] };
    expect(runs).toEqual([]);
  });

  it("forecast prints a chart of history and forecast with its band, the model, accuracy and why", async () => {
    const out = await myriad(stack, ["forecast", "2"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const lines = out.stdout.split("\n");
    const plot = lines.filter((l) => /^ *[\d,.]* [┤│]/.test(l));
    expect(plot).toHaveLength(12);
    expect(plot.every((l) => l.includes("┊"))).toBe(true);
    expect(plot.join("")).toContain("░");
    expect(out.stdout).toContain("─ history   ─ forecast P50 in ░ P10–P90");
    expect(out.stdout).toMatch(/^customer {2}2 · dataset default · 168 steps from /m);
    expect(out.stdout).toMatch(/^model {5}\S+.* · version \S+ · active since /m);
    expect(out.stdout).toMatch(/^backtest {2}wQL [\d.]+ · WAPE [\d.]+% · MASE/m);
    expect(out.stdout).toMatch(/^realised {2}not yet/m);
    expect(out.stdout).toMatch(/^why {7}\S+/m);
    expect(out.stdout).toContain(`console   ${stack.apiUrl}/#/datasets/default/customers/2`);
  });

  it("forecast --json prints the forecast for scripts", async () => {
    const out = await myriad(stack, ["forecast", "3", "--json"]);
    expect(out.code).toBe(0);
    const body = JSON.parse(out.stdout) as {
      customerId: string;
      model: { algorithm: string };
      points: { p10: number; p50: number; p90: number }[];
    };
    expect(body.customerId).toBe("3");
    expect(body.points).toHaveLength(168);
    expect(body.points.every((p) => p.p10 <= p.p50 && p.p50 <= p.p90)).toBe(true);
  });

  it("forecast of an unknown customer exits 1 and says why", async () => {
    const out = await myriad(stack, ["forecast", "nobody"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("no forecast for customer nobody in dataset default");
  });
});
