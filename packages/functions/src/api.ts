import { handle } from "hono/aws-lambda";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { createApi } from "./api/app.ts";
import type { Ports } from "@myriad/core/ports/ports";

let app: Promise<ReturnType<typeof handle>> | undefined;

/** API Gateway (HTTP API) → the same Hono app the embedded stack serves. */
export async function main(event: APIGatewayProxyEventV2, context: Context) {
  app ??= import("./aws/ports.ts").then(async (m) => handle(createApi((await m.createAwsPorts()) as Ports)));
  return (await app)(event as never, context as never);
}
