import { ENV } from "@myriad/functions/aws/env";
import { PREPROCESS_LAMBDA } from "@myriad/functions/aws/preprocess-lambda-sizing";
import {
  STATE_MACHINE,
  TASK_FUNCTIONS,
  TRAIN_MAP_RESULTS_PREFIX,
  type TaskState,
} from "@myriad/core/pipeline/state-machine";
import { ArnFormat, Duration, RemovalPolicy } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { type Function as SstFunction, type StackContext, use } from "sst/constructs";
import { myriadConfig } from "./config.ts";
import { Database } from "./Database.ts";
import { grantBucket } from "./bucket-access.ts";
import { handlerFunction } from "./handler-function.ts";
import { Inference } from "./Inference.ts";
import { Storage, stateMachineName } from "./Storage.ts";
import {
  amazonForecast,
  grantSagemakerProcessing,
  grantSagemakerTraining,
  PREPROCESS_BUCKET_ACCESS,
  sagemakerProcessing,
  sagemakerTraining,
} from "./training.ts";

/** Each Task state's handler file. */
export const TASK_HANDLERS: Record<TaskState, string> = {
  Preprocess: "packages/functions/src/preprocess.main",
  Train: "packages/functions/src/train.main",
  Register: "packages/functions/src/register.main",
  Publish: "packages/functions/src/publish.main",
  Warm: "packages/functions/src/warm.main",
};

/**
 * What the TrainShards Distributed Map needs of the state machine's own role ("IAM policies for
 * Distributed Map states", Step Functions developer guide): starting its child executions
 * (StartExecution on the state machine itself), describing and stopping them (executions named
 * `<stateMachine>/<mapRunLabel>:<id>`), and the ResultWriter's writes under its prefix. The
 * ARNs are built from the state machine's name: naming the construct's own ARN in its role's
 * policy would be a dependency cycle.
 */
function grantDistributedMap(
  stack: StackContext["stack"],
  stateMachine: sfn.StateMachine,
  name: string,
  bucket: s3.IBucket,
): void {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: "states", resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [arn("stateMachine", name)] }),
  );
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["states:DescribeExecution", "states:StopExecution"],
      resources: [arn("execution", `${name}/*`)],
    }),
  );
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
      resources: [bucket.arnForObjects(`${TRAIN_MAP_RESULTS_PREFIX}/*`)],
    }),
  );
}

/** Terminal execution statuses that on-run-status writes to the runs table. */
export const RUN_STATUS_EVENTS = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

