import type { EventBridgeEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun } from "@myriad/core/registry/run-queries";
import { createRun, recordState, reopenRun } from "@myriad/core/registry/runs";
import { type ExecutionStatusChange, run as onRunStatus } from "@myriad/functions/on-run-status";
import { DIALECTS, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const ARN = "arn:aws:states:eu-west-1:123456789012";

/**
 * An "Step Functions Execution Status Change" event as Amazon EventBridge delivers it (the
 * examples of "EventBridge (CloudWatch Events) for Step Functions execution status changes" in
 * the Step Functions developer guide: the detail holds DescribeExecution's fields, with `error`
 * and `cause` for a failed execution and the redrive fields since redrive exists). A Lambda task
 * that throws fails the execution with the function's errorType as Error and its error as JSON
 * as Cause.
 */
function statusChange(
  runId: string,
  detail: Partial<ExecutionStatusChange> & Pick<ExecutionStatusChange, "status">,
): EventBridgeEvent<"Step Functions Execution Status Change", ExecutionStatusChange> {
  return {
    version: "0",
    id: "315c1398-40ff-a850-213b-158f73e60175",
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: "123456789012",
    time: "2026-12-03T10:42:21Z",
    region: "eu-west-1",
    resources: [`${ARN}:execution:myriad-test-pipeline:${runId}`],
    detail: {
      executionArn: `${ARN}:execution:myriad-test-pipeline:${runId}`,
      stateMachineArn: `${ARN}:stateMachine:myriad-test-pipeline`,
      name: runId,
      startDate: 1764758400000,
      stopDate: 1764758521000,
      input: JSON.stringify({ runId }),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      redriveCount: 0,
      redriveStatus: "REDRIVABLE",
      ...detail,
    } as ExecutionStatusChange,
  };
}

const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({
    errorType,
    errorMessage,
    trace: [`${errorType}: ${errorMessage}`, "    at registerStep (/var/task/register.mjs:1:1)"],
  });

const input = (runId: string) => ({
  runId,
  dataset: "d",
  bucket: "b",
  key: `raw/d/${runId}.csv`,
  size: 1,
  etag: "e",
});

for (const dialect of DIALECTS) {
  describe(`on-run-status on ${dialect}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await openTestDatabase(dialect);
    });
    afterAll(() => t.close());

    it("records the failed Task's error and message, not a Fail state's", async () => {
      await createRun(t.db, input("failed"));
      await recordState(t.db, "failed", "Register", async () => {
        throw Object.assign(new Error("the registry refused the rows"), { name: "registry_conflict" });
      }).catch(() => undefined);
      const event = statusChange("failed", {
        status: "FAILED",
        error: "registry_conflict",
        cause: lambdaCause("registry_conflict", "the registry refused the rows"),
      });
      expect(await onRunStatus(event, { db: t.db })).toEqual({ updated: true });
      const found = await getRun(t.db, "failed");
      expect(found?.run).toMatchObject({
        status: "FAILED",
        error: "registry_conflict",
        cause: "the registry refused the rows",
      });
      expect(found?.events.map((e) => [e.state, e.status])).toEqual([["Register", "FAILED"]]);
    });

    it("keeps a plain-text cause and names a timeout by its error", async () => {
      await createRun(t.db, input("slow"));
      await onRunStatus(
        statusChange("slow", { status: "TIMED_OUT", error: "States.Timeout", cause: "execution timed out" }),
        { db: t.db },
      );
      expect((await getRun(t.db, "slow"))?.run).toMatchObject({
        status: "TIMED_OUT",
        error: "States.Timeout",
        cause: "execution timed out",
      });
    });

    it("ignores an earlier attempt's end delivered after the run was redriven", async () => {
      await createRun(t.db, input("again"));
      const failed = statusChange("again", {
        status: "FAILED",
        error: "registry_conflict",
        cause: lambdaCause("registry_conflict", "first attempt"),
      });
      await onRunStatus(failed, { db: t.db });
      expect(await reopenRun(t.db, "again", "FAILED")).toBe(true);
      // EventBridge retries a delivery that failed: the first attempt's FAILED comes again.
      expect(await onRunStatus(failed, { db: t.db })).toEqual({ updated: false });
      expect((await getRun(t.db, "again"))?.run.status).toBe("RUNNING");
      await onRunStatus(statusChange("again", { status: "SUCCEEDED", redriveCount: 1 }), { db: t.db });
      expect((await getRun(t.db, "again"))?.run).toMatchObject({ status: "SUCCEEDED", error: null });
    });
  });
}
