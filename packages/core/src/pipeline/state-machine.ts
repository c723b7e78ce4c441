/**
 * The pipeline as one Amazon States Language document. Step Functions runs it in AWS (the
 * Pipeline stack substitutes the function ARNs); aws-local-stepfunctions runs the same document
 * on the embedded stack, mapping each Task to the same handler by state name.
 *
 * JSONPath only (the local interpreter ignores JSONata). Resources are plain Lambda function
 * ARNs rather than `lambda:invoke`, so a task's result is the handler's return value in both
 * runtimes (no `Payload` wrapper).
 */

/** Task state → the definition substitution that holds its function ARN. */
export const TASK_FUNCTIONS = {
  Preprocess: "PreprocessFunctionArn",
  Train: "TrainFunctionArn",
  Register: "RegisterFunctionArn",
  Publish: "PublishFunctionArn",
  Warm: "WarmFunctionArn",
} as const;

export type TaskState = keyof typeof TASK_FUNCTIONS;

/**
 * Errors worth retrying: Lambda's own transient failures (the set AWS's Step Functions guide
 * recommends for Lambda tasks, plus `Lambda.Unknown`, which is what an out-of-memory or crashed
 * runtime surfaces as, and the client timeout) and our `TransientError`.
 */
export const RETRY_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.Unknown",
  "TransientError",
];

const RETRY = [
  {
    ErrorEquals: RETRY_ERRORS,
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
];

/**
 * No Task has a Catch: an error that outlives the retries fails the execution in the Task that
 * raised it, with that error and cause. Step Functions' RedriveExecution "continues the failed
 * execution from the unsuccessful step and uses the same input", so a redrive resumes at that
 * Task; a Catch leading to a Fail state would make the Fail state the unsuccessful step, which a
 * redrive reruns and which fails again. The run records the failure from the execution's status
 * change (packages/functions/src/on-run-status.ts; the local runner from the interpreter's error).
 */
function task(state: TaskState, resultPath: string, next: string | undefined) {
  return {
    Type: "Task",
    Comment: `packages/functions/src/${state.toLowerCase()}.ts`,
    Resource: `\${${TASK_FUNCTIONS[state]}}`,
    ResultPath: resultPath,
    Retry: RETRY,
    ...(next ? { Next: next } : { End: true }),
  };
}

/** A Choice that goes to `wait` while the task's result says `pending: true`, else to `done`. */
function whilePending(variable: string, wait: string, done: string) {
  return {
    Type: "Choice",
    Choices: [
      {
        And: [
          { Variable: variable, IsPresent: true },
          { Variable: variable, BooleanEquals: true },
        ],
        Next: wait,
      },
    ],
    Default: done,
  };
}

/**
 * TrainShards' concurrency: at most this many shards train at once (child executions in AWS,
 * Train Lambdas running together). With 250-customer shards, 100 of them train 25,000 customers
 * a wave; docs/aws.md sets time and cost from the two.
 */
export const TRAIN_MAP_MAX_CONCURRENCY = 100;

/** Where a Distributed Map Run writes its child executions' results (ResultWriter). */
export const TRAIN_MAP_RESULTS_PREFIX = "runs/train-map";

/**
 * The Distributed Map that trains the shards Preprocess listed (`$.preprocess.shards`, see
 * train-shards.ts): each shard is a child execution running TrainShard, the Train function with
 * one shard as its input, and polling its remote job through its own Wait. Shards write their
 * results to the store, never to the state: ResultPath null keeps the execution's state as it
 * was (in AWS the ResultWriter's summary replaces the Map's output, which is dropped too), so
 * the states after it see the same input on both runtimes. ToleratedFailurePercentage is 0: a
 * shard fails only when its infrastructure does (a customer that fails to fit is a result, and
 * Train applies the dataset's own tolerance across every shard). Redriving the execution reruns
 * only the child executions that failed; a shard whose results exist skips its customers.
 */
const TRAIN_SHARDS = {
  Type: "Map",
  Comment: "packages/functions/src/train.ts, one child execution per shard",
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
    States: {
      TrainShard: {
        Type: "Task",
        Comment: "packages/functions/src/train.ts (one shard)",
        Resource: `\${${TASK_FUNCTIONS.Train}}`,
        ResultPath: "$.result",
        Retry: RETRY,
        Next: "TrainingDone",
      },
      // Remote training (SageMaker, Amazon Forecast; one shard) can outlast a Lambda: TrainShard
      // returns `pending` and the shard waits, then calls TrainShard again, which resumes its job.
      TrainingDone: whilePending("$.result.pending", "WaitForTraining", "ShardTrained"),
      WaitForTraining: { Type: "Wait", Seconds: 60, Next: "TrainShard" },
      ShardTrained: { Type: "Succeed" },
    },
  },
  MaxConcurrency: TRAIN_MAP_MAX_CONCURRENCY,
  ToleratedFailurePercentage: 0,
  ResultWriter: {
    Resource: "arn:aws:states:::s3:putObject",
    Parameters: { Bucket: `\${BucketName}`, Prefix: TRAIN_MAP_RESULTS_PREFIX },
  },
  ResultPath: null,
  Next: "Train",
};

/** Task states inside TrainShards' ItemProcessor, with the function each runs. */
export const SHARD_TASKS = { TrainShard: "Train" } as const satisfies Record<string, TaskState>;

export type ShardTaskState = keyof typeof SHARD_TASKS;

export const STATE_MACHINE = {
  Comment: "Myriad: preprocess an upload, train one model per customer, register, publish, warm",
  StartAt: "Preprocess",
  States: {
    Preprocess: task("Preprocess", "$.preprocess", "PreprocessDone"),
    // An input too large for one Lambda is preprocessed by a SageMaker Processing job:
    // Preprocess returns `pending` and the execution waits, then calls Preprocess again, which
    // resumes the same job.
    PreprocessDone: whilePending("$.preprocess.pending", "WaitForPreprocess", "TrainShards"),
    WaitForPreprocess: { Type: "Wait", Seconds: 60, Next: "Preprocess" },
    TrainShards: TRAIN_SHARDS,
    // Gathers the shards' results into the run's, as one Train over every customer returned them.
    Train: task("Train", "$.train", "Register"),
    Register: task("Register", "$.register", "Publish"),
    Publish: task("Publish", "$.publish", "Warm"),
    Warm: task("Warm", "$.warm", undefined),
  },
} as const;

/** The order the states run in on success, for consoles and run summaries. */
export const PIPELINE_STATES = ["Preprocess", "Train", "Register", "Publish", "Warm"] as const;

/**
 * The definition with `${Name}` placeholders replaced, as CloudFormation's
 * DefinitionSubstitutions does it. Throws on a placeholder with no value.
 */
export function substituteDefinition(definition: unknown, values: Record<string, string>): unknown {
  const json = JSON.stringify(definition).replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no substitution for \${${name}}`);
    return value;
  });
  return JSON.parse(json);
}
