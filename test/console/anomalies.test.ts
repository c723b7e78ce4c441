import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { ensureConsoleBuilt, launchBrowser, screenshotPath } from "./browser.ts";

const DATASET = "meters";
const CUSTOMERS = 4;
const DAYS = 28;
const START = Date.UTC(2026, 0, 5); // a Monday
const HOUR = 3_600_000;
/** Customer 1's meter reads zero for two days, inside the 336 readings the customer page draws. */
const OUTAGE = { customer: 1, from: 20 * 24, to: 22 * 24 };
const OUTAGE_HOURS = OUTAGE.to - OUTAGE.from;

/** Four weeks of hourly readings for four customers: a daily cycle and 5 % noise around a level. */
function csv(): string {
  const random = mulberry32(11);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows = ["customer_id,timestamp,consumption"];
  for (let c = 0; c < CUSTOMERS; c++) {
    const level = 200 + 300 * random();
    const phase = 2 * Math.PI * random();
    for (let t = 0; t < DAYS * 24; t++) {
      let value = level * (1 + 0.4 * Math.sin((2 * Math.PI * t) / 24 + phase) + 0.05 * gauss());
      if (c === OUTAGE.customer && t >= OUTAGE.from && t < OUTAGE.to) value = 0;
      rows.push(`${c},${new Date(START + t * HOUR).toISOString()},${value.toFixed(3)}`);
    }
  }
  return `${rows.join("\n")}\n`;
}

interface HistoryBody {
  points: { timestamp: string; value: number; anomaly?: true; score?: number }[];
}

/** The customer page marks the history's anomalies (rings, a shaded run, a note) from the history API. */
describe("console: anomalies in a customer's history", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  const customerPage = async (id: number) => {
    await page.goto(`${stack.apiUrl}/#/datasets/${DATASET}/customers/${id}`);
    await page.locator(".customer-page h1", { hasText: `Customer ${id}` }).waitFor();
    await page.locator("#forecast-chart .uplot canvas").waitFor();
    // The caption is written once history and forecast are in: the page has drawn what it will.
    await expect
      .poll(() => page.locator("#forecast-chart + figcaption").textContent())
      .toMatch(/History: the last 336 readings/);
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    await ensureConsoleBuilt();
    stack = await startTestStack("pglite");
    const folder = join(stack.ports.bucketDir, "raw", DATASET);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "_dataset.json"), JSON.stringify({ frequency: "H", horizon: 24 }));
    await writeFile(join(folder, "readings.csv"), csv());
    const run = await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs?limit=10")).json()) as {
        runs: { dataset: string; status: string }[];
      };
      return runs.find((r) => r.dataset === DATASET && r.status !== "RUNNING");
    }, 90_000);
    expect(run.status).toBe("SUCCEEDED");
    await stack.idle();
    page = await browser.context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(/#\/runs$/);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.idle();
    await stack?.shutdown();
  });

  it("the history API flags the outage, and only the outage", async () => {
    const history = async (id: number) =>
      (
        (await (
          await stack.api(`/v1/datasets/${DATASET}/customers/${id}/history?limit=336`)
        ).json()) as HistoryBody
      ).points;
    const outage = await history(OUTAGE.customer);
    expect(outage.filter((p) => p.anomaly)).toHaveLength(OUTAGE_HOURS);
    expect((await history(0)).some((p) => p.anomaly)).toBe(false);
  });

  it("rings each flagged reading, shades the outage as one run and notes it under the chart", async () => {
    await customerPage(OUTAGE.customer);
    const chart = page.locator("#forecast-chart");
    const rings = chart.locator(".u-over svg.anomaly-marks circle.anomaly-marker");
    await expect.poll(() => rings.count()).toBeGreaterThanOrEqual(24);
    expect(await rings.count()).toBe(OUTAGE_HOURS);
    expect(await chart.getAttribute("data-anomalies")).toBe(String(OUTAGE_HOURS));
    expect(Number(await rings.first().getAttribute("data-score"))).toBeGreaterThan(5);
    // One shaded span, under the canvas, as wide as two days of the plot.
    const spans = chart.locator(".u-under svg.anomaly-spans rect.anomaly-span");
    expect(await spans.count()).toBe(1);
    expect(await spans.first().getAttribute("data-count")).toBe(String(OUTAGE_HOURS));
    const spanBox = await spans.first().boundingBox();
    const plotBox = await chart.locator(".u-over").boundingBox();
    expect(spanBox && plotBox && spanBox.width / plotBox.width).toBeGreaterThan(0.08);
    // The rings are red on screen, not just in the DOM.
    const stroke = await rings.first().evaluate((el) => getComputedStyle(el).stroke);
    expect(stroke).toMatch(/^rgb\((2[0-9]{2}), (\d{1,2}), (\d{1,2})\)$/);

    const note = page.locator("#anomaly-note");
    expect(await note.textContent()).toBe(
      `${OUTAGE_HOURS} anomalous readings flagged in the history shown (outages, spikes, meter resets); ` +
        "a dataset with anomalies: exclude trains on their expected values instead.",
    );
    const caption = (await page.locator("#forecast-chart + figcaption").textContent()) ?? "";
    expect(caption).toContain(
      `Anomalies: ${OUTAGE_HOURS} anomalous readings ringed in red, in 1 shaded run.`,
    );

    // The legend keys the rings and, on a flagged reading, reads out its score.
    const legend = chart.locator(".u-legend");
    expect(await legend.locator("tr.anomaly-series").count()).toBe(1);
    // The cursor snaps to the nearest reading in x: hover the middle of the outage, mid-height.
    const ring = await rings.nth(OUTAGE_HOURS / 2).boundingBox();
    if (!ring || !plotBox) throw new Error("the chart has no box");
    await page.mouse.move(ring.x + ring.width / 2, plotBox.y + plotBox.height / 2);
    await expect
      .poll(() => legend.locator("tr.anomaly-series .u-value").textContent())
      .toMatch(/^anomaly, score \d+\.\d$/);
    await page.screenshot({ path: screenshotPath("customer-anomalies"), fullPage: true });

    // Switching the legend entry off takes the rings and the span away.
    await legend.locator("tr.anomaly-series th").click();
    await expect.poll(() => rings.count()).toBe(0);
    expect(await spans.count()).toBe(0);
  });

  it("shows no rings and no note for a customer without anomalies", async () => {
    await customerPage(0);
    const chart = page.locator("#forecast-chart");
    expect(await chart.getAttribute("data-anomalies")).toBe("0");
    expect(await chart.locator("circle.anomaly-marker").count()).toBe(0);
    expect(await chart.locator(".u-legend tr.anomaly-series").count()).toBe(0);
    expect(await page.locator("#anomaly-note").count()).toBe(0);
    expect(await page.locator("#forecast-chart + figcaption").textContent()).not.toContain("Anomalies");
  });
});
