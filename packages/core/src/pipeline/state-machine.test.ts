import { describe, expect, it } from "vitest";
import { PIPELINE_STATES, STATE_MACHINE, substituteDefinition, TASK_FUNCTIONS } from "./state-machine.ts";

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
      "Train",
      "TrainingDone",
      "Register",
      "Publish",
      "Warm",
    ]);
    expect(seen.filter((s) => !s.endsWith("Done"))).toEqual([...PIPELINE_STATES]);
  });

  it("loops Preprocess and Train through a 60 s Wait while their result is pending", () => {
    const states: Record<string, Record<string, unknown>> = STATE_MACHINE.States;
    for (const [task, choice, wait, then] of [
      ["Preprocess", "PreprocessDone", "WaitForPreprocess", "Train"],
      ["Train", "TrainingDone", "WaitForTraining", "Register"],
    ] as const) {
      expect(states[task].Next).toBe(choice);
      const path = `$.${task.toLowerCase()}.pending`;
      expect(states[task].ResultPath).toBe(`$.${task.toLowerCase()}`);
      expect(states[choice]).toEqual({
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: path, IsPresent: true },
              { Variable: path, BooleanEquals: true },
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
    const values = Object.fromEntries(
      Object.values(TASK_FUNCTIONS).map((n) => [n, `arn:aws:lambda:eu-west-1:1:function:${n}`]),
    );
    const json = JSON.stringify(substituteDefinition(STATE_MACHINE, values));
    expect(json).not.toContain("${");
    expect(json).toContain("arn:aws:lambda:eu-west-1:1:function:TrainFunctionArn");
    expect(() => substituteDefinition(STATE_MACHINE, {})).toThrow(/no substitution/);
  });
});
