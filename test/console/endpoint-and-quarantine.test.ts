import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { ensureConsoleBuilt, launchBrowser, screenshotPath } from "./browser.ts";

interface RunSummary {
  runId: string;
  status: string;
  input: { key: string };
}

/** Rows Preprocess must reject, each for a different reason. */
const BAD_ROWS = ["1,not a time,5", "2,2026-01-06 00:00:00,-3", '3,2026-01-06 01:00:00,"lots"'];

/**
 * Two pages a fresh stack gets wrong if they only show what this tab has seen: the Endpoint
 * page (its recent past comes from the server) and a run's quarantined rows (a download).
 */
describe("console: endpoint history and quarantine download", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let startedAt: number;

  async function finishedRun(key: string): Promise<RunSummary> {
    return waitFor(async () => {
      const body = (await (await stack.api("/v1/runs")).json()) as { runs: RunSummary[] };
      return body.runs.find((r) => r.input.key === key && r.status !== "RUNNING");
    }, 60_000);
  }

  async function downloadQuarantine(): Promise<{ name: string; text: string }> {
    const link = page.locator("a.quarantine-download");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), text: await readFile(path, "utf8") };
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    await ensureConsoleBuilt();
    startedAt = Date.now();
    stack = await startTestStack("pglite");
    page = await browser.context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(/#\/runs$/);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.idle();
    await stack?.shutdown();
  });

  it("says the endpoint had no requests instead of drawing empty axes", async () => {
    await page.goto(`${stack.apiUrl}/#/endpoint`);
    await expect
      .poll(() => page.locator(".endpoint-idle").textContent())
      .toMatch(/No requests in the last 30 minutes/);
    expect(await page.locator(".chart-grid").isVisible()).toBe(false);
    expect(await page.locator(".uplot").count()).toBe(0);
    expect(await page.locator(".tile", { hasText: "Invocations" }).locator(".tile-value").textContent()).toBe(
      "0",
    );
    await page.screenshot({ path: screenshotPath("endpoint-idle"), fullPage: true });
  });

  it("links a run's quarantined rows, and the download holds them with their reasons", async () => {
    const good = [
      ...generateRows({ customers: 3, days: 14, seed: 7, start: new Date("2026-01-05T00:00:00Z") }),
    ].join("");
    await writeFile(join(stack.ports.bucketDir, "raw", "mixed.csv"), `${good}${BAD_ROWS.join("\n")}\n`);
    const run = await finishedRun("raw/mixed.csv");
    expect(run.status).toBe("SUCCEEDED");
    await stack.idle();

    await page.goto(`${stack.apiUrl}/#/runs/${run.runId}`);
    const link = page.locator("a.quarantine-download");
    await link.waitFor();
    expect(await link.textContent()).toBe("Download the 3 quarantined rows (CSV)");
    expect(await page.locator(".counts-rows").textContent()).toMatch(/Quarantined\s*3/);
    const { name, text } = await downloadQuarantine();
    expect(name).toBe(`quarantine-default-${run.runId}.csv`);
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("line,reason,row");
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual([
      "unparsable_timestamp",
      "negative_value",
      "non_numeric_value",
    ]);
    expect(text).toContain('"2,2026-01-06 00:00:00,-3"');
    await page.screenshot({ path: screenshotPath("run-quarantine"), fullPage: true });
  });

  it("links the quarantine of a run that failed because no row was valid", async () => {
    await writeFile(
      join(stack.ports.bucketDir, "raw", "all-bad.csv"),
      `customer_id,timestamp,consumption\n${BAD_ROWS.join("\n")}\n`,
    );
    const run = await finishedRun("raw/all-bad.csv");
    expect(run.status).toBe("FAILED");
    await page.goto(`${stack.apiUrl}/#/runs/${run.runId}`);
    await page.locator("a.quarantine-download").waitFor();
    const { text } = await downloadQuarantine();
    expect(text.trim().split("\n")).toHaveLength(1 + BAD_ROWS.length);
  });

  it("opens the Endpoint page on the recent past, its time axis ending now", async () => {
    const predict = await stack.api("/v1/datasets/default/customers/0/predict", { body: { horizon: 12 } });
    expect(predict.status).toBe(200);
    await stack.api("/v1/datasets/default/customers/1/predict", { body: { horizon: 12 } });
    const openedAt = Date.now();
    await page.goto(`${stack.apiUrl}/#/endpoint`);
    const hit = page.locator(".chart-grid .chart").first();
    await hit.locator(".uplot").waitFor();
    // Read at the first render: the history came from the server, not from this tab's polls.
    const from = Date.parse((await hit.getAttribute("data-x-from")) ?? "");
    const to = Date.parse((await hit.getAttribute("data-x-to")) ?? "");
    // The line starts at the stack's first reading, before this visit; the axis at that reading
    // or a minute back, the narrowest span it draws.
    const first = Date.parse((await hit.getAttribute("data-first-sample")) ?? "");
    expect(first).toBeGreaterThanOrEqual(startedAt);
    expect(first).toBeLessThan(openedAt - 3_000);
    expect(Math.abs(from - Math.min(first, to - 60_000))).toBeLessThanOrEqual(1);
    expect(to).toBeGreaterThan(openedAt - 5_000);
    expect(to).toBeLessThan(Date.now() + 5_000);
    expect(await page.locator(".chart-grid .uplot").count()).toBe(3);
    expect(await page.locator(".endpoint-idle").count()).toBe(0);
    // Later polls move the end along with the clock, never ahead of it.
    await page.waitForTimeout(2500);
    const later = Date.parse((await hit.getAttribute("data-x-to")) ?? "");
    expect(later).toBeGreaterThan(to);
    expect(later).toBeLessThan(Date.now() + 5_000);
    await page.screenshot({ path: screenshotPath("endpoint-history"), fullPage: true });
  });
});
