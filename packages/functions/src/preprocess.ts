import type { Ports } from "@myriad/core/ports/ports";
import type { PipelineState } from "@myriad/core/pipeline/pipeline-state";
import { preprocess } from "@myriad/core/ingest/preprocess";
import { addRunCounts } from "@myriad/core/registry/runs";
import { lambda } from "./lib/lambda.ts";

/** Validates and partitions the upload into one clean series per customer. */
export async function run(input: PipelineState, ports: Ports) {
  const result = await preprocess(ports.store, input);
  await addRunCounts(ports.db, input.runId, {
    customers: result.customers,
    rows: result.rows,
    quarantined: result.reasons,
    quarantineKey: result.quarantineKey,
  });
  return result;
}

export const main = lambda("Preprocess", run);
