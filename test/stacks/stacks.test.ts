import {
  STATE_MACHINE,
  substituteDefinition,
  TASK_FUNCTIONS,
  type TaskState,
} from "@myriad/core/pipeline/state-machine";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject } from "sst/project.js";
import { beforeAll, describe, expect, it } from "vitest";
import { API_THROTTLE, AUTHORIZED_ROUTES, PUBLIC_ROUTES } from "../../stacks/Api.ts";
import { readMyriadConfig } from "../../stacks/config.ts";
import { Api, Database, Inference, Pipeline, Storage } from "../../stacks/index.ts";
import { myriadApp } from "../../stacks/myriad-app.ts";
import { RUN_STATUS_EVENTS, TASK_HANDLERS } from "../../stacks/Pipeline.ts";
import { processingJobName } from "@myriad/functions/aws/sagemaker-processing-preprocessor";
import { VERIFIED_KEY_TTL_SECONDS } from "@myriad/functions/api/verified-keys";

/**
 * The whole app, synthesized once (a second synthesis throws on duplicate ids) with the recipe
 * from design.md; every assertion reads the templates and cdk-nag annotations of that one run.
 * Function code is never built: SST defers bundling to `app.finish()`, which is not called.
 */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, checked by the assertions
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json> };
type Statement = { stack: StackName; id: string; Action: Json; Resource: Json; Condition?: Json };
const STACKS = { Database, Storage, Inference, Pipeline, Api } as const;
type StackName = keyof typeof STACKS;

let templates: Record<StackName, Template>;
let annotations: Record<StackName, Annotations>;

beforeAll(async () => {
  process.env.npm_config_offline = "true";
  await initProject({ stage: "test" });
  const app = new App({
    mode: "deploy",
    stage: "test",
    name: "myriad",
    region: "us-east-1",
    account: "123456789012",
  });
  myriadApp(app, readMyriadConfig("test", {}));
  const entries = Object.entries(STACKS) as [StackName, Parameters<typeof getStack>[0]][];
  templates = Object.fromEntries(
    entries.map(([n, s]) => [n, Template.fromStack(getStack(s))]),
  ) as typeof templates;
  annotations = Object.fromEntries(
    entries.map(([n, s]) => [n, Annotations.fromStack(getStack(s))]),
  ) as typeof annotations;
}, 120_000);

const resources = (stack: StackName, type: string): [string, Resource][] =>
  Object.entries(templates[stack].findResources(type)) as [string, Resource][];
const only = (stack: StackName, type: string): Resource => {
  const found = resources(stack, type);
  expect(found, `${stack} ${type}`).toHaveLength(1);
  return found[0][1];
};
/** The logical id of the function whose description names this handler. */
const functionFor = (stack: StackName, handler: string): string => {
  const found = resources(stack, "AWS::Lambda::Function").filter(([, r]) =>
    String(r.Properties.Description ?? "").includes(`(${handler})`),
  );
  expect(found, handler).toHaveLength(1);
  return found[0][0];
};
const getAtt = (value: unknown) => (value as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];

