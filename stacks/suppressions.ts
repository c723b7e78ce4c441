import { Stack } from "aws-cdk-lib";
import { NagSuppressions } from "cdk-nag";
import type { IConstruct } from "constructs";
import type { App } from "sst/constructs";
import { myriadConfig } from "./config.ts";
import type { Suppression } from "./nag.ts";

const BASIC_EXECUTION =
  "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const VPC_ACCESS =
  "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole";

/** Constructs that SST or CDK add for their own deploy-time work, not Myriad code. */
const FRAMEWORK = [
  /^CustomResourceHandler$/,
  /^ScriptHandler$/,
  /^BucketNotificationsHandler/,
  /^LogRetention[0-9a-f]{32}$/,
];

const FRAMEWORK_SUPPRESSIONS: Suppression[] = [
  {
    id: "AwsSolutions-IAM4",
    reason:
      "Deploy-time helper Lambda provided by SST/CDK; it only writes its own logs with the AWS-maintained basic execution policy.",
    appliesTo: [BASIC_EXECUTION],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Deploy-time helper provided by SST/CDK (bucket notifications, log retention, script invocation); its actions are the ones the helper needs and are scoped by CDK.",
  },
  {
    id: "AwsSolutions-L1",
    reason:
      "Deploy-time helper provided by SST/CDK; its runtime is chosen by the framework version pinned in package.json.",
  },
];

/** Myriad's own handlers (every SST Function made by handler-function.ts). */
const HANDLER_SUPPRESSIONS: Suppression[] = [
  {
    id: "AwsSolutions-IAM4",
    reason:
      "AWS-maintained minimal policies: CloudWatch Logs for the function and, in the VPC, creating its network interfaces. Both are what Lambda itself requires.",
    appliesTo: [BASIC_EXECUTION, VPC_ACCESS],
  },
  {
    id: "AwsSolutions-L1",
    reason:
      "Node.js 22 on purpose (design.md): the code is tested on Node 20 and 22; SST 2.49 does not offer nodejs24.x. Move with the next SST/CDK upgrade.",
  },
];

/** Wildcards that are the narrowest IAM allows for what they grant. */
const WILDCARD_SUPPRESSIONS: Suppression[] = [
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Objects under one of Myriad's key prefixes (raw/, customers/, drivers/, manifests/, quarantine/, models/, runs/, training/): keys are per dataset, customer and run, so a prefix is the narrowest resource; actions are listed one by one (stacks/bucket-access.ts).",
    appliesTo: [
      {
        regex:
          "/^Resource::.*Bucket.*\\/(raw|customers|drivers|manifests|quarantine|models|runs|training)\\/\\*$/",
      },
    ],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Resource '*' only for actions without resource-level permissions: X-Ray trace upload (active tracing), CloudWatch Logs delivery for Step Functions logging, ECR GetAuthorizationToken, and CloudWatch PutMetricData limited by a cloudwatch:namespace condition (test/stacks checks the list).",
    appliesTo: ["Resource::*"],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "SageMaker writes its logs to per-endpoint / per-job log streams under its fixed log-group prefixes; the prefix is the narrowest resource.",
    appliesTo: [
      {
        regex:
          "/^Resource::arn:<AWS::Partition>:logs:.*:log-group:\\/aws\\/sagemaker\\/(Endpoints\\/\\*|TrainingJobs\\*|ProcessingJobs\\*)$/",
      },
    ],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "The TrainShards Distributed Map's ResultWriter writes each Map Run's results under runs/train-map/, in objects Step Functions names per Map Run; the prefix is the narrowest resource.",
    appliesTo: [{ regex: "/^Resource::.*Bucket.*\\/runs\\/train-map\\/\\*$/" }],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "The TrainShards Distributed Map's child executions are named by Step Functions per Map Run (<stateMachine>/<mapRunLabel>:<id>); the grant covers only this state machine's executions.",
    appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:states:.*:execution:.*\\/\\*$/" }],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Training jobs are named per dataset version at run time (myriad-<dataset>-<hash>); the grant covers only Myriad's own job names.",
    appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:sagemaker:.*:training-job\\/myriad-\\*$/" }],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Preprocess Processing jobs are named per run at run time (myriad-pre-<dataset>-<hash>); the grant covers only those names.",
    appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:sagemaker:.*:processing-job\\/myriad-pre-\\*$/" }],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Amazon Forecast resources are named per dataset version at run time (myriad_<dataset>_<hash>_<kind>); the grant covers only Myriad's own names.",
    appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:forecast:.*\\/myriad_\\*$/" }],
  },
  {
    id: "AwsSolutions-IAM5",
    reason:
      "Redrive (POST /v1/runs/{runId}/redrive) acts on executions named per run at run time; the grant covers only this state machine's executions.",
    appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:states:.*:execution:.*:\\*$/" }],
  },
];

/**
 * Every cdk-nag AwsSolutions finding Myriad accepts, each with its reason. Anything not
 * listed here fails the stack test. Suppressions are scoped by `appliesTo` so a new,
 * different wildcard still shows up.
 */
export function suppressAcceptedFindings(app: App): void {
  const config = myriadConfig(app);
  for (const stack of app.node.children.filter((c): c is Stack => Stack.isStack(c))) {
    for (const node of stack.node.findAll()) {
      if (FRAMEWORK.some((pattern) => pattern.test(node.node.id))) {
        NagSuppressions.addResourceSuppressions(node, FRAMEWORK_SUPPRESSIONS, true);
      }
      if (isHandler(node)) NagSuppressions.addResourceSuppressions(node, HANDLER_SUPPRESSIONS, true);
    }
    NagSuppressions.addStackSuppressions(stack, WILDCARD_SUPPRESSIONS, true);
    if (!config.retain) {
      NagSuppressions.addStackSuppressions(stack, [
        {
          id: "AwsSolutions-RDS10",
          reason:
            "Stages that are not retained (dev, test, previews) are disposable and must be removable; `prod` (MYRIAD_RETAIN) turns deletion protection on.",
        },
      ]);
    }
    const httpApi = stack.node.tryFindChild("HttpApi");
    if (httpApi) {
      for (const route of ["Route_GET_--health", "Route_GET_--openapi.json", "Route_GET_--docs"]) {
        const child = httpApi.node.tryFindChild(route);
        if (child) {
          NagSuppressions.addResourceSuppressions(
            child,
            [
              {
                id: "AwsSolutions-APIG4",
                reason:
                  "Public on purpose: health check, the OpenAPI document and its docs page carry no data.",
              },
            ],
            true,
          );
        }
      }
    }
  }
}

function isHandler(node: IConstruct): boolean {
  return node.constructor.name === "Function" && "_isLiveDevEnabled" in node;
}
