import { describe, expect, it } from "vitest";
import type { Run, RunEvent } from "../db/schema.ts";
import { planRedrive } from "./redrive.ts";

const run = {
  run_id: "run-1",
  dataset: "sales",
  status: "FAILED",
  input_key: "raw/sales/a.csv",
  input_size: 10,
  input_etag: "e",
  started_at: new Date("2026-01-01T00:00:00Z"),
  stopped_at: new Date("2026-01-01T01:00:00Z"),
  error: "States.Timeout",
  cause: null,
  counts: {},
  execution_arn: null,
  redrive_count: 0,
  paused_ms: 0,
} as unknown as Run;

let id = 0;
const event = (state: string, status: RunEvent["status"], summary: Record<string, unknown>) =>
  ({ id: ++id, run_id: "run-1", state, status, attempt: 1, summary }) as unknown as RunEvent;

describe("planRedrive", () => {
  it("starts again at a Preprocess whose Processing job was still pending, to poll it again", () => {
    const plan = planRedrive(run, [event("Preprocess", "SUCCEEDED", { pending: true })]);
    expect(plan.startAt).toBe("Preprocess");
    expect(plan.input.preprocess).toBeUndefined();
  });

  it("reruns the TrainShards map, with Preprocess's result, when the run stopped before Train", () => {
    // A failed shard fails the execution in the map; shards record no state of their own.
    const result = {
      manifestKey: "manifests/sales/run-1.json",
      customers: 3,
      shards: [
        { shard: 0, of: 2 },
        { shard: 1, of: 2 },
      ],
    };
    const plan = planRedrive(run, [
      event("Preprocess", "SUCCEEDED", { pending: true }),
      event("Preprocess", "SUCCEEDED", result),
    ]);
    expect(plan).toMatchObject({
      startAt: "TrainShards",
      input: { runId: "run-1", key: "raw/sales/a.csv", preprocess: result },
    });
  });

  it("resumes at Train when Train itself failed, after the map had succeeded", () => {
    const result = { manifestKey: "manifests/sales/run-1.json", customers: 3, shards: [{ shard: 0, of: 1 }] };
    const plan = planRedrive(run, [event("Preprocess", "SUCCEEDED", result), event("Train", "FAILED", {})]);
    expect(plan).toMatchObject({ startAt: "Train", input: { preprocess: result } });
  });
});