describe("Storage", () => {
  it("sends raw/ object-created events to on-upload", () => {
    const config = only("Storage", "Custom::S3BucketNotifications").Properties.NotificationConfiguration;
    expect(config.LambdaFunctionConfigurations).toHaveLength(1);
    const [notification] = config.LambdaFunctionConfigurations;
    expect(notification.Events).toEqual(["s3:ObjectCreated:*"]);
    expect(notification.Filter.Key.FilterRules).toEqual([{ Name: "prefix", Value: "raw/" }]);
    expect(getAtt(notification.LambdaFunctionArn)).toBe(
      functionFor("Storage", "packages/functions/src/on-upload.main"),
    );
  });

  it("keeps the bucket private, encrypted, versioned, TLS-only, with lifecycle rules", () => {
    const buckets = resources("Storage", "AWS::S3::Bucket").filter(([id]) => id.startsWith("Bucket"));
    expect(buckets).toHaveLength(1);
    const [id, bucket] = buckets[0];
    const p = bucket.Properties;
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe("AES256");
    expect(p.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(p.LoggingConfiguration.DestinationBucketName).toBeDefined();
    const rules = Object.fromEntries(p.LifecycleConfiguration.Rules.map((r: { Id: string }) => [r.Id, r]));
    expect(rules.quarantine).toMatchObject({
      Prefix: "quarantine/",
      ExpirationInDays: 30,
      Status: "Enabled",
    });
    // No Intelligent-Tiering transition: ~9 KB artifacts are under S3 Lifecycle's 128 KB minimum.
    expect(JSON.stringify(p.LifecycleConfiguration.Rules)).not.toContain("INTELLIGENT_TIERING");
    expect(rules.versions).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    templates.Storage.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });
});

describe("Pipeline", () => {
  const stateMachine = () => only("Pipeline", "AWS::StepFunctions::StateMachine").Properties;

  it("deploys core's one ASL document, every state equal after substitution", () => {
    const deployed = JSON.parse(stateMachine().DefinitionString);
    const substitutions = stateMachine().DefinitionSubstitutions as Record<string, unknown>;
    // Each placeholder is bound to the ARN of the function whose handler the state names.
    const byPlaceholder: Record<string, string> = {};
    for (const [state, placeholder] of Object.entries(TASK_FUNCTIONS) as [TaskState, string][]) {
      const logicalId = functionFor("Pipeline", TASK_HANDLERS[state]);
      expect(getAtt(substitutions[placeholder])).toBe(logicalId);
      byPlaceholder[placeholder] = `arn:${logicalId}`;
    }
    // TrainShards' ResultWriter writes to the app's bucket.
    expect(JSON.stringify(substitutions.BucketName)).toMatch(/Storage.*Bucket/);
    byPlaceholder.BucketName = "bucket";
    expect(Object.keys(substitutions).sort()).toEqual(Object.keys(byPlaceholder).sort());
    const expected = substituteDefinition(STATE_MACHINE, byPlaceholder) as typeof STATE_MACHINE;
    const actual = substituteDefinition(deployed, byPlaceholder) as typeof STATE_MACHINE;
    expect(Object.keys(actual.States)).toEqual(Object.keys(expected.States));
    for (const name of Object.keys(expected.States) as (keyof typeof expected.States)[]) {
      expect(actual.States[name], name).toEqual(expected.States[name]);
    }
    expect({ ...actual, States: undefined }).toEqual({ ...expected, States: undefined });
  });

  it("trains in a Distributed Map of Train's function, its results written under runs/train-map/", () => {
    const deployed = JSON.parse(stateMachine().DefinitionString);
    const map = deployed.States.TrainShards;
    expect(map).toMatchObject({
      Type: "Map",
      ItemsPath: "$.preprocess.shards",
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" } },
      MaxConcurrency: 100,
      ToleratedFailurePercentage: 0,
      ResultWriter: {
        Resource: "arn:aws:states:::s3:putObject",
        Parameters: { Bucket: `\${BucketName}`, Prefix: "runs/train-map" },
      },
      ResultPath: null,
      Next: "Train",
    });
    expect(map.ItemProcessor.States.TrainShard.Resource).toBe(`\${TrainFunctionArn}`);
    expect(deployed.States.PreprocessDone.Default).toBe("TrainShards");
  });

  it("gives Preprocess the deploy's backend and shard size, to list TrainShards' items", () => {
    const env =
      templates.Pipeline.toJSON().Resources[functionFor("Pipeline", TASK_HANDLERS.Preprocess)].Properties
        .Environment.Variables;
    expect(env).toMatchObject({ MYRIAD_TRAINING_BACKEND: "sagemaker", MYRIAD_TRAIN_SHARD_SIZE: "250" });
  });

  it("is a Standard workflow with full logging and X-Ray", () => {
    const p = stateMachine();
    expect(p.StateMachineType).toBe("STANDARD");
    expect(p.TracingConfiguration).toEqual({ Enabled: true });
    expect(p.LoggingConfiguration).toMatchObject({ Level: "ALL", IncludeExecutionData: true });
  });

  it("routes execution status changes to on-run-status", () => {
    const rule = only("Pipeline", "AWS::Events::Rule").Properties;
    expect(rule.EventPattern).toMatchObject({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { status: RUN_STATUS_EVENTS },
    });
    expect(RUN_STATUS_EVENTS).toEqual(
      expect.arrayContaining(["TIMED_OUT", "ABORTED", "FAILED", "SUCCEEDED"]),
    );
    expect(getAtt(rule.Targets[0].Arn)).toBe(
      functionFor("Pipeline", "packages/functions/src/on-run-status.main"),
    );
  });

  it("deploys no Catch nor failure-recording function: a redrive resumes at the failed Task", () => {
    const deployed = JSON.stringify(JSON.parse(stateMachine().DefinitionString));
    expect(deployed).not.toContain('"Catch"');
    expect(deployed).not.toContain('"Type":"Fail"');
    const handlers = resources("Pipeline", "AWS::Lambda::Function").map(([, r]) =>
      String(r.Properties.Description ?? ""),
    );
    expect(handlers.some((d) => d.includes("record-failure"))).toBe(false);
  });

  it("configures the Train function for the SageMaker backend", () => {
    const id = functionFor("Pipeline", TASK_HANDLERS.Train);
    const env = templates.Pipeline.toJSON().Resources[id].Properties.Environment.Variables;
    expect(env).toMatchObject({
      MYRIAD_TRAINING_BACKEND: "sagemaker",
      MYRIAD_TRAINING_INSTANCE_TYPE: "ml.m5.large",
      MYRIAD_TRAINING_INSTANCE_COUNT: "1",
    });
    expect(env.MYRIAD_TRAINING_IMAGE).toBeDefined();
    expect(env.MYRIAD_TRAINING_ROLE_ARN).toBeDefined();
  });

  it("configures Preprocess to hand inputs of 3 GiB and more to a Processing job on the training image", () => {
    const variables = (handler: string) =>
      templates.Pipeline.toJSON().Resources[functionFor("Pipeline", handler)].Properties.Environment
        .Variables;
    const env = variables(TASK_HANDLERS.Preprocess);
    expect(env).toMatchObject({
      MYRIAD_PREPROCESS_MODE: "auto",
      MYRIAD_PREPROCESS_MAX_LAMBDA_BYTES: String(3 * 1024 ** 3),
      MYRIAD_PREPROCESS_INSTANCE_TYPE: "ml.m5.large",
      MYRIAD_PREPROCESS_MAX_SECONDS: "21600",
    });
    // /tmp for the quarantine of an all-rejected input at the threshold (Lambda's maximum).
    const preprocessFn =
      templates.Pipeline.toJSON().Resources[functionFor("Pipeline", TASK_HANDLERS.Preprocess)];
    expect(preprocessFn.Properties).toMatchObject({ MemorySize: 2048, EphemeralStorage: { Size: 10240 } });
    expect(env.MYRIAD_PREPROCESS_IMAGE).toEqual(variables(TASK_HANDLERS.Train).MYRIAD_TRAINING_IMAGE);
    const role = getAtt(env.MYRIAD_PREPROCESS_ROLE_ARN);
    expect(role).toMatch(/^PreprocessRole/);
    expect(role).not.toBe(getAtt(variables(TASK_HANDLERS.Train).MYRIAD_TRAINING_ROLE_ARN));
    expect(templates.Pipeline.toJSON().Resources[role].Properties.AssumeRolePolicyDocument.Statement).toEqual(
      [expect.objectContaining({ Principal: { Service: "sagemaker.amazonaws.com" } })],
    );
  });
});

describe("Inference", () => {
  it("serves every model from one multi-model SageMaker endpoint", () => {
    const model = only("Inference", "AWS::SageMaker::Model").Properties;
    expect(model.PrimaryContainer.Mode).toBe("MultiModel");
    expect(model.PrimaryContainer.ModelDataUrl["Fn::Join"][1].at(-1)).toBe("/models/");
    expect(model.EnableNetworkIsolation).toBe(true);
    const variant = only("Inference", "AWS::SageMaker::EndpointConfig").Properties.ProductionVariants[0];
    expect(variant).toMatchObject({
      VariantName: "AllTraffic",
      InstanceType: "ml.m5.large",
      InitialInstanceCount: 1,
    });
    expect(only("Inference", "AWS::SageMaker::Endpoint").Properties.EndpointName).toBe(
      "test-myriad-models-ml-m5-large",
    );
  });

  it("scales the variant on invocations per instance", () => {
    const target = only("Inference", "AWS::ApplicationAutoScaling::ScalableTarget").Properties;
    expect(target).toMatchObject({
      ServiceNamespace: "sagemaker",
      ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
      ResourceId: "endpoint/test-myriad-models-ml-m5-large/variant/AllTraffic",
      MinCapacity: 1,
      MaxCapacity: 2,
    });
    const policy = only("Inference", "AWS::ApplicationAutoScaling::ScalingPolicy").Properties;
    expect(policy.PolicyType).toBe("TargetTrackingScaling");
    expect(
      policy.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType,
    ).toBe("SageMakerVariantInvocationsPerInstance");
  });
});

describe("Database", () => {
  it("is Aurora Serverless v2 PostgreSQL behind an RDS Proxy with TLS", () => {
    const cluster = only("Database", "AWS::RDS::DBCluster").Properties;
    expect(cluster).toMatchObject({
      Engine: "aurora-postgresql",
      StorageEncrypted: true,
      DatabaseName: "myriad",
    });
    expect(cluster.ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: 0.5, MaxCapacity: 4 });
    expect(cluster.EngineMode).toBeUndefined(); // "serverless" would be v1
    expect(only("Database", "AWS::RDS::DBInstance").Properties.DBInstanceClass).toBe("db.serverless");
    expect(only("Database", "AWS::RDS::DBProxy").Properties).toMatchObject({
      EngineFamily: "POSTGRESQL",
      RequireTLS: true,
    });
    expect(resources("Database", "AWS::SecretsManager::RotationSchedule")).toHaveLength(1);
  });

  it("applies the migrations on every deploy through migrate.main", () => {
    const script = only("Database", "Custom::SSTScript").Properties;
    const migrate = functionFor("Database", "packages/functions/src/migrate.main");
    expect(script.UserCreateFunction).toEqual({ Ref: migrate });
    expect(script.UserUpdateFunction).toEqual({ Ref: migrate });
  });
});

