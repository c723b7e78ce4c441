import { ArnFormat, Duration } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sagemaker from "aws-cdk-lib/aws-sagemaker";
import { type StackContext, use } from "sst/constructs";
import { myriadConfig, resourceName } from "./config.ts";
import { grantBucket } from "./bucket-access.ts";
import { repositoryImage } from "./images.ts";
import { Storage } from "./Storage.ts";

export const VARIANT_NAME = "AllTraffic";

/**
 * The endpoint's name carries its instance type. SageMaker refuses an UpdateEndpoint that
 * changes the instance type of a variant registered with Application Auto Scaling ("Update
 * endpoints that use auto scaling", SageMaker Developer Guide: deregister, update, register
 * again), and CloudFormation has no step that deregisters first. With the type in the name, a
 * new instance type is a new endpoint instead: CloudFormation creates it and its scalable target,
 * switches the functions to it, then deletes the old target and endpoint.
 */
export const modelEndpointName = (app: StackContext["app"], instanceType: string) =>
  resourceName(app, `models-${instanceType.replace(/[^A-Za-z0-9]+/g, "-")}`);

/**
 * The SageMaker multi-model endpoint that serves every customer's model: one CfnModel in
 * `MultiModel` mode whose ModelDataUrl is the bucket's `models/` prefix (a request's
 * TargetModel is the artifact's key below it), the model-server image from
 * packages/model-server/Dockerfile, an endpoint config and endpoint sized from the stage
 * config (named by its instance type: see modelEndpointName), and Application Auto Scaling that
 * tracks SageMakerVariantInvocationsPerInstance between the configured minimum and maximum
 * instance counts. The container runs with
 * network isolation: SageMaker downloads the artifacts, the container only reads them.
 */
export function Inference({ stack, app }: StackContext) {
  const config = myriadConfig(app);
  const { bucket } = use(Storage);
  const image = repositoryImage(stack, "ModelServerImage", "packages/model-server/Dockerfile");

  const role = new iam.Role(stack, "ModelRole", {
    assumedBy: new iam.ServicePrincipal("sagemaker.amazonaws.com"),
    description: "Myriad multi-model endpoint: reads models/ and pulls the model-server image",
  });
  grantBucket(role, bucket, { read: ["models/"] });
  image.repository.grantPull(role);
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
      ],
      resources: [
        stack.formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: "/aws/sagemaker/Endpoints/*",
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      conditions: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
    }),
  );
  role.addToPolicy(new iam.PolicyStatement({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] }));

  const model = new sagemaker.CfnModel(stack, "Model", {
    executionRoleArn: role.roleArn,
    enableNetworkIsolation: true,
    primaryContainer: {
      image: image.imageUri,
      mode: "MultiModel",
      modelDataUrl: `s3://${bucket.bucketName}/models/`,
    },
  });
  model.node.addDependency(role);

  const endpointConfig = new sagemaker.CfnEndpointConfig(stack, "EndpointConfig", {
    productionVariants: [
      {
        variantName: VARIANT_NAME,
        modelName: model.attrModelName,
        initialInstanceCount: config.endpointMinInstances,
        instanceType: config.endpointInstanceType,
        initialVariantWeight: 1,
      },
    ],
  });
  const endpointName = modelEndpointName(app, config.endpointInstanceType);
  const endpoint = new sagemaker.CfnEndpoint(stack, "Endpoint", {
    endpointName,
    endpointConfigName: endpointConfig.attrEndpointConfigName,
  });

  const scaling = new autoscaling.ScalableTarget(stack, "EndpointScaling", {
    serviceNamespace: autoscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `endpoint/${endpointName}/variant/${VARIANT_NAME}`,
    scalableDimension: "sagemaker:variant:DesiredInstanceCount",
    minCapacity: config.endpointMinInstances,
    maxCapacity: config.endpointMaxInstances,
  });
  scaling.node.addDependency(endpoint);
  scaling.scaleToTrackMetric("InvocationsPerInstance", {
    predefinedMetric: autoscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
    targetValue: config.endpointInvocationsPerInstance,
    scaleInCooldown: Duration.minutes(10),
    scaleOutCooldown: Duration.minutes(2),
  });

  const endpointArn = stack.formatArn({
    service: "sagemaker",
    resource: "endpoint",
    resourceName: endpointName.toLowerCase(),
  });
  stack.addOutputs({ EndpointName: endpointName });
  return { endpointName, endpointArn, endpoint, model, role, image };
}
