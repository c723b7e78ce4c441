import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

interface RunDetail {
  runId: string;
  status: string;
  error: string | null;
  cause: string | null;
  states: { name: string; status: string; error?: string }[];
}

describe("a run that fails", () => {
  let stack: TestStack;
  let before: { model: { version: string }; points: unknown[] };

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    await stack.drop("good.csv", { customers: 3, days: 14 });
    await waitFor(
      async () => ((await (await stack.api("/v1/runs")).json()) as { runs: unknown[] }).runs[0],
      20_000,
    );
    await stack.idle();
    before = (await (await stack.api("/v1/datasets/default/customers/1/forecast")).json()) as typeof before;
    const bad = "customer_id,timestamp,consumption\n1,not a time,5\n2,2026-01-01 00:00:00,-3\n";
    await writeFile(join(stack.ports.bucketDir, "raw", "bad.csv"), bad);
    await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: RunDetail[] };
      return runs.length === 2 ? runs : undefined;
    }, 20_000);
    await stack.idle();
  });
  afterAll(() => stack?.shutdown());

  it("is marked FAILED with the failed state's error code and cause", async () => {
    const { runs } = (await (await stack.api("/v1/runs?status=FAILED")).json()) as { runs: RunDetail[] };
    expect(runs).toHaveLength(1);
    const run = (await (await stack.api(`/v1/runs/${runs[0].runId}`)).json()) as RunDetail;
    expect(run.status).toBe("FAILED");
    // The task's own error, as a redrive of the execution would find it (no Fail state's).
    expect(run.error).toBe("no_valid_rows");
    expect(run.cause).toMatch(/valid row/i);
    expect(run.states).toEqual([expect.objectContaining({ name: "Preprocess", status: "FAILED" })]);
  });

  it("leaves the previous models and forecasts serving", async () => {
    const after = (await (
      await stack.api("/v1/datasets/default/customers/1/forecast")
    ).json()) as typeof before;
    expect(after.model.version).toBe(before.model.version);
    expect(after.points).toEqual(before.points);
  });
});
