import { describe, expect, it } from "vitest";
import { PIPELINE_STATES, STATE_MACHINE } from "@myriad/core/pipeline/state-machine";
import type { RunDetail, StateSummary } from "../api/types.ts";
import { chooseNext } from "./asl-choice.ts";
import { nodeStatuses, takenEdges } from "./node-status.ts";
import { END, START, transitions } from "./state-graph.ts";
import { LOOPING } from "./asl-fixture.ts";

let clock = 0;
const state = (
  name: string,
  status: StateSummary["status"],
  summary: Record<string, unknown> = {},
  attempts = 1,
): StateSummary => ({
  name,
  status,
  startedAt: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(),
  stoppedAt: status === "RUNNING" ? null : new Date(Date.UTC(2026, 0, 1) + clock * 1000 + 500).toISOString(),
  durationMs: status === "RUNNING" ? null : 500,
  attempts,
  summary,
});
const run = (status: RunDetail["status"], states: StateSummary[]) => ({ status, states });
const taken = (statuses: ReturnType<typeof nodeStatuses>) =>
  [
    ...takenEdges(
      transitions(LOOPING).map((e) => ({ ...e, id: `${e.from}>${e.to}` })),
      statuses,
    ),
  ].sort();

describe("state statuses for a run", () => {
  it("colours a succeeded run's path, including the Choice it passed through", () => {
    const statuses = nodeStatuses(
      LOOPING,
      run("SUCCEEDED", [
        state("Prepare", "SUCCEEDED"),
        state("Train", "SUCCEEDED"),
        state("Ship", "SUCCEEDED"),
      ]),
    );
    expect(Object.fromEntries(statuses)).toEqual({
      [START]: "SUCCEEDED",
      Prepare: "SUCCEEDED",
      Train: "SUCCEEDED",
      Done: "SUCCEEDED",
      Wait: "NOT_RUN",
      Ship: "SUCCEEDED",
      RecordFailure: "NOT_RUN",
      Failed: "NOT_RUN",
      [END]: "SUCCEEDED",
    });
    expect(taken(statuses)).toEqual(
      [`${START}>Prepare`, "Done>Ship", "Prepare>Train", `Ship>${END}`, "Train>Done"].sort(),
    );
  });

  it("finds a running run in its Wait by deciding the Choice on the last Task's result", () => {
    const waiting = nodeStatuses(
      LOOPING,
      run("RUNNING", [state("Prepare", "SUCCEEDED"), state("Train", "SUCCEEDED", { pending: true })]),
    );
    expect(waiting.get("Done")).toBe("SUCCEEDED");
    expect(waiting.get("Wait")).toBe("RUNNING");
    expect(waiting.get("Ship")).toBe("NOT_RUN");
    const shipping = nodeStatuses(
      LOOPING,
      run("RUNNING", [state("Prepare", "SUCCEEDED"), state("Train", "SUCCEEDED", { pending: false })]),
    );
    expect(shipping.get("Wait")).toBe("NOT_RUN");
    expect(shipping.get("Ship")).toBe("RUNNING");
  });

  it("finds a product run in WaitForPreprocess while its Processing job is pending", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run("RUNNING", [state("Preprocess", "SUCCEEDED", { pending: true }, 2)]),
    );
    expect(statuses.get("PreprocessDone")).toBe("SUCCEEDED");
    expect(statuses.get("WaitForPreprocess")).toBe("RUNNING");
    expect(statuses.get("Train")).toBe("NOT_RUN");
    const done = nodeStatuses(
      STATE_MACHINE,
      run("RUNNING", [state("Preprocess", "SUCCEEDED", { manifestKey: "m", customers: 3 })]),
    );
    expect(done.get("WaitForPreprocess")).toBe("NOT_RUN");
    // Its shards are training: the map, whose iterations record no state, is in progress.
    expect(done.get("TrainShards")).toBe("RUNNING");
    expect(done.get("Train")).toBe("NOT_RUN");
  });

  it("shows a run whose shard failed as failed in the TrainShards map, where a redrive resumes", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run("FAILED", [state("Preprocess", "SUCCEEDED", { manifestKey: "m", customers: 3, shards: [] })]),
    );
    expect(statuses.get("Preprocess")).toBe("SUCCEEDED");
    expect(statuses.get("PreprocessDone")).toBe("SUCCEEDED");
    expect(statuses.get("TrainShards")).toBe("FAILED");
    for (const after of ["Train", "Register", END]) expect(statuses.get(after)).toBe("NOT_RUN");
  });

  it("shows a Task in progress and nothing after it", () => {
    const statuses = nodeStatuses(
      LOOPING,
      run("RUNNING", [state("Prepare", "SUCCEEDED"), state("Train", "RUNNING")]),
    );
    expect(statuses.get("Train")).toBe("RUNNING");
    expect(statuses.get("Done")).toBe("NOT_RUN");
    expect(statuses.get(END)).toBe("NOT_RUN");
  });

  it("marks a caught failure, the Catch target and the Fail state as Step Functions does", () => {
    const statuses = nodeStatuses(
      LOOPING,
      run("FAILED", [state("Prepare", "SUCCEEDED"), state("Train", "FAILED", {}, 3)]),
    );
    expect(statuses.get("Train")).toBe("CAUGHT");
    expect(statuses.get("RecordFailure")).toBe("SUCCEEDED");
    expect(statuses.get("Failed")).toBe("FAILED");
    expect(statuses.get("Done")).toBe("NOT_RUN");
    expect(taken(statuses)).toEqual(
      [`${START}>Prepare`, "Prepare>Train", "RecordFailure>Failed", "Train>RecordFailure"].sort(),
    );
  });

  it("shows the product's failed Task as failed, where a redrive resumes, and nothing after it", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run("FAILED", [
        state("Preprocess", "SUCCEEDED", { manifestKey: "m", customers: 3 }),
        state("Train", "SUCCEEDED", { trained: 3 }),
        state("Register", "FAILED"),
      ]),
    );
    expect(statuses.get("Register")).toBe("FAILED");
    expect(statuses.get("TrainShards")).toBe("SUCCEEDED");
    for (const after of ["Publish", "Warm", END]) expect(statuses.get(after)).toBe("NOT_RUN");
    expect([...statuses.values()].filter((s) => s === "CAUGHT")).toEqual([]);
  });

  it("shows a state left running by an aborted run as stopped", () => {
    const statuses = nodeStatuses(LOOPING, run("ABORTED", [state("Prepare", "RUNNING")]));
    expect(statuses.get("Prepare")).toBe("STOPPED");
    expect(statuses.get("RecordFailure")).toBe("NOT_RUN");
  });

  it("colours every pipeline state of the product's own document for a succeeded run", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run(
        "SUCCEEDED",
        PIPELINE_STATES.map((s) => state(s, "SUCCEEDED")),
      ),
    );
    for (const s of PIPELINE_STATES) expect(statuses.get(s)).toBe("SUCCEEDED");
    for (const [name, s] of Object.entries(STATE_MACHINE.States)) {
      if (s.Type === "Choice") expect(statuses.get(name)).toBe("SUCCEEDED");
    }
  });
});

