import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { registerStep } from "@myriad/core/pipeline/steps/register-step";
import { lambda } from "./lib/lambda.ts";

/** Registry rows for the run's customers and model versions. */
export async function run(input: PipelineState, ports: Pick<Ports, "db" | "store">) {
  return registerStep(ports, input);
}

export const main = lambda("Register", ["db", "store"], run);
