import { rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "@myriad/core/dataset/keys";
import { generateRows } from "@myriad/core/ingest/generate";
import { PIPELINE_STATES, STATE_MACHINE } from "@myriad/core/pipeline/state-machine";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { ensureConsoleBuilt, launchBrowser, readmeScreenshot, screenshotPath } from "./browser.ts";

interface RunSummary {
  runId: string;
  status: string;
  input: { key: string };
}

/** The console in headless Chromium against the embedded stack, seeded with one generated upload. */
describe("web console", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let seedRun: RunSummary;
  /** A customer whose series the next training will find gone (a fault injected as its TrainShard starts). */
  let breakAtTrain: string | undefined;

  const runs = async () => ((await (await stack.api("/v1/runs")).json()) as { runs: RunSummary[] }).runs;

  beforeAll(async () => {
    // Browser first: without Chromium the suite fails at once with the fix in the message.
    browser = await launchBrowser();
    context = browser.context;
    await ensureConsoleBuilt();
    stack = await startTestStack("pglite", (line) => {
      if (breakAtTrain === undefined || !line.endsWith("  TrainShard")) return;
      rmSync(join(stack.ports.bucketDir, Keys.customerData("fleet", breakAtTrain)));
      breakAtTrain = undefined;
    });
    await stack.drop("seed.csv", { customers: 5, days: 21 });
    seedRun = await waitFor(async () => (await runs()).find((r) => r.status !== "RUNNING"), 30_000);
    await stack.idle();
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.idle();
    await stack?.shutdown();
  });

  it("asks for a key, then lists the run live", async () => {
    expect(seedRun.status).toBe("SUCCEEDED");
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel("API key").waitFor();
    await page.screenshot({ path: screenshotPath("key"), fullPage: true });
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(/#\/runs$/);
    const row = page.locator(`tr[data-run-id="${seedRun.runId}"]`);
    await row.waitFor();
    await expect.poll(() => row.textContent()).toMatch(/Succeeded/);
    const text = await row.textContent();
    expect(text).toContain("default");
    expect(text).toContain("seed.csv");
    expect(text).toMatch(/5 of 5/);
    expect(await page.locator(".live-dot").textContent()).toMatch(/Live · updated/);
    await page.screenshot({ path: screenshotPath("runs"), fullPage: true });
  });

  it("draws the run's state machine from the ASL, coloured by state status", async () => {
    await page.locator(`tr[data-run-id="${seedRun.runId}"] a.mono`).click();
    await page.waitForURL(new RegExp(`#/runs/${seedRun.runId}$`));
    const node = (state: string) => page.locator(`svg.state-graph g.sg-node[data-state="${state}"]`);
    await node("Warm").and(page.locator('[data-status="SUCCEEDED"]')).waitFor();
    for (const state of PIPELINE_STATES) {
      expect(await node(state).getAttribute("data-status")).toBe("SUCCEEDED");
      // The success colour reaches the drawing, not just the attribute.
      expect(
        await node(state)
          .locator("rect")
          .evaluate((r) => getComputedStyle(r).stroke),
      ).toBe("rgb(29, 122, 29)");
    }
    // Every pipeline state and End was entered along a taken edge; no Catch was taken.
    for (const state of [...PIPELINE_STATES, "End"]) {
      expect(await page.locator(`path.sg-edge.sg-taken[data-to="${state}"]`).count()).toBeGreaterThan(0);
    }
    expect(await page.locator("path.sg-edge-catch.sg-taken").count()).toBe(0);
    // Flow states record no events; the graph infers that the run passed through them.
    for (const [name, s] of Object.entries(STATE_MACHINE.States)) {
      if (s.Type === "Choice") expect(await node(name).getAttribute("data-status")).toBe("SUCCEEDED");
    }
    for (const state of PIPELINE_STATES) expect(await page.locator(`#state-${state}`).count()).toBe(1);
    expect(await page.locator("#state-Train").textContent()).toMatch(/trained\s+5/);
    expect(await page.locator(".facts").first().textContent()).toContain("Embedded runner");
    await page.screenshot({ path: screenshotPath("run"), fullPage: true });
    await readmeScreenshot(page, "run-graph", { width: 1440, height: 1000 });
  });

  it("shows a failed run's failed state, error and cause", async () => {
    const bad = "customer_id,timestamp,consumption\n1,not a time,5\n2,2026-01-01 00:00:00,-3\n";
    await writeFile(join(stack.ports.bucketDir, "raw", "bad.csv"), bad);
    const failed = await waitFor(
      async () => (await runs()).find((r) => r.input.key === "raw/bad.csv" && r.status !== "RUNNING"),
      30_000,
    );
    expect(failed.status).toBe("FAILED");
    await page.goto(`${stack.apiUrl}/#/runs/${failed.runId}`);
    const node = (state: string) => page.locator(`svg.state-graph g.sg-node[data-state="${state}"]`);
    // No Catch: the run fails in the state that failed, where a redrive resumes.
    await node("Preprocess").and(page.locator('[data-status="FAILED"]')).waitFor();
    expect(await node("Train").getAttribute("data-status")).toBe("NOT_RUN");
    expect(await page.locator("path.sg-edge-catch").count()).toBe(0);
    expect(await page.locator(".notice-error").textContent()).toMatch(/valid row/i);
    await page.screenshot({ path: screenshotPath("run-failed"), fullPage: true });
  });

  it("lists a dataset's customers with their model and accuracy", async () => {
    await page.goto(`${stack.apiUrl}/#/datasets/default/customers`);
    const rows = page.locator("tr[data-customer-id]");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(5);
    expect(await rows.first().textContent()).toMatch(/\d\.\d{3}/);
    await page.getByLabel("Search").fill("3");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute("data-customer-id")).toBe("3");
    await page.getByLabel("Search").fill("");
    await expect.poll(() => rows.count()).toBe(5);
    await page.screenshot({ path: screenshotPath("customers"), fullPage: true });
  });

  it("charts a customer's history and forecast band, and draws a live prediction", async () => {
    await page.locator('tr[data-customer-id="0"] a').click();
    await page.waitForURL(/#\/datasets\/default\/customers\/0$/);
    await page.locator("#forecast-chart .uplot canvas").waitFor();
    const legend = page.locator("#forecast-chart .u-legend");
    await expect.poll(() => legend.textContent()).toContain("Forecast P50");
    expect(await legend.textContent()).toMatch(/Forecast P90[\s\S]*Forecast P10/);
    expect(await page.locator(".chart-figure figcaption").first().textContent()).toMatch(
      /P10–P90 band shaded/,
    );
    // The Fourier regression explains itself: its trend and seasons are charted below.
    await expect.poll(() => page.locator(".chart-figure figcaption").nth(1).textContent()).toMatch(/sum to/);
    expect(await page.locator(".metrics-grid").textContent()).toMatch(/MASE\s*\d/);
    expect(await page.locator(".versions-table tbody tr").count()).toBe(1);

    await page.getByLabel("Horizon (steps)").fill("48");
    await page.getByRole("button", { name: "Predict" }).click();
    await expect
      .poll(() => page.locator(".form-status").textContent(), { timeout: 20_000 })
      .toMatch(/Predicted 48 steps/);
    await expect.poll(() => legend.textContent()).toContain("Prediction P50");
    await page.screenshot({ path: screenshotPath("customer"), fullPage: true });
    await readmeScreenshot(page, "customer");
  });

  it("charts the endpoint's cache metrics over time", async () => {
    await page.goto(`${stack.apiUrl}/#/endpoint`);
    const loaded = page.locator(".tile", { hasText: "Loaded models" }).locator(".tile-value");
    await expect.poll(() => loaded.textContent()).toMatch(/^\d+$/);
    expect(Number(await loaded.textContent())).toBeGreaterThan(0);
    expect(
      await page.locator(".tile", { hasText: "Invocations" }).locator(".tile-value").textContent(),
    ).not.toBe("—");
    expect(await page.locator(".chart-grid .uplot").count()).toBe(3);
    // A second poll gives the charts a line.
    await page.waitForTimeout(2300);
    await page.screenshot({ path: screenshotPath("endpoint"), fullPage: true });
  });

  it("uploads a dropped file and links to the run it started", async () => {
    await page.goto(`${stack.apiUrl}/#/upload`);
    const csv = [
      ...generateRows({ customers: 2, days: 14, seed: 11, start: new Date("2026-02-02T00:00:00Z") }),
    ].join("");
    await page.locator("#drop-zone").evaluate((zone, text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], "dropped readings.csv", { type: "text/csv" }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }, csv);
    const link = page.locator("a.run-link");
    await link.waitFor({ timeout: 30_000 });
    expect(await page.locator(".upload-item").textContent()).toContain("raw/default/dropped-readings.csv");
    await page.screenshot({ path: screenshotPath("upload"), fullPage: true });
    const runId = /Run (\S+) started/.exec((await link.textContent()) ?? "")?.[1];
    expect(
      (await runs()).some((r) => r.runId === runId && r.input.key === "raw/default/dropped-readings.csv"),
    ).toBe(true);

    await link.click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    await page
      .locator('svg.state-graph g.sg-node[data-state="Warm"][data-status="SUCCEEDED"]')
      .waitFor({ timeout: 30_000 });
    await page.goto(`${stack.apiUrl}/#/runs`);
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
    expect(await page.locator("tr[data-run-id]").count()).toBe(3);
  });

  it("takes a customer key straight to its customer and hides admin views", async () => {
    const created = (await (
      await stack.api("/v1/keys", { body: { scope: "customer:default/2" } })
    ).json()) as { key: string };
    const customerPage = await context.newPage();
    try {
      // A new tab has its own sessionStorage: the admin key does not carry over.
      await customerPage.goto(`${stack.apiUrl}/`);
      await customerPage.getByLabel("API key").fill(created.key);
      await customerPage.getByRole("button", { name: "Open the console" }).click();
      await customerPage.waitForURL(/#\/datasets\/default\/customers\/2$/);
      await customerPage.locator("#forecast-chart .uplot canvas").waitFor();
      const nav = await customerPage.getByRole("navigation", { name: "Main" }).textContent();
      expect(nav).not.toMatch(/Runs|Endpoint|Upload/);
      await customerPage.screenshot({ path: screenshotPath("customer-key"), fullPage: true });
      await customerPage.goto(`${stack.apiUrl}/#/runs`);
      await expect
        .poll(() => customerPage.locator(".notice-info").textContent())
        .toMatch(/needs an admin key/);
      expect(await customerPage.locator(".notice-info a").getAttribute("href")).toBe(
        "#/datasets/default/customers/2",
      );
    } finally {
      await customerPage.close();
    }
  });

  it("lists the customers that failed to train, linked to their page", async () => {
    // One customer of twelve: within the default 10% tolerated, so the run succeeds.
    breakAtTrain = "4";
    const csv = [
      ...generateRows({ seed: 9, customers: 12, days: 14, start: new Date("2026-01-05T00:00:00Z") }),
    ];
    await mkdir(join(stack.ports.bucketDir, "raw", "fleet"), { recursive: true });
    await writeFile(join(stack.ports.bucketDir, "raw", "fleet", "more.csv"), csv.join(""));
    const run = await waitFor(
      async () => (await runs()).find((r) => r.input.key === "raw/fleet/more.csv" && r.status !== "RUNNING"),
      60_000,
    );
    expect(run.status).toBe("SUCCEEDED");
    await page.goto(`${stack.apiUrl}/#/runs/${run.runId}`);
    const failures = page.locator("table.train-failures tbody tr");
    await failures.waitFor();
    expect(await failures.count()).toBe(1);
    expect(await failures.textContent()).toMatch(/^4.*no series at customers\/fleet\/4\//);
    await page.screenshot({ path: screenshotPath("run-train-failures"), fullPage: true });
    await failures.locator("a").click();
    await page.waitForURL(/#\/datasets\/fleet\/customers\/4$/);
  });
});