describe("Choice rules", () => {
  const choice = (rule: Record<string, unknown>) => ({
    Type: "Choice",
    Choices: [{ ...rule, Next: "Yes" }],
    Default: "No",
  });

  it("follows the first matching rule, else the Default", () => {
    expect(chooseNext(choice({ Variable: "$.a.n", NumericGreaterThan: 3 }), { a: { n: 5 } })).toBe("Yes");
    expect(chooseNext(choice({ Variable: "$.a.n", NumericGreaterThan: 3 }), { a: { n: 1 } })).toBe("No");
    expect(chooseNext(choice({ Variable: "$.s", StringEquals: "x" }), {})).toBe("No");
  });

  it("combines rules with And, Or and Not, and tests presence", () => {
    const pending = {
      And: [
        { Variable: "$.t.pending", IsPresent: true },
        { Variable: "$.t.pending", BooleanEquals: true },
      ],
    };
    expect(chooseNext(choice(pending), { t: { pending: true } })).toBe("Yes");
    expect(chooseNext(choice(pending), { t: {} })).toBe("No");
    expect(chooseNext(choice({ Not: { Variable: "$.t", IsNull: true } }), { t: 1 })).toBe("Yes");
    expect(
      chooseNext(
        choice({
          Or: [
            { Variable: "$.a", BooleanEquals: true },
            { Variable: "$.b", BooleanEquals: true },
          ],
        }),
        { b: true },
      ),
    ).toBe("Yes");
  });

  it("declines to guess for operators it does not know", () => {
    expect(
      chooseNext(choice({ Variable: "$.t", TimestampEquals: "2026-01-01T00:00:00Z" }), { t: "x" }),
    ).toBeUndefined();
  });
});
