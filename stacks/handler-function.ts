import { RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { type App, Function as SstFunction, type Stack } from "sst/constructs";
import { myriadConfig } from "./config.ts";

/** Where a handler runs and how it reaches the database (from the Database stack). */
export interface HandlerNetwork {
  vpc: ec2.IVpc;
  securityGroup: ec2.ISecurityGroup;
  environment: Record<string, string>;
  grantDatabase: (fn: SstFunction) => void;
}

export interface HandlerProps {
  /** `packages/functions/src/<file>.main`. */
  handler: string;
  description: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string>;
}

/**
 * A Lambda handler as Myriad deploys them: Node.js 22 on arm64 (Node 20 is past end of life;
 * the code also runs on 20), ESM bundle, X-Ray active tracing, in the VPC's private subnets
 * with database access, its own log group with the stage's retention, and a description that
 * names the handler file (the stack tests match functions to handlers by it).
 */
export function handlerFunction(
  stack: Stack,
  app: App,
  network: HandlerNetwork,
  id: string,
  props: HandlerProps,
): SstFunction {
  const config = myriadConfig(app);
  const fn = new SstFunction(stack, id, {
    handler: props.handler,
    runtime: "nodejs22.x",
    architecture: "arm_64",
    description: `Myriad ${id}: ${props.description} (${props.handler})`,
    timeout: props.timeout ?? 30,
    memorySize: props.memorySize ?? 1024,
    tracing: "active",
    vpc: network.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroups: [network.securityGroup],
    logGroup: new logs.LogGroup(stack, `${id}Logs`, {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
    environment: {
      POWERTOOLS_SERVICE_NAME: `myriad-${id.toLowerCase()}`,
      POWERTOOLS_METRICS_NAMESPACE: "Myriad",
      NODE_OPTIONS: "--enable-source-maps",
      ...network.environment,
      ...props.environment,
    },
    nodejs: { format: "esm", esbuild: { external: ["pg-native"] } },
  });
  network.grantDatabase(fn);
  return fn;
}
