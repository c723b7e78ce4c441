import { describe, expect, it } from "vitest";
import {
  formatDuration,
  progressLine,
  RunProgressDisplay,
  type RunView,
  runProgress,
  summaryLines,
} from "./run-progress.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const ctx = {
  apiUrl: "http://127.0.0.1:3000",
  keyFile: "/srv/myriad/admin-key",
  bucketDir: "/srv/myriad/bucket",
  customerId: "7",
};

function running(done: number | undefined, total = 1000, state = "Train"): RunView {
  const states: RunView["states"] = [
    { name: "Preprocess", status: "SUCCEEDED", startedAt: new Date(T0).toISOString(), durationMs: 4000 },
  ];
  if (state !== "Preprocess")
    states.push({
      name: state,
      status: "RUNNING",
      startedAt: new Date(T0 + 5000).toISOString(),
      durationMs: null,
    });
  else states[0] = { ...states[0], status: "RUNNING", durationMs: null };
  return {
    runId: "run-abc",
    dataset: "default",
    status: "RUNNING",
    startedAt: new Date(T0).toISOString(),
    stoppedAt: null,
    durationMs: null,
    input: { key: "raw/readings.csv" },
    counts: {
      customers: total,
      ...(done === undefined ? {} : { trainProgress: { done, total } }),
    },
    error: null,
    cause: null,
    states,
  };
}

const succeeded: RunView = {
  ...running(1000),
  status: "SUCCEEDED",
  stoppedAt: new Date(T0 + 33_200).toISOString(),
  durationMs: 33_200,
  counts: {
    customers: 1000,
    rows: { in: 120_000, out: 119_990, quarantined: 10 },
    quarantined: { unparsable_timestamp: 7, negative_value: 3 },
    quarantineKey: "quarantine/default/run-abc.csv",
    trainProgress: { done: 1000, total: 1000 },
    customersTrained: 998,
    customersFailed: 2,
    trainFailures: [{ customerId: "13", error: "series too short" }],
    customersPublished: 998,
  },
  states: ["Preprocess", "Train", "Register", "Publish", "Warm"].map((name) => ({
    name,
    status: "SUCCEEDED",
    startedAt: new Date(T0).toISOString(),
    durationMs: 1000,
  })),
};

const failed: RunView = {
  ...running(undefined, 2, "Preprocess"),
  status: "FAILED",
  stoppedAt: new Date(T0 + 62).toISOString(),
  durationMs: 62,
  counts: {},
  error: "no_valid_rows",
  cause: "raw/bad.csv has no valid row (2 rows read; unparsable_timestamp: 1, negative_value: 1)",
  states: [
    {
      name: "Preprocess",
      status: "FAILED",
      startedAt: new Date(T0).toISOString(),
      durationMs: 60,
      error: "no_valid_rows",
    },
  ],
};

/**
 * Just enough of a terminal to replay what log-update writes: printable characters, newlines,
 * cursor up/down/left, erase line and erase to end of line.
 */
class Screen {
  lines: string[] = [""];
  row = 0;
  col = 0;
  raw = "";
  readonly isTTY = true;
  readonly columns = 160;
  readonly rows = 40;

  write(chunk: string): boolean {
    this.raw += chunk;
    const ESC = String.fromCharCode(27);
    const re = new RegExp(`${ESC}\\[(\\??)(\\d*)([A-Za-z])|\\n|[^${ESC}\\n]`, "gu");
    for (const m of chunk.matchAll(re)) {
      const [token, priv, n, cmd] = m;
      if (token === "\n") {
        this.row++;
        this.col = 0;
      } else if (cmd !== undefined) {
        if (priv) continue; // synchronized output on/off
        const count = n === "" ? 1 : Number(n);
        if (cmd === "A") this.row = Math.max(0, this.row - count);
        else if (cmd === "B") this.row += count;
        else if (cmd === "G") this.col = 0;
        else if (cmd === "K" && n === "2") this.setLine("");
        else if (cmd === "K") this.setLine(this.line().slice(0, this.col));
        else throw new Error(`unexpected escape ${JSON.stringify(token)}`);
      } else {
        const line = this.line().padEnd(this.col);
        this.setLine(line.slice(0, this.col) + token + line.slice(this.col + 1));
        this.col++;
      }
    }
    return true;
  }

  line(): string {
    while (this.lines.length <= this.row) this.lines.push("");
    return this.lines[this.row];
  }

  setLine(text: string): void {
    this.line();
    this.lines[this.row] = text;
  }

  /** The visible text, trailing blank lines dropped. */
  text(): string[] {
    const out = this.lines.map((l) => l.trimEnd());
    while (out.length > 0 && out.at(-1) === "") out.pop();
    return out;
  }
}

