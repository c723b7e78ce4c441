import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "@myriad/core/dataset/keys";
import { mulberry32 } from "@myriad/core/ingest/generate";
import { RunCountsSchema } from "@myriad/core/registry/run-counts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

const DATASET = "energy";
const HORIZON = 48;
const DAYS = 28;
const START = Date.UTC(2026, 2, 2); // a Monday
const HOUR = 3_600_000;
/** Customers 0 and 1 live in the north, 2 and 3 in the south; 1 and 3 heat with electricity. */
const REGION = ["north", "north", "south", "south"];
const HEATING = [0, 6, 0, 6];

const temperature = (region: string, t: number) =>
  (region === "north" ? 4 : 14) +
  6 * Math.sin((2 * Math.PI * (t - 9)) / 24) +
  4 * Math.sin((2 * Math.PI * t) / 200);

interface Point {
  timestamp: string;
  mean: number;
  p10: number;
  p90: number;
  components?: Record<string, number>;
}
interface Forecast {
  model: { algorithm: string; version: string; drivers?: { name: string; importance?: number }[] };
  points: Point[];
  baseline?: { points: Point[] };
}

describe("drivers through the embedded stack: metadata, a related file and holidays", () => {
  let stack: TestStack;
  let runStatus: string;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    const folder = join(stack.ports.bucketDir, "raw", DATASET);
    await mkdir(join(folder, "related"), { recursive: true });
    await writeFile(
      join(folder, "_dataset.json"),
      JSON.stringify({ frequency: "H", horizon: HORIZON, holidays: "US", algorithm: "DriverRegression" }),
    );
    // Driver files first, in any order: neither starts a run.
    await writeFile(
      join(folder, "metadata.csv"),
      `customer_id,region\n${REGION.map((r, c) => `${c},${r}`).join("\n")}\n`,
    );
    const weather = ["timestamp,region,temperature"];
    for (let t = 0; t < DAYS * 24 + HORIZON; t++) {
      const ts = new Date(START + t * HOUR).toISOString();
      for (const region of ["north", "south"])
        weather.push(`${ts},${region},${temperature(region, t).toFixed(2)}`);
    }
    // One unusable row: it is quarantined, the rest is stored.
    weather.push("not-a-time,north,3");
    await writeFile(join(folder, "related", "weather.csv"), `${weather.join("\n")}\n`);
    await waitFor(async () =>
      existsSync(join(stack.ports.bucketDir, Keys.driversRelated(DATASET, "weather"))) &&
      existsSync(join(stack.ports.bucketDir, Keys.driversMetadata(DATASET)))
        ? true
        : undefined,
    );
    // Then the meter data: consumption rises as it gets colder for the heating customers.
    const random = mulberry32(7);
    const rows = ["customer_id,timestamp,consumption"];
    for (let c = 0; c < REGION.length; c++) {
      for (let t = 0; t < DAYS * 24; t++) {
        const daily = 20 + 8 * Math.sin((2 * Math.PI * (t - 7)) / 24);
        const heat = HEATING[c] * Math.max(0, 15 - temperature(REGION[c], t));
        rows.push(`${c},${new Date(START + t * HOUR).toISOString()},${(daily + heat + random()).toFixed(3)}`);
      }
    }
    await writeFile(join(folder, "meters.csv"), `${rows.join("\n")}\n`);
    const run = await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs?limit=10")).json()) as {
        runs: { dataset: string; status: string }[];
      };
      return runs.find((r) => r.dataset === DATASET && r.status !== "RUNNING");
    }, 180_000);
    runStatus = run.status;
  }, 240_000);
  afterAll(() => stack?.shutdown());

  it("stores the driver files without starting a run, and trains once on the data", async () => {
    expect(runStatus).toBe("SUCCEEDED");
    const { runs } = (await (await stack.api("/v1/runs?limit=10")).json()) as { runs: { dataset: string }[] };
    expect(runs.filter((r) => r.dataset === DATASET)).toHaveLength(1);
  });

  it("explains each forecast point with contributions that sum to its mean, naming the drivers", async () => {
    const res = await stack.api(`/v1/datasets/${DATASET}/customers/1/forecast?explain=true`);
    expect(res.status).toBe(200);
    const forecast = (await res.json()) as Forecast;
    expect(forecast.model.algorithm).toBe("DriverRegression");
    expect(forecast.points).toHaveLength(HORIZON);
    for (const p of forecast.points) {
      const sum = Object.values(p.components!).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - p.mean)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(p.mean)));
    }
    const names = forecast.model.drivers!.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(["temperature", "holiday"]));
    const importance = forecast.model.drivers!.find((d) => d.name === "temperature")!.importance!;
    expect(importance).toBeGreaterThan(1);
    // The explained points are the published ones.
    const published = (await (
      await stack.api(`/v1/datasets/${DATASET}/customers/1/forecast`)
    ).json()) as Forecast;
    for (const [k, p] of forecast.points.entries()) expect(p.mean).toBeCloseTo(published.points[k].mean, 6);
  });

  it("answers a colder what-if with more consumption for a heating customer, beside the baseline", async () => {
    const body = { related: { temperature: { add: -5 } } };
    const heating = (await (
      await stack.api(`/v1/datasets/${DATASET}/customers/1/what-if`, { method: "POST", body })
    ).json()) as Forecast;
    expect(heating.points).toHaveLength(HORIZON);
    expect(heating.baseline!.points).toHaveLength(HORIZON);
    const lift = heating.points.map((p, k) => p.mean - heating.baseline!.points[k].mean);
    // Six units per degree below 15 °C, five degrees colder: about 30 more at every hour.
    expect(lift.reduce((a, b) => a + b, 0) / HORIZON).toBeGreaterThan(15);
    // A customer with no heating barely moves.
    const flat = (await (
      await stack.api(`/v1/datasets/${DATASET}/customers/0/what-if`, { method: "POST", body })
    ).json()) as Forecast;
    const flatLift = flat.points.map((p, k) => Math.abs(p.mean - flat.baseline!.points[k].mean));
    expect(flatLift.reduce((a, b) => a + b, 0) / HORIZON).toBeLessThan(3);
  });

  it("refuses a what-if on a field the model does not have, and one customer's key another's", async () => {
    const unknown = await stack.api(`/v1/datasets/${DATASET}/customers/1/what-if`, {
      method: "POST",
      body: { related: { humidity: { add: 1 } } },
    });
    expect(unknown.status).toBe(400);
    const { key } = (await (
      await stack.api("/v1/keys", { method: "POST", body: { scope: `customer:${DATASET}/0` } })
    ).json()) as { key: string };
    const other = await stack.api(`/v1/datasets/${DATASET}/customers/1/what-if`, {
      method: "POST",
      body: { related: { temperature: { add: -5 } } },
      key,
    });
    expect(other.status).toBe(403);
    const own = await stack.api(`/v1/datasets/${DATASET}/customers/0/what-if`, {
      method: "POST",
      body: { related: { temperature: { add: -5 } } },
      key,
    });
    expect(own.status).toBe(200);
  });

  it("answers the dataset total and each region's, their means the sum of the customers'", async () => {
    type Aggregate = { groups: { key: string; customers: number; points: (Point & { p50: number })[] }[] };
    const means = await Promise.all(
      REGION.map(async (_, c) =>
        (
          (await (await stack.api(`/v1/datasets/${DATASET}/customers/${c}/forecast`)).json()) as Forecast
        ).points.map((p) => p.mean),
      ),
    );
    const total = (await (await stack.api(`/v1/datasets/${DATASET}/aggregate`)).json()) as Aggregate;
    expect(total.groups.map((g) => [g.key, g.customers])).toEqual([["all", 4]]);
    const [all] = total.groups;
    expect(all.points).toHaveLength(HORIZON);
    for (const [k, p] of all.points.entries()) {
      expect(p.mean).toBeCloseTo(
        means.reduce((s, m) => s + m[k], 0),
        6,
      );
      expect(p.p10 <= p.mean && p.mean <= p.p90).toBe(true);
    }
    const byRegion = (await (
      await stack.api(`/v1/datasets/${DATASET}/aggregate?by=region`)
    ).json()) as Aggregate;
    expect(byRegion.groups.map((g) => [g.key, g.customers])).toEqual([
      ["north", 2],
      ["south", 2],
    ]);
    expect(byRegion.groups[0].points[0].mean).toBeCloseTo(means[0][0] + means[1][0], 6);
    const unknown = await stack.api(`/v1/datasets/${DATASET}/aggregate?by=segment`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/grouping attributes are region/);
  });

  // Last: it replaces the published forecasts the tests above read.
  it("re-forecasts from the active models, without refitting, when a newer weather forecast arrives", async () => {
    const before = await Promise.all(
      ["1", "2"].map(
        async (c) =>
          (await (await stack.api(`/v1/datasets/${DATASET}/customers/${c}/forecast`)).json()) as Forecast,
      ),
    );
    // The next forecast of the weather: the north turns 5 °C colder over the horizon; the
    // south's forecast is the same as before.
    const weather = ["timestamp,region,temperature"];
    for (let t = DAYS * 24; t < DAYS * 24 + HORIZON; t++) {
      const ts = new Date(START + t * HOUR).toISOString();
      weather.push(`${ts},north,${(temperature("north", t) - 5).toFixed(2)}`);
      weather.push(`${ts},south,${temperature("south", t).toFixed(2)}`);
    }
    await writeFile(
      join(stack.ports.bucketDir, "raw", DATASET, "related", "weather.csv"),
      `${weather.join("\n")}\n`,
    );
    const run = await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs?limit=10")).json()) as {
        runs: { dataset: string; status: string; input: { key: string }; counts: Record<string, unknown> }[];
      };
      return runs.find((r) => r.input.key.endsWith("related/weather.csv") && r.status !== "RUNNING");
    }, 120_000);
    expect(run.status).toBe("SUCCEEDED");
    expect(run.counts.reforecast).toBe("related weather.csv");
    expect(RunCountsSchema.strict().safeParse(run.counts).error).toBeUndefined();
    // The north's drivers changed: its heating customer is re-forecast (the other one's model
    // may not use temperature at all, and then keeps its version). The south's did not change.
    expect(run.counts.customersReforecast).toBeGreaterThanOrEqual(1);
    expect((run.counts.customersReforecast as number) + (run.counts.customersUnchanged as number)).toBe(4);
    expect(run.counts.customersKept).toBe(0);

    const [heating, south] = await Promise.all(
      ["1", "2"].map(
        async (c) =>
          (await (await stack.api(`/v1/datasets/${DATASET}/customers/${c}/forecast`)).json()) as Forecast,
      ),
    );
    expect(heating.model.version).not.toBe(before[0].model.version);
    expect(heating.model.algorithm).toBe(before[0].model.algorithm);
    const lift = heating.points.map((p, k) => p.mean - before[0].points[k].mean);
    // Six units per degree below 15 °C: about 30 more at every hour, as the what-if said.
    expect(lift.reduce((a, b) => a + b, 0) / HORIZON).toBeGreaterThan(15);
    expect(south.model.version).toBe(before[1].model.version);
    expect(south.points.map((p) => p.mean)).toEqual(before[1].points.map((p) => p.mean));
  });
});

