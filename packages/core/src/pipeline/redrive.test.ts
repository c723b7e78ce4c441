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

  it("carries a finished Preprocess's result into a redrive of a pending Train", () => {
    const result = { manifestKey: "manifests/sales/run-1.json", customers: 3 };
    const plan = planRedrive(run, [
      event("Preprocess", "SUCCEEDED", { pending: true }),
      event("Preprocess", "SUCCEEDED", result),
      event("Train", "SUCCEEDED", { pending: true, version: "v" }),
    ]);
    expect(plan).toMatchObject({
      startAt: "Train",
      input: { runId: "run-1", key: "raw/sales/a.csv", preprocess: result },
    });
  });
});