describe("Api", () => {
  it("routes everything to api.main, /v1 behind the Lambda authorizer", () => {
    const api = functionFor("Api", "packages/functions/src/api.main");
    const integrations = Object.fromEntries(resources("Api", "AWS::ApiGatewayV2::Integration"));
    const routes = resources("Api", "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...PUBLIC_ROUTES, ...AUTHORIZED_ROUTES].sort());
    for (const route of routes) {
      const integration = integrations[route.Target["Fn::Join"][1][1].Ref];
      expect(getAtt(integration.Properties.IntegrationUri)).toBe(api);
      if (PUBLIC_ROUTES.includes(route.RouteKey)) expect(route.AuthorizationType).toBe("NONE");
      else expect(route.AuthorizationType).toBe("CUSTOM");
    }
    const authorizer = only("Api", "AWS::ApiGatewayV2::Authorizer").Properties;
    expect(authorizer).toMatchObject({
      AuthorizerType: "REQUEST",
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: "2.0",
      IdentitySource: ["$request.header.Authorization"],
    });
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(
      functionFor("Api", "packages/functions/src/authorizer.main"),
    );
  });

  it("caches a key's verdict no longer than the API does, so a revoked key stops within that time", () => {
    const authorizer = only("Api", "AWS::ApiGatewayV2::Authorizer").Properties;
    expect(VERIFIED_KEY_TTL_SECONDS).toBeLessThanOrEqual(5);
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(VERIFIED_KEY_TTL_SECONDS);
  });

  it("throttles every route of the default stage", () => {
    const stage = only("Api", "AWS::ApiGatewayV2::Stage").Properties;
    expect(stage.StageName).toBe("$default");
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: API_THROTTLE.rate,
      ThrottlingBurstLimit: API_THROTTLE.burst,
    });
    expect(API_THROTTLE.rate).toBeGreaterThan(0);
    expect(API_THROTTLE.burst).toBeGreaterThanOrEqual(API_THROTTLE.rate);
  });
});

