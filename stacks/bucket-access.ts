import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";

/** Prefixes (ending in `/`) a principal may read, write and delete objects under. */
export interface BucketAccess {
  read?: string[];
  write?: string[];
  delete?: readonly string[];
}

/**
 * Least-privilege bucket access by prefix: `s3:GetObject` under the read prefixes,
 * `s3:PutObject` and `s3:AbortMultipartUpload` under the write prefixes, `s3:DeleteObject`
 * under the delete prefixes, and `s3:ListBucket` on the bucket: listing is what
 * `ObjectStore.list` does, and without it S3 answers 403 instead of 404 for a missing key,
 * which the adapters rely on to tell "absent" from "forbidden". Used instead of
 * `bucket.grantRead`, which grants `s3:GetObject*`, `s3:GetBucket*` and `s3:List*`.
 */
export function grantBucket(grantee: iam.IGrantable, bucket: s3.IBucket, access: BucketAccess): void {
  const principal = grantee.grantPrincipal;
  if (access.read?.length) {
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: access.read.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  }
  if (access.write?.length) {
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: access.write.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  }
  if (access.delete?.length) {
    // DeleteObjects (a batch) is authorised as s3:DeleteObject on each key.
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:DeleteObject"],
        resources: access.delete.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  }
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
  );
}
