import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

const START = Date.UTC(2026, 0, 5);
const HOURS = 4 * 7 * 24;
const OUTAGE = { from: 300, to: 330 };
const SPIKE = 500;

/** Four weeks of hourly readings for customers a and b; a has a 30-hour outage and a spike. */
function csv(): string {
  const random = mulberry32(3);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows = ["customer_id,timestamp,consumption"];
  for (const id of ["a", "b"]) {
    const level = 200 + 300 * random();
    for (let t = 0; t < HOURS; t++) {
      let value = level * (1 + 0.4 * Math.sin((2 * Math.PI * t) / 24) + 0.05 * gauss());
      if (id === "a" && t >= OUTAGE.from && t < OUTAGE.to) value = 0;
      if (id === "a" && t === SPIKE) value *= 4;
      rows.push(`${id},${new Date(START + t * 3_600_000).toISOString()},${value.toFixed(3)}`);
    }
  }
  return `${rows.join("\n")}\n`;
}

interface HistoryBody {
  points: { timestamp: string; value: number; anomaly?: true; score?: number }[];
}

describe("GET …/customers/{id}/history anomalies", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    await writeFile(join(stack.ports.bucketDir, "raw", "meters.csv"), csv());
    await waitFor(async () => {
      const body = (await (await stack.api("/v1/runs")).json()) as { runs: { runId: string }[] };
      return body.runs[0]?.runId;
    }, 30_000);
    await stack.idle();
  });
  afterAll(() => stack?.shutdown());

  it("marks the outage and the spike with anomaly: true and a score, and nothing else", async () => {
    const res = await stack.api(`/v1/datasets/default/customers/a/history?limit=${HOURS}`);
    expect(res.status).toBe(200);
    const { points } = (await res.json()) as HistoryBody;
    expect(points).toHaveLength(HOURS);
    const flagged = points.flatMap((p, i) => (p.anomaly ? [i] : []));
    const expected = [...Array.from({ length: OUTAGE.to - OUTAGE.from }, (_, k) => OUTAGE.from + k), SPIKE];
    expect(flagged).toEqual(expected);
    for (const i of flagged) {
      expect(points[i].anomaly).toBe(true);
      expect(points[i].score).toBeGreaterThan(5);
    }
    expect(points[OUTAGE.from]).toMatchObject({
      timestamp: new Date(START + OUTAGE.from * 3_600_000).toISOString(),
      value: 0,
    });
    // Unflagged points carry neither field.
    expect(Object.keys(points[0]).sort()).toEqual(["timestamp", "value"]);
  });

  it("flags over the whole series whatever the range asked, and none on a clean customer", async () => {
    const from = new Date(START + 320 * 3_600_000).toISOString();
    const to = new Date(START + 340 * 3_600_000).toISOString();
    const { points } = (await (
      await stack.api(`/v1/datasets/default/customers/a/history?from=${from}&to=${to}`)
    ).json()) as HistoryBody;
    expect(points).toHaveLength(20);
    expect(points.map((p) => p.anomaly === true)).toEqual(Array.from({ length: 20 }, (_, k) => k < 10));
    const clean = (await (
      await stack.api(`/v1/datasets/default/customers/b/history?limit=${HOURS}`)
    ).json()) as HistoryBody;
    expect(clean.points).toHaveLength(HOURS);
    expect(clean.points.some((p) => p.anomaly)).toBe(false);
  });

  it("documents anomaly and score in the OpenAPI schema", async () => {
    const doc = (await (await stack.api("/openapi.json", { key: null })).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.components.schemas.HistoryPoint.properties).sort()).toEqual([
      "anomaly",
      "score",
      "timestamp",
      "value",
    ]);
  });
});
