import type { S3Event } from "aws-lambda";
import type { Ports } from "@myriad/core/ports/ports";
import { startRuns } from "@myriad/core/pipeline/steps/start-run";
import { lambda } from "./lib/lambda.ts";

/** S3 `ObjectCreated` under `raw/` → one pipeline run per data file (duplicates start nothing). */
export async function run(event: S3Event, ports: Pick<Ports, "db" | "runner" | "store">) {
  return { uploads: await startRuns(ports, event.Records ?? []) };
}

export const main = lambda(undefined, ["db", "runner", "store"], run);
