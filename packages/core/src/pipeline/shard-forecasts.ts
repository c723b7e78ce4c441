import type { TrainResult } from "../forecasting/train-job.ts";
import type { ObjectStore } from "../ports/object-store.ts";

/**
 * The forecasts a training shard's trainers computed from the models they had just fitted, one
 * object per shard beside its results: Publish reads a shard's customers' forecasts in one read
 * instead of unpacking and forecasting each artifact again. Never in the results themselves,
 * which Train and Register read (20 KB of points per customer would make them gigabytes).
 */
export const shardForecastsKey = (dataset: string, runId: string, shard: number) =>
  `runs/${dataset}/${runId}/train-shards/${shard}.forecasts`;

/** The request the forecasts answer: Publish uses them only for the same one. */
export interface ForecastRequest {
  horizon: number;
  quantiles: number[];
}

/** One customer's forecast as its trainer serialised it. */
export interface ShardForecast {
  customerId: string;
  version: string;
  /** The points' JSON text, written to the database as it is. */
  points: string;
}

/**
 * Takes the forecasts out of a shard's results and writes them to the shard's object, before
 * the results (a shard whose results exist is never trained again, so its forecasts are there
 * too). Returns the results without them. Writes nothing when no result carries one (a remote
 * backend's).
 *
 * Format: a header line with the request, then one line per customer: `["<id>","<version>"]`,
 * a tab, the points' JSON. JSON text holds no raw tab or newline, so neither needs escaping.
 */
export async function writeShardForecasts(
  store: ObjectStore,
  key: string,
  request: ForecastRequest,
  results: TrainResult[],
): Promise<TrainResult[]> {
  const lines = [JSON.stringify({ horizon: request.horizon, quantiles: request.quantiles })];
  const stripped = results.map((r) => {
    if (!r.ok || r.forecast === undefined) return r;
    const { forecast, ...rest } = r;
    lines.push(`${JSON.stringify([r.customerId, r.version])}\t${forecast}`);
    return rest;
  });
  if (lines.length > 1) await store.put(key, `${lines.join("\n")}\n`, "text/plain");
  return stripped;
}

/**
 * A shard's forecasts, if its object exists and answers `request`; undefined otherwise, and
 * Publish forecasts those customers from their artifacts. A line that does not parse is left
 * out, so its customer takes that slower path too.
 */
export async function readShardForecasts(
  store: ObjectStore,
  key: string,
  request: ForecastRequest,
): Promise<ShardForecast[] | undefined> {
  const bytes = await store.get(key);
  if (!bytes) return undefined;
  const lines = new TextDecoder().decode(bytes).split("\n");
  if (!sameRequest(lines[0], request)) return undefined;
  const out: ShardForecast[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    try {
      const [customerId, version] = JSON.parse(line.slice(0, tab)) as unknown[];
      const points = line.slice(tab + 1);
      if (
        typeof customerId === "string" &&
        typeof version === "string" &&
        points.startsWith("[") &&
        points.endsWith("]")
      )
        out.push({ customerId, version, points });
    } catch {
      // Left out: its customer is forecast from the artifact.
    }
  }
  return out;
}

function sameRequest(header: string | undefined, request: ForecastRequest): boolean {
  try {
    const h = JSON.parse(header ?? "") as Partial<ForecastRequest>;
    return h.horizon === request.horizon && JSON.stringify(h.quantiles) === JSON.stringify(request.quantiles);
  } catch {
    return false;
  }
}
