import { SFNClient, StartExecutionCommand, RedriveExecutionCommand } from "@aws-sdk/client-sfn";
import { SfnPipelineRunner } from "@myriad/functions/aws/sfn-pipeline-runner";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";

const ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:test-myriad-pipeline";
const input = {
  runId: "run-0123456789abcdef01234567",
  dataset: "sales",
  bucket: "b",
  key: "raw/sales/a.csv",
  size: 10,
  etag: "e",
};
const sfn = mockClient(SFNClient);
const runner = new SfnPipelineRunner(new SFNClient({ region: "us-east-1" }), ARN);

describe("SfnPipelineRunner", () => {
  beforeEach(() => sfn.reset());

  it("starts an execution named after the run with the run input", async () => {
    sfn.on(StartExecutionCommand).resolves({
      executionArn: `${ARN.replace("stateMachine", "execution")}:${input.runId}`,
      startDate: new Date("2024-01-01T00:00:00Z"),
    });
    expect(await runner.start(input)).toEqual({
      runId: input.runId,
      started: true,
      executionArn: `${ARN.replace("stateMachine", "execution")}:${input.runId}`,
    });
    const call = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(call).toEqual({ stateMachineArn: ARN, name: input.runId, input: JSON.stringify(input) });
  });

  it("redrives the run's execution, whose ARN follows from the state machine and the run id", async () => {
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    await runner.redrive({ startAt: "Train", input: { ...input } });
    const call = sfn.commandCalls(RedriveExecutionCommand)[0].args[0].input;
    expect(call).toEqual({ executionArn: `${ARN.replace(":stateMachine:", ":execution:")}:${input.runId}` });
  });

  it("reports a duplicate event as not started (ExecutionAlreadyExists)", async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(
        Object.assign(new Error("Execution Already Exists: 'arn:…'"), { name: "ExecutionAlreadyExists" }),
      );
    expect(await runner.start(input)).toEqual({ runId: input.runId, started: false });
  });

  it("rethrows other failures (throttling, invalid names)", async () => {
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(runner.start(input)).rejects.toMatchObject({ name: "ThrottlingException" });
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error("Invalid Name"), { name: "InvalidName" }));
    await expect(runner.start({ ...input, runId: "bad name" })).rejects.toMatchObject({
      name: "InvalidName",
    });
  });
});
