import { ENV } from "@myriad/functions/aws/env";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as rds from "aws-cdk-lib/aws-rds";
import { NagSuppressions } from "cdk-nag";
import { type Function as SstFunction, Script, type StackContext } from "sst/constructs";
import { myriadConfig, resourceName } from "./config.ts";
import { handlerFunction } from "./handler-function.ts";

export const DATABASE_NAME = "myriad";

/**
 * The network and the database: a VPC (public, private-with-egress for Lambdas, isolated for
 * Aurora), Aurora Serverless v2 PostgreSQL built with CDK's DatabaseCluster (SST v2's RDS
 * construct makes Serverless v1, which is retired), its generated secret in Secrets Manager
 * with rotation (through a Secrets Manager interface endpoint: the rotation function sits in the
 * isolated subnets), an RDS Proxy in front (Lambdas connect only to the proxy, with TLS), and the
 * migrations applied on every deploy by packages/functions/src/migrate.main through a Script.
 */
export function Database({ stack, app }: StackContext) {
  const config = myriadConfig(app);
  const vpc = new ec2.Vpc(stack, "Vpc", {
    maxAzs: 2,
    natGateways: config.natGateways,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [
      { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: "app", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
    // Bucket traffic from Lambdas and the SageMaker model stays off the NAT gateway.
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    flowLogs: {
      all: {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(stack, "FlowLogs", {
            retention: config.logRetentionDays as logs.RetentionDays,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        ),
        trafficType: ec2.FlowLogTrafficType.REJECT,
      },
    },
  });

  /** Every function that talks to the database runs with this group; the proxy admits it. */
  const clientSecurityGroup = new ec2.SecurityGroup(stack, "DbClients", {
    vpc,
    description: "Myriad functions that reach the database through RDS Proxy",
    allowAllOutbound: true,
  });

  const cluster = new rds.DatabaseCluster(stack, "Cluster", {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
    writer: rds.ClusterInstance.serverlessV2("writer", { publiclyAccessible: false }),
    serverlessV2MinCapacity: config.dbMinAcu,
    serverlessV2MaxCapacity: config.dbMaxAcu,
    credentials: rds.Credentials.fromGeneratedSecret("myriad_admin"),
    defaultDatabaseName: DATABASE_NAME,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    storageEncrypted: true,
    iamAuthentication: true,
    deletionProtection: config.retain,
    removalPolicy: config.retain ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    backup: { retention: Duration.days(config.retain ? 14 : 1) },
    cloudwatchLogsExports: ["postgresql"],
    cloudwatchLogsRetention: config.logRetentionDays as logs.RetentionDays,
    copyTagsToSnapshot: true,
  });
  const secret = cluster.secret!;

  // Secrets Manager inside the VPC. The rotation function runs in the cluster's isolated
  // subnets, which have no route out: without this endpoint every rotation times out reaching
  // Secrets Manager. Private DNS makes the service name resolve here for the whole VPC, so the
  // database clients and the proxy reach the secret through it too, and must be let in.
  const secretsEndpoint = vpc.addInterfaceEndpoint("SecretsManager", {
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    privateDnsEnabled: true,
    open: false,
  });
  const rotationSecurityGroup = new ec2.SecurityGroup(stack, "Rotation", {
    vpc,
    description: "Myriad database secret rotation function",
    allowAllOutbound: true,
  });
  secretsEndpoint.connections.allowDefaultPortFrom(rotationSecurityGroup, "secret rotation");
  secretsEndpoint.connections.allowDefaultPortFrom(clientSecurityGroup, "Myriad functions");
  cluster.addRotationSingleUser({
    automaticallyAfter: Duration.days(30),
    securityGroup: rotationSecurityGroup,
    endpoint: secretsEndpoint,
  });

  const proxy = cluster.addProxy("Proxy", {
    dbProxyName: resourceName(app, "db-proxy"),
    secrets: [secret],
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    requireTLS: true,
    borrowTimeout: Duration.seconds(30),
  });
  proxy.connections.allowFrom(clientSecurityGroup, ec2.Port.tcp(5432), "Myriad functions");
  // The proxy reads the rotated secret itself, from its subnets, through the same endpoint.
  for (const group of proxy.connections.securityGroups)
    secretsEndpoint.connections.allowDefaultPortFrom(group, "RDS Proxy");

  /** What every database client gets: where to connect and the right to read the secret. */
  const environment = {
    MYRIAD_DB_SECRET_ARN: secret.secretArn,
    MYRIAD_DB_HOST: proxy.endpoint,
    MYRIAD_DB_NAME: DATABASE_NAME,
  };
  const grantDatabase = (fn: SstFunction) => {
    secret.grantRead(fn);
  };

  const network = { vpc, securityGroup: clientSecurityGroup, environment, grantDatabase };
  // The first admin API key: Migrate creates it when none is active and writes it here; the
  // operator reads it once (`aws secretsmanager get-secret-value`), the database keeps its hash.
  const adminKey = new secretsmanager.Secret(stack, "AdminKey", {
    secretName: resourceName(app, "admin-key"),
    description: "Myriad admin API key, written by the Migrate function when no admin key is active",
    removalPolicy: config.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  const migrate = handlerFunction(stack, app, network, "Migrate", {
    handler: "packages/functions/src/migrate.main",
    timeout: 300,
    description: "Applies the schema migrations on deploy and creates the first admin key",
    environment: { [ENV.adminKeySecretArn]: adminKey.secretArn },
  });
  adminKey.grantWrite(migrate);
  NagSuppressions.addResourceSuppressions(adminKey, [
    {
      id: "AwsSolutions-SMG4",
      reason:
        "The secret holds a Myriad API key, not a database credential Secrets Manager can rotate: rotate it by creating a new admin key and revoking the old one (POST/DELETE /v1/keys).",
    },
  ]);
  const migrations = new Script(stack, "Migrations", { onCreate: migrate, onUpdate: migrate });
  migrations.node.addDependency(cluster, proxy);

  stack.addOutputs({
    DatabaseProxy: proxy.endpoint,
    DatabaseSecret: secret.secretArn,
    AdminKeySecret: adminKey.secretArn,
  });
  return { cluster, proxy, secret, ...network };
}

export type DatabaseOutputs = ReturnType<typeof Database>;
