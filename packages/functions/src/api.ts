import { handle } from "hono/aws-lambda";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { createApi } from "./api/app.ts";
import type { ApiDeps } from "./api/api-deps.ts";

/** The ports the API uses, built at the cold start like every other function's. */
const API_PORTS = [
  "db",
  "store",
  "endpoint",
  "uploads",
  "runner",
] as const satisfies readonly (keyof ApiDeps)[];

let app: Promise<ReturnType<typeof handle>> | undefined;

/** API Gateway (HTTP API) → the same Hono app the embedded stack serves. */
async function handler(event: APIGatewayProxyEventV2, context: Context) {
  app ??= import("./aws/ports.ts").then((m) => handle(createApi(m.createAwsPorts(API_PORTS))));
  return (await app)(event as never, context as never);
}

export const main = Object.assign(handler, { ports: API_PORTS });