describe("IAM and functions", () => {
  const statements = (): Statement[] =>
    (Object.keys(STACKS) as StackName[]).flatMap((stack) =>
      resources(stack, "AWS::IAM::Policy").flatMap(([id, r]) =>
        (r.Properties.PolicyDocument.Statement as Json[]).map((s) => ({ stack, id, ...s })),
      ),
    );
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  /** Actions AWS offers no resource-level permission for: the only ones allowed on "*". */
  const STAR_ACTIONS = new Set([
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    // CDK's log-retention and bucket-notification helpers (suppressed framework code).
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "s3:PutBucketNotification",
  ]);

  it("grants no wildcard action and '*' only for actions without resource-level permissions", () => {
    for (const s of statements()) {
      for (const action of list(s.Action)) {
        expect(action, `${s.stack}/${s.id}`).not.toBe("*");
        expect(action, `${s.stack}/${s.id}`).not.toMatch(/:\*$/);
        if (list(s.Resource).includes("*"))
          expect(STAR_ACTIONS.has(action), `${s.stack}/${s.id}: ${action} on *`).toBe(true);
      }
      if (list(s.Action).includes("cloudwatch:PutMetricData")) {
        expect(s.Condition?.StringLike?.["cloudwatch:namespace"]).toBe("/aws/sagemaker/*");
      }
    }
  });

  it("lets the state machine start and stop its own child executions and write the map's results", () => {
    const all = templates.Pipeline.toJSON().Resources as Record<string, Resource>;
    const role = getAtt(only("Pipeline", "AWS::StepFunctions::StateMachine").Properties.RoleArn);
    const rolesOf = (policy: string) => (all[policy].Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    const granted = statements().filter((s) => s.stack === "Pipeline" && rolesOf(s.id).includes(role));
    const arn = (s: Statement) => JSON.stringify(s.Resource);
    const grant = (action: string) => {
      const found = granted.filter((s) => list(s.Action).includes(action));
      expect(found, action).toHaveLength(1);
      return found[0];
    };
    // StartExecution on the state machine itself, by name (its own ARN would be a cycle).
    expect(arn(grant("states:StartExecution"))).toMatch(/:stateMachine:test-myriad-pipeline"/);
    for (const action of ["states:DescribeExecution", "states:StopExecution"])
      expect(arn(grant(action))).toMatch(/:execution:test-myriad-pipeline\/\*"/);
    const writer = grant("s3:PutObject");
    expect(list(writer.Action).sort()).toEqual(
      ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"].sort(),
    );
    expect(arn(writer)).toMatch(/"\/runs\/train-map\/\*"\]\]\}$/);
    // Every function the document names, shards included, is one the role may invoke.
    expect(list(grant("lambda:InvokeFunction").Resource)).toHaveLength(Object.keys(TASK_FUNCTIONS).length);
  });

  it("lets Train start only Myriad's training jobs and pass only the training role to SageMaker", () => {
    const train = statements().filter((s) => list(s.Action).includes("sagemaker:CreateTrainingJob"));
    expect(train.length).toBeGreaterThan(0);
    for (const s of train) expect(JSON.stringify(s.Resource)).toContain("training-job/myriad-*");
    const passRole = statements().filter((s) => list(s.Action).includes("iam:PassRole"));
    for (const s of passRole) {
      expect(s.Condition.StringEquals["iam:PassedToService"]).toMatch(
        /^(sagemaker|forecast)\.amazonaws\.com$/,
      );
    }
  });

  it("lets Preprocess start only its Processing jobs and pass only their role; both reach the same prefixes", () => {
    const all = templates.Pipeline.toJSON().Resources as Record<string, Resource>;
    const preprocess = functionFor("Pipeline", TASK_HANDLERS.Preprocess);
    const lambdaRole = getAtt(all[preprocess].Properties.Role);
    const jobRole = getAtt(all[preprocess].Properties.Environment.Variables.MYRIAD_PREPROCESS_ROLE_ARN);
    const rolesOf = (policy: string) => (all[policy].Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    const of = (role: string) =>
      statements().filter((s) => s.stack === "Pipeline" && rolesOf(s.id).includes(role));

    const jobs = of(lambdaRole).filter((s) => list(s.Action).includes("sagemaker:CreateProcessingJob"));
    expect(jobs).toHaveLength(1);
    expect(list(jobs[0].Action).sort()).toEqual(
      ["sagemaker:AddTags", "sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob"].sort(),
    );
    const arn = JSON.stringify(jobs[0].Resource);
    expect(arn).toContain(":processing-job/myriad-pre-*");
    expect(processingJobName("sales", "run-1", 2)).toMatch(/^myriad-pre-/);
    const passRole = of(lambdaRole).filter((s) => list(s.Action).includes("iam:PassRole"));
    expect(passRole).toHaveLength(1);
    expect(getAtt(passRole[0].Resource)).toBe(jobRole);
    expect(passRole[0].Condition).toEqual({
      StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" },
    });
    // No other function may start Processing jobs.
    const starters = statements().filter((s) => list(s.Action).includes("sagemaker:CreateProcessingJob"));
    expect(starters).toEqual(jobs);

    const prefixes = (role: string, action: string) =>
      of(role)
        .filter((s) => list(s.Action).includes(action))
        .flatMap((s) => list(s.Resource))
        .map((r) => (JSON.stringify(r).match(/"\/([a-z]+)\/\*"\]\]\}$/) ?? [])[1])
        .sort();
    for (const role of [lambdaRole, jobRole]) {
      expect(prefixes(role, "s3:GetObject"), role).toEqual(["customers", "raw", "runs"]);
      expect(prefixes(role, "s3:PutObject"), role).toEqual(["customers", "manifests", "quarantine", "runs"]);
    }
    // The job's role writes its logs and pulls the image, nothing else of SageMaker's.
    expect(JSON.stringify(of(jobRole))).toContain("/aws/sagemaker/ProcessingJobs*");
    expect(of(jobRole).some((s) => list(s.Action).some((a: string) => a.startsWith("sagemaker:")))).toBe(
      false,
    );
  });

  it("runs every handler on nodejs22.x with tracing, and no S3 grant wider than a prefix", () => {
    for (const stack of Object.keys(STACKS) as StackName[]) {
      for (const [id, fn] of resources(stack, "AWS::Lambda::Function")) {
        if (!String(fn.Properties.Description ?? "").startsWith("Myriad ")) continue;
        expect(fn.Properties.Runtime, id).toBe("nodejs22.x");
        expect(fn.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
        expect(fn.Properties.VpcConfig, id).toBeDefined();
      }
    }
    for (const s of statements().filter((s) => list(s.Action).some((a: string) => a.startsWith("s3:")))) {
      expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\.Arn"\]\},"\/\*"/);
    }
  });
});

describe("cdk-nag", () => {
  it("has no unsuppressed AwsSolutions finding in any stack", () => {
    for (const stack of Object.keys(STACKS) as StackName[]) {
      const findings = [
        ...annotations[stack].findError("*", Match.stringLikeRegexp("AwsSolutions-.*")),
        ...annotations[stack].findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")),
      ].map((f) => `${f.id}: ${String(f.entry.data).split(":")[0]}`);
      expect(findings, stack).toEqual([]);
    }
  });

  it("records a reason for every suppression", () => {
    const suppressions = (Object.keys(STACKS) as StackName[]).flatMap((stack) =>
      Object.values(templates[stack].toJSON().Metadata?.cdk_nag?.rules_to_suppress ?? []),
    ) as { id: string; reason: string }[];
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(40);
  });
});
