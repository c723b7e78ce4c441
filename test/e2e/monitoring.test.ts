import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@myriad/core/ingest/generate";
import { RunCountsSchema } from "@myriad/core/registry/run-counts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

const DATASET = "monitored";
const HORIZON = 48;
const START = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
const CUSTOMERS = 6;
/** Customer 5's load doubles after the first upload: its forecast must come out drifted. */
const CHANGED = "5";
const OUTAGE = "2";

interface Run {
  dataset: string;
  status: string;
  input: { key: string };
  counts: Record<string, unknown>;
}

function rows(fromHour: number, toHour: number, seed: number): string {
  const random = mulberry32(seed);
  const out = ["customer_id,timestamp,consumption"];
  for (let c = 0; c < CUSTOMERS; c++) {
    for (let t = fromHour; t < toHour; t++) {
      const shift = String(c) === CHANGED && t >= 28 * 24 ? 2 : 1;
      // Customer OUTAGE's meter read zero for two days: anomalies in its history.
      const outage = String(c) === OUTAGE && t >= 10 * 24 && t < 12 * 24;
      const load = outage
        ? 0
        : shift * (30 + 5 * c) * (1 + 0.3 * Math.sin((2 * Math.PI * (t - 8)) / 24)) + random();
      out.push(`${c},${new Date(START + t * HOUR).toISOString()},${load.toFixed(3)}`);
    }
  }
  return `${out.join("\n")}\n`;
}

