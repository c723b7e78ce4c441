import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { myriad } from "./cli-process.ts";

describe("myriad datasets delete against a running stack", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    for (const dataset of ["trial", "kept"]) {
      const folder = join(stack.ports.bucketDir, "raw", dataset);
      await mkdir(folder, { recursive: true });
      const rows = generateRows({ customers: 2, days: 14, seed: 3, start: new Date("2026-01-05T00:00:00Z") });
      await writeFile(join(folder, "readings.csv"), [...rows].join(""));
    }
    await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: { status: string }[] };
      return runs.length === 2 && runs.every((r) => r.status !== "RUNNING") ? true : undefined;
    }, 120_000);
    await stack.idle();
  });
  afterAll(() => stack?.shutdown());

  it("deletes the dataset, then exits 1 with the API's 404 when asked again", async () => {
    const out = await myriad(stack, ["datasets", "delete", "trial"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("deleted dataset trial\n");
    const { datasets } = (await (await stack.api("/v1/datasets")).json()) as {
      datasets: { dataset: string }[];
    };
    expect(datasets.map((d) => d.dataset)).toEqual(["kept"]);
    const keys: string[] = [];
    for await (const o of stack.ports.store.list("customers/trial/")) keys.push(o.key);
    expect(keys).toEqual([]);

    const again = await myriad(stack, ["datasets", "delete", "trial"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^myriad: DELETE \/v1\/datasets\/trial: 404 dataset trial not found/);
  });
});
