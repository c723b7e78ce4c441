import { IgnoreMode } from "aws-cdk-lib";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import type { Construct } from "constructs";
import { useProject } from "sst/project.js";

/**
 * What the container images see of the repository: the workspace manifests (so `npm ci` can
 * install the lockfile's versions), the sources of core and model-server, and the one
 * functions file the training image's `preprocess` command bundles (the S3 adapter). Everything
 * else, node_modules above all, stays out of the build context and out of the asset hash.
 */
export const IMAGE_CONTEXT_EXCLUDE = [
  "*",
  "!package.json",
  "!package-lock.json",
  "!tsconfig.json",
  "!packages",
  "packages/*",
  "!packages/*/package.json",
  "!packages/core",
  "!packages/model-server",
  "!packages/functions/src/aws/s3-object-store.ts",
  "**/node_modules",
  "**/*.test.ts",
];

/**
 * A container image built from the repository root with `file` as its Dockerfile, for
 * linux/amd64 (SageMaker's ml.m5/ml.c5 instances), pushed to the CDK asset repository.
 */
export function repositoryImage(scope: Construct, id: string, file: string): DockerImageAsset {
  return new DockerImageAsset(scope, id, {
    directory: useProject().paths.root,
    file,
    platform: Platform.LINUX_AMD64,
    exclude: IMAGE_CONTEXT_EXCLUDE,
    ignoreMode: IgnoreMode.DOCKER,
  });
}
