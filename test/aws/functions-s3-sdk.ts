import { createRequire } from "node:module";

/**
 * `@aws-sdk/client-s3` as packages/functions resolves it. The root node_modules holds an older
 * copy (SST's); aws-sdk-client-mock matches commands by class, so tests must build commands
 * from the same copy the adapters use.
 */
const requireFromFunctions = createRequire(new URL("../../packages/functions/package.json", import.meta.url));
export const S3 = requireFromFunctions(
  "@aws-sdk/client-s3",
) as typeof import("../../packages/functions/node_modules/@aws-sdk/client-s3");
