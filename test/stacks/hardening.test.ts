import { Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject } from "sst/project.js";
import { beforeAll, describe, expect, it } from "vitest";
import { readMyriadConfig } from "../../stacks/config.ts";
import { Api, Database, Inference, Pipeline, Storage } from "../../stacks/index.ts";
import { modelEndpointName } from "../../stacks/Inference.ts";
import { myriadApp } from "../../stacks/myriad-app.ts";
import { readAwsConfig } from "@myriad/functions/aws/env";
import { createAwsPorts, type PortName } from "@myriad/functions/aws/ports";

/**
 * Issue #16's AWS hardening, read from one synthesis of the app (the recipe of stacks.test.ts;
 * this file runs in its own worker, so it synthesizes its own app).
 */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, checked by the assertions
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json>; DependsOn?: string[] };
const STACKS = { Database, Storage, Inference, Pipeline, Api } as const;
type StackName = keyof typeof STACKS;

let templates: Record<StackName, Template>;

beforeAll(async () => {
  process.env.npm_config_offline = "true";
  await initProject({ stage: "test" });
  const app = new App({
    mode: "deploy",
    stage: "test",
    name: "myriad",
    region: "us-east-1",
    account: "123456789012",
  });
  myriadApp(app, readMyriadConfig("test", {}));
  templates = Object.fromEntries(
    (Object.entries(STACKS) as [StackName, Parameters<typeof getStack>[0]][]).map(([n, s]) => [
      n,
      Template.fromStack(getStack(s)),
    ]),
  ) as typeof templates;
}, 120_000);

const resources = (stack: StackName, type: string): [string, Resource][] =>
  Object.entries(templates[stack].findResources(type)) as [string, Resource][];
const only = (stack: StackName, type: string): [string, Resource] => {
  const found = resources(stack, type);
  expect(found, `${stack} ${type}`).toHaveLength(1);
  return found[0];
};
const ref = (value: Json): string => value?.Ref ?? value?.["Fn::GetAtt"]?.[0];
const secretsEndpoint = (): [string, Resource] => {
  const found = resources("Database", "AWS::EC2::VPCEndpoint").filter(([, r]) =>
    JSON.stringify(r.Properties.ServiceName).includes("secretsmanager"),
  );
  expect(found, "one Secrets Manager endpoint").toHaveLength(1);
  return found[0];
};

describe("secret rotation (defect 5)", () => {
  // "Using an AWS Secrets Manager VPC endpoint" (Secrets Manager User Guide): a rotation
  // function in a subnet without internet access reaches Secrets Manager only through an
  // interface endpoint, and the endpoint's security group must admit HTTPS from it.
  it("puts a Secrets Manager interface endpoint with private DNS in the isolated subnets", () => {
    const [, endpoint] = secretsEndpoint();
    expect(endpoint.Properties.VpcEndpointType).toBe("Interface");
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    const isolated = resources("Database", "AWS::EC2::Subnet")
      .filter(([, r]) =>
        (r.Properties.Tags as { Key: string; Value: string }[]).some(
          (t) => t.Key === "aws-cdk:subnet-type" && t.Value === "Isolated",
        ),
      )
      .map(([id]) => id);
    expect(isolated.length).toBeGreaterThan(0);
    expect((endpoint.Properties.SubnetIds as Json[]).map(ref).sort()).toEqual(isolated.sort());
  });

  it("admits HTTPS to the endpoint from the rotation function, the database clients and the proxy only", () => {
    const [endpointId, endpoint] = secretsEndpoint();
    const [endpointGroup] = (endpoint.Properties.SecurityGroupIds as Json[]).map(ref);
    const ingress = resources("Database", "AWS::EC2::SecurityGroupIngress")
      .map(([, r]) => r.Properties)
      .filter((p) => ref(p.GroupId) === endpointGroup);
    const group = templates.Database.toJSON().Resources[endpointGroup].Properties;
    expect(group.SecurityGroupIngress ?? []).toEqual([]); // not open to the VPC's CIDR
    expect(ingress.every((p) => p.FromPort === 443 && p.ToPort === 443 && p.IpProtocol === "tcp")).toBe(true);
    const sources = ingress.map((p) => ref(p.SourceSecurityGroupId));
    const rotation = templates.Database.toJSON().Resources;
    const described = (id: string) => rotation[id]?.Properties?.GroupDescription as string;
    expect(sources.map(described).sort()).toEqual(
      [
        "Myriad database secret rotation function",
        "Myriad functions that reach the database through RDS Proxy",
        expect.stringMatching(/Proxy/),
      ].sort(),
    );

    // The rotation application runs with that group, in the isolated subnets, and calls the
    // endpoint's own DNS name.
    const [, app] = only("Database", "AWS::Serverless::Application");
    const params = app.Properties.Parameters;
    expect(ref(params.vpcSecurityGroupIds)).toBe(
      sources.find((s) => described(s) === "Myriad database secret rotation function"),
    );
    expect(JSON.stringify(params.endpoint)).toContain(endpointId);
  });
});

