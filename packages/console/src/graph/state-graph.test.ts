import { describe, expect, it } from "vitest";
import { PIPELINE_STATES, STATE_MACHINE } from "@myriad/core/pipeline/state-machine";
import type { RunDetail, StateSummary } from "../api/types.ts";
import { END, layoutStateMachine, nodeStatuses, START, takenEdges, transitions } from "./state-graph.ts";

const state = (name: string, status: StateSummary["status"], attempts = 1): StateSummary => ({
  name,
  status,
  startedAt: "2026-01-01T00:00:00.000Z",
  stoppedAt: status === "RUNNING" ? null : "2026-01-01T00:00:01.000Z",
  durationMs: status === "RUNNING" ? null : 1000,
  attempts,
  summary: {},
});

const run = (status: RunDetail["status"], states: StateSummary[]) => ({ status, states });

describe("the state machine graph", () => {
  it("has every transition of the ASL: the success chain, one Catch per task, the failure path", () => {
    const edges = transitions(STATE_MACHINE);
    const next = edges.filter((e) => e.kind === "next").map((e) => `${e.from}>${e.to}`);
    expect(next).toEqual([
      `${START}>Preprocess`,
      "Preprocess>Train",
      "Train>Register",
      "Register>Publish",
      "Publish>Warm",
      `Warm>${END}`,
      "RecordFailure>Failed",
    ]);
    const caught = edges.filter((e) => e.kind === "catch");
    expect(caught.map((e) => e.from)).toEqual([...PIPELINE_STATES]);
    expect(new Set(caught.map((e) => e.to))).toEqual(new Set(["RecordFailure"]));
  });

  it("lays the success path out as one column with the failure path to its right", () => {
    const layout = layoutStateMachine(STATE_MACHINE);
    const node = (id: string) => layout.nodes.find((n) => n.id === id)!;
    const column = [START, ...PIPELINE_STATES].map((id) => node(id).x);
    expect(new Set(column).size).toBe(1);
    for (let i = 1; i < PIPELINE_STATES.length; i++) {
      expect(node(PIPELINE_STATES[i]).y).toBeGreaterThan(node(PIPELINE_STATES[i - 1]).y);
    }
    const recordFailure = node("RecordFailure");
    expect(recordFailure.catchPath && node("Failed").catchPath).toBe(true);
    expect(recordFailure.x - recordFailure.width / 2).toBeGreaterThan(node("Warm").x);
    expect(node("Failed").y).toBeGreaterThan(recordFailure.y);
    // Everything fits in the reported size.
    for (const n of layout.nodes) expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
    for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it("colours a succeeded run's states green and leaves the failure path untouched", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run(
        "SUCCEEDED",
        PIPELINE_STATES.map((s) => state(s, "SUCCEEDED")),
      ),
    );
    for (const s of PIPELINE_STATES) expect(statuses.get(s)).toBe("SUCCEEDED");
    expect(statuses.get(END)).toBe("SUCCEEDED");
    expect(statuses.get("RecordFailure")).toBe("NOT_RUN");
    expect(statuses.get("Failed")).toBe("NOT_RUN");
    const layout = layoutStateMachine(STATE_MACHINE);
    expect(takenEdges(layout.edges, statuses).size).toBe(PIPELINE_STATES.length + 1);
  });

  it("shows a running state in progress and the rest not started", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run("RUNNING", [state("Preprocess", "SUCCEEDED"), state("Train", "RUNNING")]),
    );
    expect(statuses.get("Train")).toBe("RUNNING");
    expect(statuses.get("Register")).toBe("NOT_RUN");
    expect(statuses.get(END)).toBe("NOT_RUN");
  });

  it("marks a caught failure, the Catch target that ran and the Fail state, as Step Functions does", () => {
    const statuses = nodeStatuses(
      STATE_MACHINE,
      run("FAILED", [state("Preprocess", "SUCCEEDED"), state("Train", "FAILED", 3)]),
    );
    expect(statuses.get("Train")).toBe("CAUGHT");
    expect(statuses.get("RecordFailure")).toBe("SUCCEEDED");
    expect(statuses.get("Failed")).toBe("FAILED");
    expect(statuses.get("Register")).toBe("NOT_RUN");
    const taken = takenEdges(layoutStateMachine(STATE_MACHINE).edges, statuses);
    expect([...taken].sort()).toEqual(
      [
        "Preprocess->Train:next",
        "RecordFailure->Failed:next",
        `${START}->Preprocess:next`,
        "Train->RecordFailure:catch",
      ].sort(),
    );
  });

  it("shows a state left running by an aborted run as stopped", () => {
    const statuses = nodeStatuses(STATE_MACHINE, run("ABORTED", [state("Preprocess", "RUNNING")]));
    expect(statuses.get("Preprocess")).toBe("STOPPED");
    expect(statuses.get("RecordFailure")).toBe("NOT_RUN");
  });
});
