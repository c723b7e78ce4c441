import { rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "@myriad/core/dataset/keys";
import { generateRows } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

const CUSTOMERS = 10;
/** The customer whose series disappears between Preprocess and Train in the second upload. */
const BROKEN = "3";

interface Run {
  runId: string;
  dataset: string;
  status: string;
  error: string | null;
  cause: string | null;
  counts: {
    customersTrained?: number;
    customersFailed?: number;
    customersPublished?: number;
    trainFailures?: { customerId: string; error: string }[];
  };
}
interface Forecast {
  model: { version: string };
  points: { timestamp: string; p50: number }[];
}

describe("a customer whose training fails", () => {
  let stack: TestStack;
  /** A dataset whose next Train finds customer BROKEN's series gone (a fault injected at Train's start). */
  let armed: string | undefined;
  const first = new Map<string, Forecast[]>();

  const runsOf = async (dataset: string) =>
    ((await (await stack.api("/v1/runs?limit=100")).json()) as { runs: Run[] }).runs.filter(
      (r) => r.dataset === dataset,
    );
  const forecasts = (dataset: string) =>
    Promise.all(
      Array.from(
        { length: CUSTOMERS },
        async (_, c) =>
          (await (await stack.api(`/v1/datasets/${dataset}/customers/${c}/forecast`)).json()) as Forecast,
      ),
    );

  /** Uploads `days` of readings to `dataset` and returns its new run once it has ended. */
  async function upload(dataset: string, file: string, days: number): Promise<Run> {
    const known = new Set((await runsOf(dataset)).map((r) => r.runId));
    const csv = [...generateRows({ customers: CUSTOMERS, days, seed: 3, start: new Date("2026-03-01") })];
    await writeFile(join(stack.ports.bucketDir, "raw", dataset, file), csv.join(""));
    const run = await waitFor(
      async () => (await runsOf(dataset)).find((r) => !known.has(r.runId) && r.status !== "RUNNING"),
      120_000,
    );
    return (await (await stack.api(`/v1/runs/${run.runId}`)).json()) as Run;
  }

  beforeAll(async () => {
    stack = await startTestStack("pglite", (line) => {
      if (armed === undefined || !line.endsWith("  TrainShard")) return;
      rmSync(join(stack.ports.bucketDir, Keys.customerData(armed, BROKEN)));
      armed = undefined;
    });
    for (const [dataset, config] of [
      ["tolerant", undefined],
      ["strict", { toleratedFailurePercentage: 0 }],
    ] as const) {
      const folder = join(stack.ports.bucketDir, "raw", dataset);
      await mkdir(folder, { recursive: true });
      if (config) await writeFile(join(folder, "_dataset.json"), JSON.stringify(config));
      expect((await upload(dataset, "part-1.csv", 14)).status).toBe("SUCCEEDED");
      first.set(dataset, await forecasts(dataset));
    }
  }, 300_000);
  afterAll(() => stack?.shutdown());

  it("is recorded with its reason while the run succeeds for the others (10% tolerated by default)", async () => {
    armed = "tolerant";
    const run = await upload("tolerant", "part-2.csv", 21);
    expect(run.status, `${run.error}: ${run.cause}`).toBe("SUCCEEDED");
    expect(run.counts).toMatchObject({
      customersTrained: CUSTOMERS - 1,
      customersFailed: 1,
      customersPublished: CUSTOMERS - 1,
    });
    expect(run.counts.trainFailures).toEqual([
      { customerId: BROKEN, error: expect.stringContaining(Keys.customerData("tolerant", BROKEN)) },
    ]);

    // The broken customer keeps serving its previous model and forecast; the others moved on.
    const now = await forecasts("tolerant");
    const before = first.get("tolerant") ?? [];
    for (let c = 0; c < CUSTOMERS; c++) {
      if (String(c) === BROKEN) expect(now[c]).toEqual(before[c]);
      else expect(now[c].model.version, `customer ${c}`).not.toBe(before[c].model.version);
    }
  });

  it("fails the run past the dataset's toleratedFailurePercentage, leaving every forecast in place", async () => {
    armed = "strict";
    const run = await upload("strict", "part-2.csv", 21);
    expect(run.status).toBe("FAILED");
    expect(run.error).toBe("TrainingFailed");
    expect(run.cause).toMatch(/1 of 10 customers failed to train \(tolerated: 0%\)/);
    expect(await forecasts("strict")).toEqual(first.get("strict"));
  });
});
