import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { myriad } from "../cli/cli-process.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

interface RunSummary {
  runId: string;
  status: string;
  input: { key: string };
  counts: { rows?: { quarantined: number } };
}

/** Rows Preprocess must reject, each for a different reason. */
const BAD_ROWS = ["1,not a time,5", "2,2026-01-06 00:00:00,-3", '3,2026-01-06 01:00:00,"lots"'];

/** `GET /v1/runs/{runId}/quarantine`: the rejected rows of a run's upload, as CSV, to admins only. */
describe("quarantine download", () => {
  let stack: TestStack;
  let customerKey: string;
  const runs: Record<string, RunSummary> = {};

  async function runOf(key: string): Promise<RunSummary> {
    return waitFor(async () => {
      const body = (await (await stack.api("/v1/runs")).json()) as { runs: RunSummary[] };
      return body.runs.find((r) => r.input.key === key && r.status !== "RUNNING");
    }, 60_000);
  }

  beforeAll(async () => {
    stack = await startTestStack("pglite");
    const good = [
      ...generateRows({ customers: 3, days: 14, seed: 7, start: new Date("2026-01-05T00:00:00Z") }),
    ];
    const raw = join(stack.ports.bucketDir, "raw");
    await writeFile(join(raw, "clean.csv"), good.join(""));
    runs.clean = await runOf("raw/clean.csv");
    await stack.idle();
    await writeFile(join(raw, "mixed.csv"), `${good.join("")}${BAD_ROWS.join("\n")}\n`);
    runs.mixed = await runOf("raw/mixed.csv");
    await stack.idle();
    // Every row bad: Preprocess fails before the run's counts are written, but the file exists.
    await writeFile(join(raw, "all-bad.csv"), `customer_id,timestamp,consumption\n${BAD_ROWS.join("\n")}\n`);
    runs.allBad = await runOf("raw/all-bad.csv");
    await stack.idle();
    const res = await stack.api("/v1/keys", { body: { scope: "customer:default/1" } });
    customerKey = ((await res.json()) as { key: string }).key;
  }, 120_000);
  afterAll(() => stack?.shutdown());

  it("sends the bad rows with their line and reason as a CSV attachment", async () => {
    expect(runs.mixed.status).toBe("SUCCEEDED");
    expect(runs.mixed.counts.rows?.quarantined).toBe(3);
    const res = await stack.api(`/v1/runs/${runs.mixed.runId}/quarantine`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="quarantine-default-${runs.mixed.runId}.csv"`,
    );
    const lines = (await res.text()).trim().split("\n");
    expect(lines[0]).toBe("line,reason,row");
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual([
      "unparsable_timestamp",
      "negative_value",
      "non_numeric_value",
    ]);
    expect(lines[1]).toContain('"1,not a time,5"');
  });

  it("finds the quarantine of a run that failed because every row was bad", async () => {
    expect(runs.allBad.status).toBe("FAILED");
    const res = await stack.api(`/v1/runs/${runs.allBad.runId}/quarantine`);
    expect(res.status).toBe(200);
    expect((await res.text()).trim().split("\n")).toHaveLength(1 + BAD_ROWS.length);
  });

  it("answers 404 problem+json when the run rejected no row, or does not exist", async () => {
    expect(runs.clean.status).toBe("SUCCEEDED");
    const none = await stack.api(`/v1/runs/${runs.clean.runId}/quarantine`);
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expect(((await none.json()) as { code: string }).code).toBe("no_quarantine");
    const missing = await stack.api("/v1/runs/run-does-not-exist/quarantine");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("not_found");
  });

  it("refuses a customer key (403) and no key (401)", async () => {
    const path = `/v1/runs/${runs.mixed.runId}/quarantine`;
    const customer = await stack.api(path, { key: customerKey });
    expect(customer.status).toBe(403);
    expect(customer.headers.get("content-type")).toContain("application/problem+json");
    expect((await stack.api(path, { key: null })).status).toBe(401);
  });

  it("prints to stdout with `npx myriad runs quarantine RUN_ID`, and exits 1 saying why when there is none", async () => {
    const out = await myriad(stack, ["runs", "quarantine", runs.mixed.runId]);
    expect(out.code).toBe(0);
    expect(out.stdout.trim().split("\n")).toEqual([
      "line,reason,row",
      ...BAD_ROWS.map((row) =>
        expect.stringMatching(new RegExp(`^\\d+,[a-z_]+,"${row.replace(/"/g, '""')}"$`)),
      ),
    ]);
    const none = await myriad(stack, ["runs", "quarantine", runs.clean.runId]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/404 run .* has no quarantine file/);
  });

  it("is in the OpenAPI document as text/csv", async () => {
    const doc = (await (await stack.api("/openapi.json", { key: null })).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const route = doc.paths["/v1/runs/{runId}/quarantine"]?.get;
    expect(Object.keys(route?.responses["200"].content ?? {})).toEqual(["text/csv"]);
    expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(["403", "404"]));
  });
});