describe("one fail-fast wiring", () => {
  // Each function's handler declares its ports; the wrapper builds them from the function's
  // environment at its cold start and fails naming what is missing. So the stacks must give
  // every function the variables of exactly those ports (tokens stand in as strings).
  it("gives every function the variables its handler's ports need, and its own service name", async () => {
    const checked: string[] = [];
    const services = new Set<string>();
    for (const stack of Object.keys(STACKS) as StackName[]) {
      for (const [, fn] of resources(stack, "AWS::Lambda::Function")) {
        const handler = /\(packages\/functions\/src\/([\w-]+)\.main\)/.exec(
          String(fn.Properties.Description),
        );
        if (!handler) continue;
        const { main } = (await import(`../../packages/functions/src/${handler[1]}.ts`)) as {
          main: { ports: readonly PortName[] };
        };
        const env = Object.fromEntries(
          Object.entries(fn.Properties.Environment.Variables as Record<string, Json>).map(([k, v]) => [
            k,
            typeof v === "string" ? v : `token-for-${k}`,
          ]),
        );
        expect(() => createAwsPorts(main.ports, readAwsConfig(env)), handler[1]).not.toThrow();
        // Without the bucket a function that declares it must not start.
        if (main.ports.includes("store"))
          expect(() => createAwsPorts(main.ports, readAwsConfig({ ...env, MYRIAD_BUCKET: "" }))).toThrow(
            /MYRIAD_BUCKET/,
          );
        services.add(env.POWERTOOLS_SERVICE_NAME);
        checked.push(handler[1]);
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        "api",
        "authorizer",
        "migrate",
        "on-upload",
        "on-run-status",
        "preprocess",
        "train",
        "register",
        "publish",
        "warm",
      ]),
    );
    expect(services.size, [...services].join(", ")).toBe(checked.length);
  });
});

describe("instance-type changes with autoscaling registered", () => {
  // "Update endpoints that use auto scaling" (SageMaker Developer Guide): an UpdateEndpoint
  // that changes a scaled variant's instance type fails until the variant is deregistered.
  // The endpoint is therefore named by its instance type: a change replaces it (a new endpoint
  // and scalable target, then the old ones deleted) rather than updating it in place.
  it("names the endpoint and its scalable target by the instance type", () => {
    const app = { logicalPrefixedName: (s: string) => `test-myriad-${s}` } as Parameters<
      typeof modelEndpointName
    >[0];
    expect(modelEndpointName(app, "ml.m5.large")).toBe("test-myriad-models-ml-m5-large");
    expect(modelEndpointName(app, "ml.c5.xlarge")).not.toBe(modelEndpointName(app, "ml.m5.large"));
    const [endpointId, endpoint] = only("Inference", "AWS::SageMaker::Endpoint");
    const [, config] = only("Inference", "AWS::SageMaker::EndpointConfig");
    const type = config.Properties.ProductionVariants[0].InstanceType as string;
    expect(endpoint.Properties.EndpointName).toBe(modelEndpointName(app, type));
    const [, target] = only("Inference", "AWS::ApplicationAutoScaling::ScalableTarget");
    expect(target.Properties.ResourceId).toBe(
      `endpoint/${endpoint.Properties.EndpointName}/variant/AllTraffic`,
    );
    expect(target.DependsOn).toContain(endpointId);
  });
});