/** `${Name}` placeholders of a definition. */
export function placeholders(definition: unknown): string[] {
  return [...new Set([...JSON.stringify(definition).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];
}

/**
 * The pipeline: one Lambda per Task state and the Standard state machine built from core's one
 * ASL document (STATE_MACHINE) with DefinitionSubstitutions for its `${…FunctionArn}`
 * placeholders: the document the local runner executes is the one deployed. Logging (ALL,
 * with execution data) and X-Ray are on. An EventBridge rule sends the execution's terminal
 * status changes to packages/functions/src/on-run-status.main, which records every ended run:
 * the document has no Catch (a redrive must resume at the failed Task), and the event carries the
 * failed state's error and cause, so the function needs no Step Functions permission.
 */
export function Pipeline({ stack, app }: StackContext) {
  const config = myriadConfig(app);
  const db = use(Database);
  const { bucket } = use(Storage);
  const inference = use(Inference);
  const training = sagemakerTraining(stack, bucket);
  // Uploads too large for the Preprocess Lambda: a Processing job on the training image.
  const processing = sagemakerProcessing(stack, bucket, training.image);
  const common = { [ENV.bucket]: bucket.bucketName };

  const fn = (
    state: TaskState,
    description: string,
    props: { timeout?: number; memorySize?: number; environment?: Record<string, string> } = {},
  ) =>
    handlerFunction(stack, app, db, state, {
      handler: TASK_HANDLERS[state],
      description,
      ...props,
      environment: { ...common, ...props.environment },
    });
  const functions: Record<TaskState, SstFunction> = {
    Preprocess: fn("Preprocess", "validates, quarantines and resamples an upload", {
      timeout: PREPROCESS_LAMBDA.timeoutSeconds,
      memorySize: PREPROCESS_LAMBDA.memoryMb,
      environment: {
        [ENV.preprocessMode]: config.preprocessMode,
        [ENV.preprocessMaxLambdaBytes]: String(config.preprocessMaxLambdaBytes),
        [ENV.preprocessImage]: processing.image.imageUri,
        [ENV.preprocessRoleArn]: processing.role.roleArn,
        [ENV.preprocessInstanceType]: config.preprocessInstanceType,
        [ENV.preprocessMaxSeconds]: String(config.preprocessMaxSeconds),
        // Preprocess lists TrainShards' items: the shard size, and one shard for a remote backend.
        [ENV.trainingBackend]: config.trainingBackend,
        [ENV.trainShardSize]: String(config.trainShardSize),
      },
    }),
    Train: fn("Train", "trains one shard of customers through the training backend; gathers the shards", {
      timeout: 900,
      memorySize: config.trainMemoryMb,
      environment: {
        [ENV.trainingBackend]: config.trainingBackend,
        [ENV.trainingImage]: training.image.imageUri,
        [ENV.trainingRoleArn]: training.role.roleArn,
        [ENV.trainingInstanceType]: config.trainingInstanceType,
        [ENV.trainingInstanceCount]: String(config.trainingInstanceCount),
        [ENV.trainingMaxSeconds]: String(config.trainingMaxSeconds),
      },
    }),
    Register: fn("Register", "writes the model registry rows", { timeout: 300 }),
    Publish: fn("Publish", "writes every customer's forecast rows", { timeout: 900, memorySize: 2048 }),
    Warm: fn("Warm", "loads the new models into the endpoint", {
      timeout: 600,
      environment: { [ENV.endpointName]: inference.endpointName },
    }),
  };

  // /tmp for the quarantine of an input at the Lambda threshold whose rows are all rejected.
  (functions.Preprocess.node.defaultChild as lambda.CfnFunction).ephemeralStorage = {
    size: PREPROCESS_LAMBDA.ephemeralStorageMb,
  };
  // The same prefixes as the Processing job's role: runs/ holds the job's request and outcome.
  grantBucket(functions.Preprocess, bucket, PREPROCESS_BUCKET_ACCESS);
  grantSagemakerProcessing(stack, functions.Preprocess, processing.role);
  grantBucket(functions.Train, bucket, {
    // drivers/: the dataset's metadata and related series, laid on each customer's grid;
    // models/: the active artifacts a re-forecast run forecasts again.
    read: ["customers/", "drivers/", "manifests/", "models/", "training/"],
    write: ["models/", "runs/", "training/"],
  });
  grantSagemakerTraining(stack, functions.Train, training.role);
  let forecastRoleArn: string | undefined;
  if (config.forecastEnabled) {
    forecastRoleArn = amazonForecast(stack, bucket, functions.Train).role.roleArn;
    functions.Train.addEnvironment(ENV.forecastRoleArn, forecastRoleArn);
  }
  grantBucket(functions.Register, bucket, { read: ["runs/", "manifests/"] });
  grantBucket(functions.Publish, bucket, {
    // customers/ and drivers/: the histories and metadata groups of the total forecasts,
    // written under runs/.
    read: ["runs/", "manifests/", "models/", "customers/", "drivers/"],
    write: ["runs/"],
  });
  grantBucket(functions.Warm, bucket, { read: ["runs/", "manifests/"] });
  functions.Warm.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["sagemaker:InvokeEndpoint"], resources: [inference.endpointArn] }),
  );

  // The one ASL document, with every placeholder it uses bound here.
  const substitutions: Record<string, string> = {
    ...Object.fromEntries(
      (Object.keys(TASK_FUNCTIONS) as TaskState[]).map((state) => [
        TASK_FUNCTIONS[state],
        functions[state].functionArn,
      ]),
    ),
    BucketName: bucket.bucketName,
    TrainingImageUri: training.image.imageUri,
    TrainingRoleArn: training.role.roleArn,
    TrainingInstanceType: config.trainingInstanceType,
    TrainingInstanceCount: String(config.trainingInstanceCount),
    TrainingMaxSeconds: String(config.trainingMaxSeconds),
  };
  const used = placeholders(STATE_MACHINE);
  const unbound = used.filter((name) => substitutions[name] === undefined);
  if (unbound.length > 0)
    throw new Error(`the state machine uses placeholders the stack does not bind: ${unbound.join(", ")}`);

  const stateMachine = new sfn.StateMachine(stack, "StateMachine", {
    stateMachineName: stateMachineName(app),
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(STATE_MACHINE)),
    definitionSubstitutions: Object.fromEntries(used.map((name) => [name, substitutions[name]])),
    tracingEnabled: true,
    timeout: Duration.hours(24),
    logs: {
      destination: new logs.LogGroup(stack, "StateMachineLogs", {
        logGroupName: `/aws/vendedlogs/states/${stateMachineName(app)}`,
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      level: sfn.LogLevel.ALL,
      includeExecutionData: true,
    },
  });
  // The ASL names unqualified function ARNs: no version or alias wildcard is needed.
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["lambda:InvokeFunction"],
      resources: Object.values(functions).map((f) => f.functionArn),
    }),
  );
  grantDistributedMap(stack, stateMachine, stateMachineName(app), bucket);

  const onRunStatus = handlerFunction(stack, app, db, "OnRunStatus", {
    handler: "packages/functions/src/on-run-status.main",
    description: "writes an execution's final status to the runs table",
    timeout: 60,
    environment: common,
  });
  new events.Rule(stack, "RunStatus", {
    description: "Myriad: pipeline executions that stopped",
    eventPattern: {
      source: ["aws.states"],
      detailType: ["Step Functions Execution Status Change"],
      detail: { stateMachineArn: [stateMachine.stateMachineArn], status: RUN_STATUS_EVENTS },
    },
    targets: [new targets.LambdaFunction(onRunStatus, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
  });

  stack.addOutputs({ StateMachineArn: stateMachine.stateMachineArn });
  return { stateMachine, functions, onRunStatus, training, processing, forecastRoleArn };
}