/** A pipe or a CI log: no TTY. */
class Pipe {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe("the run progress line", () => {
  it("shows state, customers done out of total, rate and ETA from the Train state's start", () => {
    // 250 customers in the 10 s since Train began: 25/s, 750 left → 30 s.
    const line = progressLine(running(250), T0 + 15_000);
    expect(line).toBe(
      "run-abc  default  Train       250/1,000 customers  25%  25/s  ETA 30 s  elapsed 15.0 s",
    );
    expect(runProgress(running(250), T0 + 15_000)).toMatchObject({ rate: 25, etaMs: 30_000 });
  });

  it("shows a run between Preprocess and Train as training in TrainShards, its rate from Preprocess's end", () => {
    // The shards record no state: Preprocess (ended at T0 + 4 s) is the last one recorded.
    const inMap = running(300, 1000, "Preprocess");
    inMap.states[0] = { ...inMap.states[0], status: "SUCCEEDED", durationMs: 4000 };
    expect(progressLine(inMap, T0 + 14_000)).toBe(
      "run-abc  default  TrainShards  300/1,000 customers  30%  30/s  ETA 23 s  elapsed 14.0 s",
    );
    // Still preprocessing (no customers counted): not training.
    const preprocessing = { ...inMap, counts: {} };
    expect(runProgress(preprocessing, T0 + 14_000).state).toBe("Preprocess");
    // A shard that failed fails the run there.
    const failed = { ...inMap, status: "FAILED", error: "ShardCrashed", durationMs: 14_000 };
    expect(summaryLines(failed, ctx)[0]).toMatch(/^run-abc {2}FAILED .* in TrainShards /);
  });

  it("has no rate before the first customer is done, and a bar on a terminal", () => {
    const line = progressLine(running(0), T0 + 6000, { bar: true });
    expect(line).toContain("░░░░░░░░░░░░░░░░░░░░  0/1,000 customers  0%  —/s  ETA —");
    expect(progressLine(running(500), T0 + 6000, { bar: true })).toContain("██████████░░░░░░░░░░");
  });

  it("shows only the state and elapsed time while nothing is counted yet", () => {
    expect(progressLine(running(undefined, 5, "Preprocess"), T0 + 800)).toBe(
      "run-abc  default  Preprocess  elapsed 800 ms",
    );
  });

  it("leaves out of the elapsed time the time a redriven run stood ended", () => {
    // Redriven after standing ended for 10 minutes: 15 s of the 615 s since its start are run time.
    expect(progressLine({ ...running(250), pausedMs: 600_000 }, T0 + 615_000)).toMatch(/elapsed 15\.0 s$/);
  });

  it("formats durations for people", () => {
    expect([850, 33_200, 125_000, 3_725_000].map(formatDuration)).toEqual([
      "850 ms",
      "33.2 s",
      "2 min 05 s",
      "1 h 02 min",
    ]);
  });
});

describe("the run summary", () => {
  it("of a success: status, duration, customers, quarantined rows, console URL, forecast commands", () => {
    expect(summaryLines(succeeded, ctx)).toEqual([
      "run-abc  SUCCEEDED in 33.2 s  (dataset default, raw/readings.csv)",
      "  customers  998 trained, 2 failed, 998 published",
      "             e.g. customer 13: series too short",
      "  rows       120,000 read, 10 quarantined (unparsable_timestamp 7, negative_value 3)",
      "             /srv/myriad/bucket/quarantine/default/run-abc.csv",
      "  console    http://127.0.0.1:3000/#/runs/run-abc",
      "  forecast   npx myriad forecast 7",
      '             curl -H "Authorization: Bearer $(cat /srv/myriad/admin-key)" http://127.0.0.1:3000/v1/datasets/default/customers/7/forecast',
    ]);
  });

  it("of a failure: where it failed, the error code and cause, no forecast command", () => {
    const lines = summaryLines(failed, ctx);
    expect(lines[0]).toBe("run-abc  FAILED after 62 ms in Preprocess  (dataset default, raw/readings.csv)");
    expect(lines[1]).toBe(
      "  error      no_valid_rows: raw/bad.csv has no valid row (2 rows read; unparsable_timestamp: 1, negative_value: 1)",
    );
    expect(lines.join("\n")).not.toContain("forecast");
    expect(lines.join("\n")).not.toContain("redrive");
  });

  it("of an interrupted run: the redrive command, with the variables to reach the stack", () => {
    const lines = summaryLines(
      { ...failed, error: "Interrupted", cause: "the embedded stack stopped" },
      {
        ...ctx,
        cliEnv: "MYRIAD_PORT=3111 ",
      },
    );
    expect(lines).toContain("  redrive    MYRIAD_PORT=3111 npx myriad runs redrive run-abc");
  });

  it("counts the readings that replaced earlier values of the history, and those re-sent", () => {
    const withHistory = (readingsReplaced: number, readingsResent: number) =>
      summaryLines({ ...succeeded, counts: { ...succeeded.counts, readingsReplaced, readingsResent } }, ctx);
    expect(withHistory(1200, 36)).toContain(
      "  history    1,200 earlier readings replaced by a new value, 36 re-sent unchanged",
    );
    expect(withHistory(1, 0)).toContain("  history    1 earlier reading replaced by a new value");
    expect(withHistory(0, 5)).toContain("  history    no earlier reading replaced, 5 re-sent unchanged");
    // An upload of new hours only: nothing to say.
    expect(withHistory(0, 0).join("\n")).not.toContain("history");
  });

  it("names a dataset other than default in the forecast command", () => {
    const lines = summaryLines({ ...succeeded, dataset: "shop" }, ctx);
    expect(lines).toContain("  forecast   npx myriad forecast 7 --dataset shop");
  });
});

describe("the progress display", () => {
  it("on a TTY updates one line in place, prints log lines above it and leaves the summary", () => {
    const screen = new Screen();
    let now = T0 + 6000;
    const display = new RunProgressDisplay(screen, { now: () => now, prefix: "[myriad] " });
    display.log("[myriad] raw/readings.csv: run run-abc started");
    display.update(running(0));
    now = T0 + 15_000;
    display.update(running(250));
    expect(screen.text()).toEqual([
      "[myriad] raw/readings.csv: run run-abc started",
      "[myriad] run-abc  default  Train       █████░░░░░░░░░░░░░░░  250/1,000 customers  25%  25/s  ETA 30 s  elapsed 15.0 s",
    ]);
    display.log("[myriad] another line");
    now = T0 + 25_000;
    display.update(running(1000, 1000, "Publish"));
    expect(screen.text()).toEqual([
      "[myriad] raw/readings.csv: run run-abc started",
      "[myriad] another line",
      "[myriad] run-abc  default  Publish     ████████████████████  1,000/1,000 customers  100%  elapsed 25.0 s",
    ]);
    display.finish(succeeded, ctx);
    expect(screen.text()).toEqual([
      "[myriad] raw/readings.csv: run run-abc started",
      "[myriad] another line",
      ...summaryLines(succeeded, ctx).map((l) => `[myriad] ${l}`),
    ]);
    // In place: the terminal was told to move up and erase, not given a new line per update.
    expect(screen.raw).toContain("\u001B[2K");
    expect(screen.raw).toContain("\u001B[1A");
  });

  it("on a TTY keeps one line per run under way and ends with the failure summary", () => {
    const screen = new Screen();
    const now = T0 + 15_000;
    const display = new RunProgressDisplay(screen, { now: () => now });
    display.update(running(250));
    display.update({ ...running(undefined, 2, "Preprocess"), runId: "run-def", dataset: "shop" });
    expect(screen.text()).toHaveLength(2);
    expect(screen.text()[1]).toMatch(/^run-def {2}shop {2}Preprocess/);
    display.finish({ ...failed, runId: "run-def" }, ctx);
    const text = screen.text();
    expect(text.at(-1)).toMatch(/^run-abc {2}default {2}Train/);
    expect(text).toContain("run-def  FAILED after 62 ms in Preprocess  (dataset default, raw/readings.csv)");
    display.close();
    expect(screen.text().join("\n")).not.toContain("run-abc  default  Train");
  });

  it("elsewhere prints plain lines: on a state change, and within a state at most every plainEveryMs", () => {
    const pipe = new Pipe();
    let now = T0 + 6000;
    const display = new RunProgressDisplay(pipe, { now: () => now, plainEveryMs: 2000 });
    display.update(running(undefined, 1000, "Preprocess"));
    display.update(running(0));
    now += 500;
    display.update(running(0)); // nothing new
    display.update(running(100)); // new count, but too soon
    now += 2000;
    display.update(running(250));
    display.finish(failed, ctx);
    const lines = pipe.text.trimEnd().split("\n");
    expect(pipe.text).not.toContain("\u001B");
    expect(lines.slice(0, 3).map((l) => l.replace(/ {2}(\d+%|—\/s|\d+\/s|ETA|elapsed).*$/, ""))).toEqual([
      "run-abc  default  Preprocess",
      "run-abc  default  Train       0/1,000 customers",
      "run-abc  default  Train       250/1,000 customers",
    ]);
    expect(lines.slice(3)).toEqual(summaryLines(failed, ctx));
  });

  it("elsewhere prints the success summary after the progress lines", () => {
    const pipe = new Pipe();
    const display = new RunProgressDisplay(pipe, { now: () => T0 + 15_000, prefix: "> " });
    display.update(running(250));
    display.finish(succeeded, ctx);
    expect(pipe.text.split("\n")[1]).toBe(
      "> run-abc  SUCCEEDED in 33.2 s  (dataset default, raw/readings.csv)",
    );
    expect(pipe.text).toContain("> " + "  console    http://127.0.0.1:3000/#/runs/run-abc");
  });
});
