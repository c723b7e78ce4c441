import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS } from "../support/databases.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

interface RunList {
  runs: { runId: string; status: string; input: { key: string }; counts: Record<string, unknown> }[];
}

for (const dialect of DIALECTS) {
  describe(`one upload through the whole pipeline on ${dialect}`, () => {
    let stack: TestStack;
    let runId: string;

    beforeAll(async () => {
      stack = await startTestStack(dialect);
      await stack.drop("readings.csv", { customers: 12, days: 28 });
      runId = await waitFor(async () => {
        const { runs } = (await (await stack.api("/v1/runs")).json()) as RunList;
        return runs[0]?.runId;
      }, 30_000);
      await stack.idle();
    });
    afterAll(() => stack?.shutdown());

    it("runs every state of the ASL and succeeds", async () => {
      const run = (await (await stack.api(`/v1/runs/${runId}`)).json()) as {
        status: string;
        dataset: string;
        input: { key: string };
        counts: { customers: number; customersTrained: number };
        states: { name: string; status: string; durationMs: number }[];
      };
      expect(run.status).toBe("SUCCEEDED");
      expect(run.dataset).toBe("default");
      expect(run.input.key).toBe("raw/readings.csv");
      expect(run.states.map((s) => [s.name, s.status])).toEqual([
        ["Preprocess", "SUCCEEDED"],
        ["Train", "SUCCEEDED"],
        ["Register", "SUCCEEDED"],
        ["Publish", "SUCCEEDED"],
        ["Warm", "SUCCEEDED"],
      ]);
      expect(run.states.every((s) => s.durationMs >= 0)).toBe(true);
      expect(run.counts.customers).toBe(12);
      expect(run.counts.customersTrained).toBe(12);
    });

    it("publishes 168 hourly points with ordered quantiles for each customer", async () => {
      const res = await stack.api("/v1/datasets/default/customers/7/forecast");
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        points: { timestamp: string; p10: number; p50: number; p90: number }[];
        model: { algorithm: string; version: string };
      };
      expect(body.points).toHaveLength(168);
      for (const p of body.points) {
        expect(p.p10).toBeLessThanOrEqual(p.p50);
        expect(p.p50).toBeLessThanOrEqual(p.p90);
      }
      const steps = body.points
        .slice(1)
        .map((p, i) => Date.parse(p.timestamp) - Date.parse(body.points[i].timestamp));
      expect(new Set(steps)).toEqual(new Set([3_600_000]));
      expect(body.model.algorithm).toBeTruthy();
      // The forecast starts right after the customer's history.
      const history = (await (
        await stack.api("/v1/datasets/default/customers/7/history?limit=1")
      ).json()) as { points: { timestamp: string }[] };
      expect(Date.parse(body.points[0].timestamp) - Date.parse(history.points[0].timestamp)).toBe(3_600_000);
    });

    it("answers live predictions through the model endpoint", async () => {
      const res = await stack.api("/v1/datasets/default/customers/3/predict", {
        body: { horizon: 24, quantiles: [0.05, 0.5, 0.95] },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { points: Record<string, number>[] };
      expect(body.points).toHaveLength(24);
      expect(body.points[0].p5).toBeLessThanOrEqual(body.points[0].p95);
    });

    it("starts no second run for the same bytes", async () => {
      await stack.drop("readings.csv", { customers: 12, days: 28 });
      await new Promise((r) => setTimeout(r, 1000));
      await stack.idle();
      const { runs } = (await (await stack.api("/v1/runs")).json()) as RunList;
      expect(runs).toHaveLength(1);
    });
  });
}
