import type { AslDocument } from "./state-graph.ts";

const task = (resultPath: string, next: string | undefined) => ({
  Type: "Task",
  ResultPath: resultPath,
  Catch: [{ Next: "RecordFailure" }],
  ...(next ? { Next: next } : { End: true }),
});

/**
 * For the graph tests: a pipeline with the shapes the product's document has (Catch to a
 * failure path, a Choice looping back through a Wait as remote training does), fixed so the
 * tests do not follow every edit of the real one.
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
