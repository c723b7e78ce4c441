import { describe, expect, it } from "vitest";
import {
  PIPELINE_STATES,
  STATE_MACHINE,
  substituteDefinition,
  TASK_FUNCTIONS,
  TRAIN_MAP_MAX_CONCURRENCY,
} from "./state-machine.ts";

describe("the pipeline's ASL document", () => {
  it("chains the pipeline states in order and ends at Warm", () => {
    let name: string | undefined = STATE_MACHINE.StartAt;
    const seen: string[] = [];
    while (name) {
      seen.push(name);
      const state = STATE_MACHINE.States[name as keyof typeof STATE_MACHINE.States] as {
        Next?: string;
        Default?: string;
      };
      name = state.Next ?? state.Default;
    }
    expect(seen).toEqual([
      "Preprocess",
      "PreprocessDone",
      "TrainShards",
      "Train",
      "Register",
      "Publish",
      "Warm",
    ]);
    expect(seen.filter((s) => !s.endsWith("Done") && s !== "TrainShards")).toEqual([...PIPELINE_STATES]);
  });

  it("trains in a Distributed Map over Preprocess's shards, each shard a child execution of Train's function", () => {
    const map = STATE_MACHINE.States.TrainShards;
    expect(map).toMatchObject({
      Type: "Map",
      ItemsPath: "$.preprocess.shards",
      ItemSelector: {
        "runId.$": "$.runId",
        "dataset.$": "$.dataset",
        "manifestKey.$": "$.preprocess.manifestKey",
        "shard.$": "$$.Map.Item.Value",
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "TrainShard",
      },
      MaxConcurrency: TRAIN_MAP_MAX_CONCURRENCY,
      ToleratedFailurePercentage: 0,
      ResultWriter: {
        Resource: "arn:aws:states:::s3:putObject",
        Parameters: { Bucket: `\${BucketName}`, Prefix: "runs/train-map" },
      },
      // The shards' results go to the store; the execution's state stays as Preprocess left it.
      ResultPath: null,
      Next: "Train",
    });
    expect(map.ItemProcessor.States.TrainShard).toMatchObject({
      Type: "Task",
      Resource: `\${TrainFunctionArn}`,
      ResultPath: "$.result",
      Next: "TrainingDone",
    });
    expect(map.ItemProcessor.States.TrainShard.Retry).toEqual(STATE_MACHINE.States.Train.Retry);
    expect(map.ItemProcessor.States.ShardTrained).toEqual({ Type: "Succeed" });
  });

  it("loops Preprocess, and TrainShard inside the map, through a 60 s Wait while their result is pending", () => {
    const states: Record<string, Record<string, unknown>> = {
      ...STATE_MACHINE.States,
      ...STATE_MACHINE.States.TrainShards.ItemProcessor.States,
    };
    for (const [task, path, choice, wait, then] of [
      ["Preprocess", "$.preprocess", "PreprocessDone", "WaitForPreprocess", "TrainShards"],
      ["TrainShard", "$.result", "TrainingDone", "WaitForTraining", "ShardTrained"],
    ] as const) {
      expect(states[task].Next).toBe(choice);
      expect(states[task].ResultPath).toBe(path);
      expect(states[choice]).toEqual({
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: `${path}.pending`, IsPresent: true },
              { Variable: `${path}.pending`, BooleanEquals: true },
            ],
            Next: wait,
          },
        ],
        Default: then,
      });
      expect(states[wait]).toEqual({ Type: "Wait", Seconds: 60, Next: task });
    }
  });

  it("lets a Task's error fail the execution in that Task, so that a redrive resumes there", () => {
    // Step Functions' redrive "continues the failed execution from the unsuccessful step": with
    // a Catch into a failure path ending in a Fail state, that step would be the Fail state.
    const states: Record<string, { Type: string; Catch?: unknown }> = STATE_MACHINE.States;
    for (const [name, state] of Object.entries(states)) {
      expect(state.Catch, name).toBeUndefined();
      expect(state.Type, name).not.toBe("Fail");
    }
    for (const name of PIPELINE_STATES) {
      // Step Functions' guide for Lambda tasks retries these; an out-of-memory or crashed
      // function surfaces as Lambda.Unknown, a slow invoke as the client timeout.
      expect(STATE_MACHINE.States[name].Retry[0].ErrorEquals).toEqual(
        expect.arrayContaining([
          "TransientError",
          "Lambda.ServiceException",
          "Lambda.AWSLambdaException",
          "Lambda.SdkClientException",
          "Lambda.TooManyRequestsException",
          "Lambda.Unknown",
          "Lambda.ClientExecutionTimeoutException",
        ]),
      );
    }
  });

  it("substitutes every function ARN and refuses a missing one", () => {
    const values = {
      ...Object.fromEntries(
        Object.values(TASK_FUNCTIONS).map((n) => [n, `arn:aws:lambda:eu-west-1:1:function:${n}`]),
      ),
      BucketName: "myriad-bucket",
    };
    const json = JSON.stringify(substituteDefinition(STATE_MACHINE, values));
    expect(json).not.toContain("${");
    expect(json).toContain("arn:aws:lambda:eu-west-1:1:function:TrainFunctionArn");
    expect(() => substituteDefinition(STATE_MACHINE, {})).toThrow(/no substitution/);
  });
});
