import { describe, expect, it } from "vitest";
import { PIPELINE_STATES, STATE_MACHINE } from "@myriad/core/pipeline/state-machine";
import { layoutStateMachine } from "./graph-layout.ts";
import { LOOPING } from "./asl-fixture.ts";
import { backEdges, END, START, spine, transitions } from "./state-graph.ts";

describe("the state machine graph", () => {
  it("has every transition: Next, Choice branches, End, one Catch per state that has one", () => {
    const edges = transitions(LOOPING).map((e) => `${e.from}>${e.to}:${e.kind}`);
    expect(edges.sort()).toEqual(
      [
        `${START}>Prepare:next`,
        "Prepare>Train:next",
        "Prepare>RecordFailure:catch",
        "Train>Done:next",
        "Train>RecordFailure:catch",
        "Done>Wait:next",
        "Done>Ship:next",
        "Wait>Train:next",
        `Ship>${END}:next`,
        "Ship>RecordFailure:catch",
        "RecordFailure>Failed:next",
      ].sort(),
    );
  });

  it("finds the usual path and the loop back", () => {
    expect(spine(LOOPING)).toEqual([START, "Prepare", "Train", "Done", "Ship", END]);
    expect([...backEdges(LOOPING)]).toEqual(["Wait->Train"]);
  });

  it("lays the product's pipeline out as one column, with no failure path (it has no Catch)", () => {
    const layout = layoutStateMachine(STATE_MACHINE);
    const node = (id: string) => layout.nodes.find((n) => n.id === id)!;
    const column = spine(STATE_MACHINE);
    expect(column).toEqual(expect.arrayContaining([START, ...PIPELINE_STATES, END]));
    expect(new Set(column.map((id) => node(id).x)).size).toBe(1);
    for (let i = 1; i < column.length; i++) expect(node(column[i]).y).toBeGreaterThan(node(column[i - 1]).y);
    expect(layout.nodes.filter((n) => n.catchPath)).toEqual([]);
  });

  it("lays a document's failure path to the right of its main column", () => {
    const layout = layoutStateMachine(LOOPING);
    const node = (id: string) => layout.nodes.find((n) => n.id === id)!;
    expect(layout.nodes.filter((n) => n.catchPath).map((n) => n.id)).toEqual(["RecordFailure", "Failed"]);
    const rightOfMain = Math.max(...layout.nodes.filter((n) => !n.catchPath).map((n) => n.x + n.width / 2));
    for (const id of ["RecordFailure", "Failed"])
      expect(node(id).x - node(id).width / 2).toBeGreaterThan(rightOfMain);
    expect(node("Failed").y).toBeGreaterThan(node("RecordFailure").y);
  });

  it("draws the pending loop back to Preprocess off the main column, and the TrainShards map as one node", () => {
    // The training loop runs inside the Distributed Map's ItemProcessor: not drawn at the top level.
    expect([...backEdges(STATE_MACHINE)]).toEqual(["WaitForPreprocess->Preprocess"]);
    const layout = layoutStateMachine(STATE_MACHINE);
    const node = (id: string) => layout.nodes.find((n) => n.id === id)!;
    const column = node("Preprocess").x;
    expect(node("WaitForPreprocess").x).not.toBe(column);
    expect(layout.edges.find((e) => e.id === "WaitForPreprocess->Preprocess:next")?.orthogonal).toBe(true);
    expect(layout.nodes.filter((n) => n.type === "Map").map((n) => n.id)).toEqual(["TrainShards"]);
    expect(node("TrainShards").x).toBe(column);
    expect(layout.nodes.map((n) => n.id)).not.toContain("TrainShard");
    for (const n of layout.nodes) {
      for (const m of layout.nodes) {
        if (m === n) continue;
        const apart =
          Math.abs(n.x - m.x) >= (n.width + m.width) / 2 || Math.abs(n.y - m.y) >= (n.height + m.height) / 2;
        expect(apart, `${n.id} overlaps ${m.id}`).toBe(true);
      }
    }
  });

  it("fits a looping document in its reported size without overlaps, loops and Catches at right angles", () => {
    const layout = layoutStateMachine(LOOPING);
    for (const n of layout.nodes) {
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
      for (const m of layout.nodes) {
        if (m === n) continue;
        const apart =
          Math.abs(n.x - m.x) >= (n.width + m.width) / 2 || Math.abs(n.y - m.y) >= (n.height + m.height) / 2;
        expect(apart, `${n.id} overlaps ${m.id}`).toBe(true);
      }
    }
    const edge = (id: string) => layout.edges.find((e) => e.id === id)!;
    const target = layout.nodes.find((n) => n.id === "RecordFailure")!;
    expect(edge("Train->RecordFailure:catch").orthogonal).toBe(true);
    expect(edge("Train->RecordFailure:catch").points.at(-1)).toEqual({
      x: target.x,
      y: target.y - target.height / 2,
    });
    const train = layout.nodes.find((n) => n.id === "Train")!;
    const loop = edge("Wait->Train:next");
    expect(loop.orthogonal).toBe(true);
    expect(loop.points.at(-1)?.y).toBeGreaterThan(train.y);
    expect(Math.abs(loop.points.at(-1)!.x - train.x)).toBe(train.width / 2);
    expect(edge("Prepare->Train:next").orthogonal).toBe(false);
  });
});
