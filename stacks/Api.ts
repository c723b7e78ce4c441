import { VERIFIED_KEY_TTL_SECONDS } from "@myriad/functions/api/verified-keys";
import { ENV } from "@myriad/functions/aws/env";
import { DATASET_FOLDERS } from "@myriad/core/dataset/delete-dataset";
import { ArnFormat } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { Api as SstApi, type StackContext, use } from "sst/constructs";
import { Database } from "./Database.ts";
import { grantBucket } from "./bucket-access.ts";
import { handlerFunction } from "./handler-function.ts";
import { Inference } from "./Inference.ts";
import { Pipeline } from "./Pipeline.ts";
import { Storage } from "./Storage.ts";

/** Routes anyone may call; everything under /v1 needs a key. */
export const PUBLIC_ROUTES = ["GET /health", "GET /openapi.json", "GET /docs"];
export const AUTHORIZED_ROUTES = ["ANY /v1/{proxy+}"];

/**
 * Every route's throttle on the default stage (requests per second, and the burst above it),
 * far below the account's 10,000/s so one caller, a flood of bad keys included, cannot use
 * the account's share or run up Lambda and database load. HTTP APIs have no usage plans (those
 * are REST APIs'), so there is no per-key quota; the authorizer refuses bad keys first.
 */
export const API_THROTTLE = { rate: 100, burst: 200 };

/**
 * The HTTP API: every route goes to the one Hono app in packages/functions/src/api.main
 * (it routes /v1 itself, so a new endpoint needs no stack change). A Lambda authorizer,
 * packages/functions/src/authorizer.main (simple responses, cached per Authorization header as
 * long as the API caches a verified key, so a revoked key stops within that time), checks the
 * key before the API runs; /health, /openapi.json and /docs are open. Every route is throttled
 * ({@link API_THROTTLE}). Access logs go to CloudWatch.
 */
export function Api({ stack, app }: StackContext) {
  const db = use(Database);
  const { bucket } = use(Storage);
  const inference = use(Inference);
  const { stateMachine } = use(Pipeline);

  const api = handlerFunction(stack, app, db, "Api", {
    handler: "packages/functions/src/api.main",
    description: "the HTTP API",
    timeout: 29,
    environment: {
      [ENV.bucket]: bucket.bucketName,
      [ENV.endpointName]: inference.endpointName,
      [ENV.stateMachineArn]: stateMachine.stateMachineArn,
    },
  });
  // DELETE /v1/datasets/{dataset} deletes the dataset's folders.
  grantBucket(api, bucket, {
    read: ["customers/", "models/", "manifests/", "runs/"],
    write: ["raw/"],
    delete: DATASET_FOLDERS,
  });
  api.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["sagemaker:InvokeEndpoint"], resources: [inference.endpointArn] }),
  );
  // POST /v1/runs/{runId}/redrive: the executions of this state machine only.
  api.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["states:RedriveExecution"],
      resources: [
        stack.formatArn({
          service: "states",
          resource: "execution",
          resourceName: `${stateMachine.stateMachineName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );

  const authorizer = handlerFunction(stack, app, db, "Authorizer", {
    handler: "packages/functions/src/authorizer.main",
    description: "checks API keys",
    timeout: 10,
    memorySize: 512,
  });

  const httpApi = new SstApi(stack, "HttpApi", {
    authorizers: {
      key: {
        type: "lambda",
        function: authorizer,
        responseTypes: ["simple"],
        identitySource: ["$request.header.Authorization"],
        resultsCacheTtl: `${VERIFIED_KEY_TTL_SECONDS} seconds`,
      },
    },
    defaults: { authorizer: "key", throttle: API_THROTTLE },
    accessLog: true,
    routes: {
      ...Object.fromEntries(
        PUBLIC_ROUTES.map((route) => [route, { function: api, authorizer: "none" as const }]),
      ),
      ...Object.fromEntries(AUTHORIZED_ROUTES.map((route) => [route, { function: api }])),
    },
  });

  stack.addOutputs({ ApiUrl: httpApi.url });
  return { httpApi, api, authorizer };
}
