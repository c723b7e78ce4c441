import { ArnFormat, type Stack } from "aws-cdk-lib";
import type { DockerImageAsset } from "aws-cdk-lib/aws-ecr-assets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Function as SstFunction } from "sst/constructs";
import { grantBucket } from "./bucket-access.ts";
import { repositoryImage } from "./images.ts";

/**
 * The SageMaker training side of the Pipeline stack: the image of
 * packages/model-server/training.Dockerfile and the role training jobs run as. The role reads
 * `customers/` (the ShardedByS3Key channel) and `training/` (the job list) and writes
 * `training/` (checkpoints = per-customer artifacts, output); the Train Lambda then copies the
 * artifacts to `models/`.
 */
export function sagemakerTraining(stack: Stack, bucket: s3.IBucket) {
  const image = repositoryImage(stack, "TrainingImage", "packages/model-server/training.Dockerfile");
  const role = sagemakerJobRole(
    stack,
    "TrainingRole",
    "Myriad SageMaker training jobs",
    image,
    "TrainingJobs",
  );
  grantBucket(role, bucket, { read: ["customers/", "drivers/", "training/"], write: ["training/"] });
  return { image, role };
}

/**
 * The role of the SageMaker Processing jobs that preprocess uploads too large for the
 * Preprocess Lambda. They run the training image's `preprocess` command, which reads and writes
 * the bucket itself, so the role has exactly the Preprocess Lambda's prefixes: reads `raw/`
 * (the upload and `_dataset.json`), `customers/` (history) and `runs/` (the request); writes
 * `customers/`, `manifests/`, `quarantine/` and `runs/` (the outcome). A role of its own keeps
 * training jobs away from `raw/`.
 */
export function sagemakerProcessing(stack: Stack, bucket: s3.IBucket, image: DockerImageAsset) {
  const role = sagemakerJobRole(
    stack,
    "PreprocessRole",
    "Myriad SageMaker Processing jobs that preprocess large uploads",
    image,
    "ProcessingJobs",
  );
  grantBucket(role, bucket, PREPROCESS_BUCKET_ACCESS);
  return { image, role };
}

/** The Preprocess Lambda's and the preprocess Processing job's bucket access: the same work. */
export const PREPROCESS_BUCKET_ACCESS = {
  read: ["raw/", "customers/", "runs/"],
  write: ["customers/", "manifests/", "quarantine/", "runs/"],
};

/** A role SageMaker jobs run as: pulls `image`, writes logs under `/aws/sagemaker/<logs>`. */
function sagemakerJobRole(
  stack: Stack,
  id: string,
  description: string,
  image: DockerImageAsset,
  logs: "TrainingJobs" | "ProcessingJobs",
) {
  const role = new iam.Role(stack, id, {
    assumedBy: new iam.ServicePrincipal("sagemaker.amazonaws.com"),
    description,
  });
  image.repository.grantPull(role);
  role.addToPolicy(new iam.PolicyStatement({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] }));
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
          resourceName: `/aws/sagemaker/${logs}*`,
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
  return role;
}

/** What the Train Lambda may do with SageMaker: its own jobs (`myriad-*`) and passing the role. */
export function grantSagemakerTraining(stack: Stack, fn: SstFunction, role: iam.IRole) {
  grantSagemakerJobs(stack, fn, role, "training-job/myriad-*", [
    "sagemaker:CreateTrainingJob",
    "sagemaker:DescribeTrainingJob",
  ]);
}

/** What the Preprocess Lambda may do with SageMaker: its own Processing jobs and passing their role. */
export function grantSagemakerProcessing(stack: Stack, fn: SstFunction, role: iam.IRole) {
  // Names are myriad-pre-<dataset>-<hash> (sagemaker-processing-preprocessor.ts).
  grantSagemakerJobs(stack, fn, role, "processing-job/myriad-pre-*", [
    "sagemaker:CreateProcessingJob",
    "sagemaker:DescribeProcessingJob",
  ]);
}

function grantSagemakerJobs(
  stack: Stack,
  fn: SstFunction,
  role: iam.IRole,
  jobs: `${"training-job" | "processing-job"}/${string}`,
  actions: string[],
) {
  const [resource, resourceName] = jobs.split("/");
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      // AddTags: the jobs are created with tags (dataset, run).
      actions: [...actions, "sagemaker:AddTags"],
      resources: [stack.formatArn({ service: "sagemaker", resource, resourceName })],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["iam:PassRole"],
      resources: [role.roleArn],
      conditions: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    }),
  );
}

/** Forecast resource types the backend creates, all named `myriad_*`. */
const FORECAST_RESOURCES = [
  "dataset",
  "dataset-group",
  "dataset-import-job",
  "predictor",
  "forecast",
  "forecast-export-job",
];

/**
 * Amazon Forecast (closed to new AWS customers; only when enabled): the role Forecast assumes
 * to read the import file and write the export under `training/`, and the Train Lambda's
 * rights over the `myriad_*` resources it creates, describes and deletes.
 */
export function amazonForecast(stack: Stack, bucket: s3.IBucket, fn: SstFunction) {
  const role = new iam.Role(stack, "ForecastRole", {
    assumedBy: new iam.ServicePrincipal("forecast.amazonaws.com"),
    description: "Amazon Forecast reads Myriad's import files and writes its exports",
  });
  grantBucket(role, bucket, { read: ["training/"], write: ["training/"] });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        "forecast:CreateDataset",
        "forecast:CreateDatasetGroup",
        "forecast:CreateDatasetImportJob",
        "forecast:CreateAutoPredictor",
        "forecast:CreateForecast",
        "forecast:CreateForecastExportJob",
        "forecast:DescribeDataset",
        "forecast:DescribeDatasetGroup",
        "forecast:DescribeDatasetImportJob",
        "forecast:DescribeAutoPredictor",
        "forecast:DescribeForecast",
        "forecast:DescribeForecastExportJob",
        "forecast:GetAccuracyMetrics",
        // A run deletes what it created once its forecasts are read (DeleteResourceTree on the
        // dataset group and on each dataset, which deletes their children).
        "forecast:DeleteResourceTree",
        "forecast:DeleteDataset",
        "forecast:DeleteDatasetGroup",
        "forecast:DeleteDatasetImportJob",
        "forecast:DeletePredictor",
        "forecast:DeleteForecast",
        "forecast:DeleteForecastExportJob",
      ],
      resources: FORECAST_RESOURCES.map((resource) =>
        stack.formatArn({ service: "forecast", resource, resourceName: "myriad_*" }),
      ),
    }),
  );
  // The marker of a run whose Forecast resources are all deleted, and the state of a run that
  // never finished (training/<dataset>/forecast-runs/, …/forecast/state.json).
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["s3:DeleteObject"],
      resources: [bucket.arnForObjects("training/*")],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["iam:PassRole"],
      resources: [role.roleArn],
      conditions: { StringEquals: { "iam:PassedToService": "forecast.amazonaws.com" } },
    }),
  );
  return { role };
}
