import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import type { Ports } from "@myriad/core/ports/ports";
import { formatScope, verifyApiKey } from "@myriad/core/registry/api-keys";
import { lambda } from "./lib/lambda.ts";

/**
 * HTTP API Lambda authorizer (simple responses): rejects unknown and revoked keys before the
 * API Lambda runs, and passes the key's scope on. The API applies the same scope rules again.
 */
export async function run(event: APIGatewayRequestAuthorizerEventV2, ports: Pick<Ports, "db">) {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? "";
  const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const scope = key ? await verifyApiKey(ports.db, key) : undefined;
  return scope ? { isAuthorized: true, context: { scope: formatScope(scope) } } : { isAuthorized: false };
}

export const main = lambda(undefined, ["db"], run);
