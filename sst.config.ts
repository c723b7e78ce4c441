import type { SSTConfig } from "sst";
import { myriadApp } from "./stacks/myriad-app.ts";
import { readMyriadConfig } from "./stacks/config.ts";

/**
 * Myriad on AWS (SST v2). `npm run deploy -- --stage <stage>`; settings come from the stage's
 * defaults in stacks/config.ts and `MYRIAD_*` variables (see docs/aws.md).
 */
export default {
  config() {
    return { name: "myriad", region: process.env.AWS_REGION ?? "us-east-1" };
  },
  stacks(app) {
    myriadApp(app, readMyriadConfig(app.stage, process.env));
  },
} satisfies SSTConfig;
