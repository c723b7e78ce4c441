import { targetModelName } from "../../dataset/keys.ts";
import type { Db } from "../../ports/database.ts";
import type { InferenceEndpoint } from "../../ports/inference-endpoint.ts";
import type { PipelineState, WarmSummary } from "../pipeline-state.ts";

/**
 * Loads the run's new model versions into the endpoint so the first live prediction is a cache
 * hit. New versions have new names, so the old ones keep serving until they are evicted.
 * Warming is an optimisation: a model that fails to load is counted, not fatal.
 */
export async function warmStep(
  ports: { db: Db; endpoint: InferenceEndpoint },
  state: PipelineState,
  options: { limit?: number } = {},
): Promise<WarmSummary> {
  const rows = await ports.db
    .selectFrom("models")
    .select(["dataset", "customer_id", "version"])
    .where("run_id", "=", state.runId)
    .where("active", "=", true)
    .orderBy("customer_id")
    .limit(options.limit ?? 1000)
    .execute();
  const targets = rows.map((r) => targetModelName(r.dataset, r.customer_id, r.version));
  return ports.endpoint.warm(targets);
}