describe("cold start: a customer with one week of history, forecast from customers like it", () => {
  let stack: TestStack;
  const NEW = "9";

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    const folder = join(stack.ports.bucketDir, "raw", "newcomers");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "_dataset.json"), JSON.stringify({ frequency: "H", horizon: 48 }));
    // Five established customers, three in the north (working weekdays only), two in the south.
    await writeFile(
      join(folder, "metadata.csv"),
      `customer_id,region\n0,north\n1,north\n2,north\n3,south\n4,south\n${NEW},north\n`,
    );
    await waitFor(async () =>
      existsSync(join(stack.ports.bucketDir, Keys.driversMetadata("newcomers"))) ? true : undefined,
    );
    const random = mulberry32(11);
    const load = (region: string, t: number, level: number) => {
      const weekday = Math.floor(t / 24) % 7 < 5;
      const shape = region === "north" ? (weekday ? 1.5 : 0.25) : 1;
      return level * shape * (1 + 0.3 * Math.sin((2 * Math.PI * (t - 8)) / 24)) + random();
    };
    const rows = ["customer_id,timestamp,consumption"];
    for (const [c, region] of ["north", "north", "north", "south", "south"].entries()) {
      for (let t = 0; t < DAYS * 24; t++)
        rows.push(
          `${c},${new Date(START + t * HOUR).toISOString()},${load(region, t, 40 + 10 * c).toFixed(3)}`,
        );
    }
    // The newcomer's five days end on a Friday: its own history has never seen a weekend.
    for (let t = (DAYS - 5) * 24 - 24 * 2; t < DAYS * 24 - 24 * 2; t++)
      rows.push(`${NEW},${new Date(START + t * HOUR).toISOString()},${load("north", t, 100).toFixed(3)}`);
    await writeFile(join(folder, "meters.csv"), `${rows.join("\n")}\n`);
    await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs?limit=10")).json()) as {
        runs: { dataset: string; status: string }[];
      };
      return runs.find((r) => r.dataset === "newcomers" && r.status !== "RUNNING");
    }, 180_000);
  }, 240_000);
  afterAll(() => stack?.shutdown());

  it("flags the forecast coldStart with the cohort named, and forecasts its weekend from the cohort's", async () => {
    const forecast = (await (
      await stack.api(`/v1/datasets/newcomers/customers/${NEW}/forecast`)
    ).json()) as Forecast & {
      coldStart?: boolean;
      cohort?: string;
    };
    expect(forecast.coldStart).toBe(true);
    expect(forecast.cohort).toBe("region=north");
    expect(forecast.model.algorithm).toBe("ColdStart");
    expect(forecast.points).toHaveLength(48);
    // The 48 hours after a Friday are the weekend: the cohort's weekends run at a sixth of its
    // weekdays, and the newcomer's level is 100 × 1.5 on weekdays.
    const mean = forecast.points.reduce((s, p) => s + p.mean, 0) / forecast.points.length;
    expect(mean).toBeGreaterThan(15);
    expect(mean).toBeLessThan(45);
    for (const p of forecast.points) expect(p.p10 <= p.mean && p.mean <= p.p90).toBe(true);
    // Established customers keep their own models.
    const own = (await (await stack.api("/v1/datasets/newcomers/customers/0/forecast")).json()) as {
      coldStart?: boolean;
      model: { algorithm: string };
    };
    expect(own.coldStart).toBeUndefined();
    expect(own.model.algorithm).not.toBe("ColdStart");
  });
});
