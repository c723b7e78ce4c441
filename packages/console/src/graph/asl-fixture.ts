import type { AslDocument } from "./state-graph.ts";

const task = (resultPath: string, next: string | undefined) => ({
  Type: "Task",
  ResultPath: resultPath,
  Catch: [{ Next: "RecordFailure" }],
  ...(next ? { Next: next } : { End: true }),
});

/**
 * For the graph tests: a pipeline with the shapes an ASL document can have (a Choice looping back
 * through a Wait as the product's remote training does, and a Catch to a failure path, which the
 * product's document no longer has so that a redrive resumes at the failed Task, but which the
 * graph still draws for any document), fixed so the tests do not follow every edit of the real one.
 */
export const LOOPING: AslDocument = {
  StartAt: "Prepare",
  States: {
    Prepare: task("$.prepare", "Train"),
    Train: task("$.train", "Done"),
    Done: {
      Type: "Choice",
      Choices: [{ Variable: "$.train.pending", BooleanEquals: true, Next: "Wait" }],
      Default: "Ship",
    },
    Wait: { Type: "Wait", Next: "Train" },
    Ship: task("$.ship", undefined),
    RecordFailure: { Type: "Task", Next: "Failed" },
    Failed: { Type: "Fail" },
  },
};
