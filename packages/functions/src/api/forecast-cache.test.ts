import { describe, expect, it } from "vitest";
import type { StoredForecast } from "@myriad/core/registry/forecasts";
import { cachedPoints, ForecastCache } from "./forecast-cache.ts";

const forecast = (version: string): StoredForecast => ({ version, algorithm: "X", points: [] });

describe("ForecastCache", () => {
  it("serves from memory until the dataset's publication generation changes", async () => {
    let generation = 1;
    let checks = 0;
    let loads = 0;
    const cache = new ForecastCache({
      checkMs: 0,
      generationOf: async () => {
        checks++;
        return generation;
      },
    });
    const load = async () => forecast(`v${++loads}`);
    expect((await cache.get("d", "1", load))?.version).toBe("v1");
    expect((await cache.get("d", "1", load))?.version).toBe("v1");
    generation = 2;
    expect((await cache.get("d", "1", load))?.version).toBe("v2");
    expect(loads).toBe(2);
    expect(checks).toBe(3);
  });

  it("checks the generation at most once per interval, for any number of reads", async () => {
    let checks = 0;
    const cache = new ForecastCache({
      checkMs: 60_000,
      generationOf: async () => {
        checks++;
        return 7;
      },
    });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => cache.get("d", String(i % 5), async () => forecast("v"))),
    );
    expect(checks).toBe(1);
  });

  it("remembers that a customer has no forecast, and forgets everything on clear", async () => {
    let loads = 0;
    const cache = new ForecastCache({ checkMs: 60_000, generationOf: async () => 1 });
    const none = async () => {
      loads++;
      return undefined;
    };
    expect(await cache.get("d", "9", none)).toBeUndefined();
    expect(await cache.get("d", "9", none)).toBeUndefined();
    expect(loads).toBe(1);
    cache.clear();
    await cache.get("d", "9", none);
    expect(loads).toBe(2);
  });

  it("keeps the whole-forecast response as text, from which the points parse back", async () => {
    const cache = new ForecastCache({ checkMs: 60_000, generationOf: async () => 1 });
    const points = [
      { timestamp: "2026-01-01T00:00:00.000Z", mean: 1.5, p10: 1, p50: 1.5, p90: 2 },
      { timestamp: "2026-01-01T01:00:00.000Z", mean: 2.25, p10: 2, p50: 2.25, p90: 3 },
    ];
    const cached = await cache.get("d", "c1", async () => ({ version: "v1", algorithm: "TOWT", points }));
    expect(cached).toMatchObject({ version: "v1", algorithm: "TOWT", length: 2 });
    expect(JSON.parse(cached!.body)).toEqual({
      dataset: "d",
      customerId: "c1",
      model: { algorithm: "TOWT", version: "v1" },
      points,
    });
    expect(cachedPoints(cached!)).toEqual(points);
  });
});
