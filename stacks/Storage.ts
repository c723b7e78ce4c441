import { ArnFormat, Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import { type StackContext, use } from "sst/constructs";
import { myriadConfig, resourceName } from "./config.ts";
import { Database } from "./Database.ts";
import { grantBucket } from "./bucket-access.ts";
import { handlerFunction } from "./handler-function.ts";

/** The state machine's name, fixed so on-upload can be granted it before the Pipeline stack exists. */
export const stateMachineName = (app: StackContext["app"]) => resourceName(app, "pipeline");

/**
 * The bucket and what an upload starts. Private (public access blocked, TLS enforced,
 * SSE-S3, versioned, access-logged); `raw/` object-created events invoke
 * packages/functions/src/on-upload.main, which starts the pipeline. Lifecycle:
 * - `quarantine/` (rejected rows) expires after 30 days;
 * - `training/` (SageMaker and Forecast inputs, checkpoints, exports) after 14 days;
 * - every prefix: noncurrent versions (overwritten or deleted objects) expire after 30 days,
 *   incomplete multipart uploads are aborted after 7.
 * `models/` has no rule of its own: artifacts are ~9 KB, and S3 Lifecycle does not move
 * objects under 128 KB to Intelligent-Tiering (nor does Intelligent-Tiering tier them), so a
 * transition never applied; and superseded versions stay readable on purpose (a past version's
 * forecast is reproduced from its artifact, GET …/versions/{version}/forecast).
 */
export function Storage({ stack, app }: StackContext) {
  const config = myriadConfig(app);
  const db = use(Database);
  const removalPolicy = config.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

  const accessLogs = new s3.Bucket(stack, "AccessLogs", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy,
  });

  const bucket = new s3.Bucket(stack, "Bucket", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: "bucket/",
    lifecycleRules: [
      { id: "quarantine", prefix: "quarantine/", expiration: Duration.days(30) },
      { id: "training", prefix: "training/", expiration: Duration.days(14) },
      {
        id: "versions",
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        expiredObjectDeleteMarker: true,
      },
    ],
    removalPolicy,
  });

  const stateMachineArn = stack.formatArn({
    service: "states",
    resource: "stateMachine",
    resourceName: stateMachineName(app),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const onUpload = handlerFunction(stack, app, db, "OnUpload", {
    handler: "packages/functions/src/on-upload.main",
    description: "starts a run for each data file under raw/, stores driver files",
    // A related file (a region's weather for a year and its forecast) is parsed here in full.
    timeout: 300,
    environment: { MYRIAD_BUCKET: bucket.bucketName, MYRIAD_STATE_MACHINE_ARN: stateMachineArn },
  });
  // Driver files (metadata.csv, related/*.csv) are stored by this handler, not by a run: it
  // reads the dataset's series grid and stored drivers, and writes drivers and quarantine.
  grantBucket(onUpload, bucket, {
    read: ["raw/", "customers/", "drivers/"],
    write: ["drivers/", "quarantine/"],
  });
  onUpload.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [stateMachineArn] }),
  );
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(onUpload), {
    prefix: "raw/",
  });

  stack.addOutputs({ BucketName: bucket.bucketName });
  return { bucket, accessLogs, onUpload, stateMachineArn };
}
