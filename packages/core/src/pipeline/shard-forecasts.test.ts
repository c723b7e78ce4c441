import { describe, expect, it } from "vitest";
import type { TrainResult } from "../forecasting/train-job.ts";
import { MemoryObjectStore } from "../ingest/memory-object-store.ts";
import { readShardForecasts, writeShardForecasts } from "./shard-forecasts.ts";

const request = { horizon: 2, quantiles: [0.1, 0.9] };
const points = JSON.stringify([
  { timestamp: "2026-01-01T00:00:00.000Z", mean: 1.5, p10: 1, p90: 2 },
  { timestamp: "2026-01-01T01:00:00.000Z", mean: 2.5, p10: 2, p90: 3 },
]);

function trained(customerId: string, forecast?: string): TrainResult {
  return {
    ok: true,
    customerId,
    version: "v1",
    modelKey: `models/d/${customerId}/v1.tar.gz`,
    algorithm: "Naive",
    metrics: { wape: 0, mase: 0, wql: 0, coverage: 0 } as never,
    reason: "",
    trainedPoints: 10,
    durationMs: 1,
    ...(forecast !== undefined ? { forecast } : {}),
  };
}

describe("a shard's forecasts object", () => {
  it("takes the forecasts out of the results and gives them back for the same request only", async () => {
    const store = new MemoryObjectStore();
    const failed: TrainResult = { ok: false, customerId: "c3", error: "no data" };
    // An id with the characters the line format must not take literally.
    const odd = 'c\t"2"\n';
    const results = await writeShardForecasts(store, "k", request, [
      trained("c1", points),
      trained(odd, points),
      failed,
    ]);
    expect(results).toEqual([trained("c1"), trained(odd), failed]);
    expect(await readShardForecasts(store, "k", request)).toEqual([
      { customerId: "c1", version: "v1", points },
      { customerId: odd, version: "v1", points },
    ]);
    expect(await readShardForecasts(store, "k", { ...request, horizon: 3 })).toBeUndefined();
    expect(await readShardForecasts(store, "k", { ...request, quantiles: [0.5] })).toBeUndefined();
    expect(await readShardForecasts(store, "missing", request)).toBeUndefined();
  });

  it("writes nothing for results that carry no forecast (a remote backend's)", async () => {
    const store = new MemoryObjectStore();
    expect(await writeShardForecasts(store, "k", request, [trained("c1")])).toEqual([trained("c1")]);
    expect(await store.get("k")).toBeUndefined();
  });

  it("leaves out a line cut short, so its customer is forecast from the artifact", async () => {
    const store = new MemoryObjectStore();
    await writeShardForecasts(store, "k", request, [trained("c1", points), trained("c2", points)]);
    const whole = new TextDecoder().decode(await store.get("k"));
    await store.put("k", whole.slice(0, whole.length - 20));
    expect((await readShardForecasts(store, "k", request))?.map((f) => f.customerId)).toEqual(["c1"]);
  });
});