describe("forecast monitoring and retrain: drift — actuals score the published forecasts, only the drifted customer is reselected (PostgreSQL)", () => {
  let stack: TestStack;
  let second: Run;

  const finished = (file: string) =>
    waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs?limit=20")).json()) as { runs: Run[] };
      return runs.find((r) => r.input.key.endsWith(file) && r.status !== "RUNNING");
    }, 180_000);

  beforeAll(async () => {
    stack = await startTestStack("postgres");
    const folder = join(stack.ports.bucketDir, "raw", DATASET);
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, "_dataset.json"),
      JSON.stringify({ frequency: "H", horizon: HORIZON, retrain: "drift" }),
    );
    await writeFile(join(folder, "week-1.csv"), rows(0, 28 * 24, 1));
    expect((await finished("week-1.csv")).status).toBe("SUCCEEDED");
    // The actuals of the forecast's two days, and a little more.
    await writeFile(join(folder, "week-2.csv"), rows(28 * 24, 31 * 24, 2));
    second = await finished("week-2.csv");
  }, 420_000);
  afterAll(() => stack?.shutdown());

  it("scores every customer's previous forecast and flags only the one that changed", async () => {
    expect(second.status).toBe("SUCCEEDED");
    expect(second.counts.forecastsScored).toBe(CUSTOMERS);
    expect(second.counts.driftFlagged).toBe(1);
    // Every count the pipeline wrote is one the shared schema knows, with its type.
    expect(RunCountsSchema.strict().safeParse(second.counts).error).toBeUndefined();
    const flagged = (await (await stack.api(`/v1/datasets/${DATASET}/customers?flag=drift`)).json()) as {
      customers: { customerId: string; drift: { flagged: boolean; reason: string } }[];
    };
    expect(flagged.customers.map((c) => c.customerId)).toEqual([CHANGED]);
    expect(flagged.customers[0].drift.reason).toMatch(/realised wQL .* over 48 points is .*× the backtest's/);
  });

  it("refits the others' algorithms without reselection, and chooses again for the drifted one", async () => {
    expect(second.counts.customersTrained).toBe(CUSTOMERS);
    expect(second.counts.customersRefreshed).toBe(CUSTOMERS - 1);
    const model = async (id: string) =>
      (await (await stack.api(`/v1/datasets/${DATASET}/customers/${id}/model`)).json()) as {
        model: { algorithm: string; selection: { reason: string } };
        versions: { version: string; algorithm: string }[];
      };
    const steady = await model("0");
    expect(steady.model.selection.reason).toMatch(
      /refitted on 72 new step\(s\) without reselection \(retrain: drift; version .* \(within 2×\)\); chosen at version /,
    );
    expect(steady.model.algorithm).toBe(steady.versions[1].algorithm);
    const changed = await model(CHANGED);
    expect(changed.model.selection.reason).not.toMatch(/without reselection/);
  });

  it("answers each customer's realised accuracy per version, against its backtest", async () => {
    const steady = (await (await stack.api(`/v1/datasets/${DATASET}/customers/0/accuracy`)).json()) as {
      versions: {
        version: string;
        from: string;
        to: string;
        points: number;
        wql: number;
        backtestWql: number;
        coverage: number;
      }[];
      drift: { flagged: boolean };
    };
    expect(steady.versions).toHaveLength(1);
    const [v] = steady.versions;
    expect(v.points).toBe(HORIZON);
    expect(v.from).toBe(new Date(START + 28 * 24 * HOUR).toISOString());
    expect(v.to).toBe(new Date(START + (28 * 24 + HORIZON - 1) * HOUR).toISOString());
    expect(v.wql).toBeLessThan(2 * v.backtestWql);
    expect(steady.drift.flagged).toBe(false);
    // The scored version is the one the first upload published, not the one trained now.
    const model = (await (await stack.api(`/v1/datasets/${DATASET}/customers/0/model`)).json()) as {
      model: { version: string };
      versions: { version: string }[];
    };
    expect(model.versions.map((m) => m.version)).toContain(v.version);
    expect(model.model.version).not.toBe(v.version);

    // The scored version's forecast, reproduced from its artifact, against the active one's.
    const past = (await (
      await stack.api(`/v1/datasets/${DATASET}/customers/0/versions/${v.version}/forecast`)
    ).json()) as {
      model: { version: string; active: boolean };
      points: { timestamp: string; mean: number }[];
    };
    expect(past.model).toMatchObject({ version: v.version, active: false });
    expect(past.points.map((p) => p.timestamp)).toEqual(
      Array.from({ length: HORIZON }, (_, k) => new Date(START + (28 * 24 + k) * HOUR).toISOString()),
    );
    const published = (await (await stack.api(`/v1/datasets/${DATASET}/customers/0/forecast`)).json()) as {
      model: { version: string };
      points: { mean: number }[];
    };
    const current = (await (
      await stack.api(`/v1/datasets/${DATASET}/customers/0/versions/${published.model.version}/forecast`)
    ).json()) as { model: { active: boolean }; points: { mean: number }[] };
    expect(current.model.active).toBe(true);
    expect(current.points.map((p) => p.mean)).toEqual(published.points.map((p) => p.mean));
    expect((await stack.api(`/v1/datasets/${DATASET}/customers/0/versions/nope/forecast`)).status).toBe(404);

    const changed = (await (
      await stack.api(`/v1/datasets/${DATASET}/customers/${CHANGED}/accuracy`)
    ).json()) as { versions: { wql: number; backtestWql: number }[]; drift: { flagged: boolean } };
    expect(changed.versions[0].wql).toBeGreaterThan(2 * changed.versions[0].backtestWql);
    expect(changed.drift.flagged).toBe(true);
  });

  it("summarises the fleet: algorithm mix, wQL histograms, the worst customers, drift", async () => {
    const summary = (await (await stack.api(`/v1/datasets/${DATASET}/summary`)).json()) as {
      customers: number;
      algorithms: { algorithm: string; customers: number }[];
      backtest: { histogram: { customers: number }[]; worst: { customerId: string }[] };
      realised: { histogram: { customers: number }[]; worst: { customerId: string }[]; scored: number };
      drift: { flagged: number };
      anomalies: { customers: number; points: number };
    };
    expect(summary.customers).toBe(CUSTOMERS);
    expect(summary.algorithms.reduce((n, a) => n + a.customers, 0)).toBe(CUSTOMERS);
    expect(summary.backtest.histogram.reduce((n, b) => n + b.customers, 0)).toBe(CUSTOMERS);
    expect(summary.realised.scored).toBe(CUSTOMERS);
    expect(summary.realised.worst[0].customerId).toBe(CHANGED);
    expect(summary.drift.flagged).toBe(1);
    // The two days of zeros are counted. (The doubled customer's newest hours may count too:
    // a shift that has lasted hours reads like a spike until it has lasted longer.)
    expect(summary.anomalies.customers).toBeGreaterThanOrEqual(1);
    expect(summary.anomalies.points).toBeGreaterThanOrEqual(48);
    const flagged = async (id: string) =>
      (
        (await (await stack.api(`/v1/datasets/${DATASET}/customers/${id}/history?limit=10000`)).json()) as {
          points: { anomaly?: boolean }[];
        }
      ).points.filter((p) => p.anomaly).length;
    expect(await flagged(OUTAGE)).toBeGreaterThanOrEqual(48);
    expect(await flagged("0")).toBe(0);
    // A customer's key may not see the fleet.
    const { key } = (await (
      await stack.api("/v1/keys", { method: "POST", body: { scope: `customer:${DATASET}/0` } })
    ).json()) as { key: string };
    expect((await stack.api(`/v1/datasets/${DATASET}/summary`, { key })).status).toBe(403);
    expect((await stack.api(`/v1/datasets/${DATASET}/customers/0/accuracy`, { key })).status).toBe(200);
    expect((await stack.api(`/v1/datasets/${DATASET}/customers/1/accuracy`, { key })).status).toBe(403);
  });
});
