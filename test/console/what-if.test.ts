import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "@myriad/core/dataset/keys";
import { mulberry32 } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { ensureConsoleBuilt, launchBrowser, screenshotPath } from "./browser.ts";

const DATASET = "energy";
const HORIZON = 48;
const DAYS = 21;
const START = Date.UTC(2026, 2, 2); // a Monday
const HOUR = 3_600_000;
/** Customer 0 heats with gas, customer 1 with electricity: only 1 follows the temperature. */
const HEATING = [0, 6];

const temperature = (t: number) =>
  6 + 6 * Math.sin((2 * Math.PI * (t - 9)) / 24) + 4 * Math.sin((2 * Math.PI * t) / 200);

/** The customer page's components chart and what-if form, on a dataset trained with weather. */
describe("console: components and what-if", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    await ensureConsoleBuilt();
    stack = await startTestStack("pglite");
    const folder = join(stack.ports.bucketDir, "raw", DATASET);
    await mkdir(join(folder, "related"), { recursive: true });
    await writeFile(
      join(folder, "_dataset.json"),
      JSON.stringify({ frequency: "H", horizon: HORIZON, holidays: "US", algorithm: "DriverRegression" }),
    );
    await writeFile(join(folder, "metadata.csv"), "customer_id,region\n0,north\n1,north\n");
    const weather = ["timestamp,region,temperature"];
    for (let t = 0; t < DAYS * 24 + HORIZON; t++)
      weather.push(`${new Date(START + t * HOUR).toISOString()},north,${temperature(t).toFixed(2)}`);
    await writeFile(join(folder, "related", "weather.csv"), `${weather.join("\n")}\n`);
    await waitFor(async () =>
      existsSync(join(stack.ports.bucketDir, Keys.driversRelated(DATASET, "weather"))) &&
      existsSync(join(stack.ports.bucketDir, Keys.driversMetadata(DATASET)))
        ? true
        : undefined,
    );
    const random = mulberry32(7);
    const rows = ["customer_id,timestamp,consumption"];
    for (const [c, heating] of HEATING.entries()) {
      for (let t = 0; t < DAYS * 24; t++) {
        const daily = 20 + 8 * Math.sin((2 * Math.PI * (t - 7)) / 24);
        const heat = heating * Math.max(0, 15 - temperature(t));
        rows.push(`${c},${new Date(START + t * HOUR).toISOString()},${(daily + heat + random()).toFixed(3)}`);
      }
    }
    await writeFile(join(folder, "meters.csv"), `${rows.join("\n")}\n`);
    const run = await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs?limit=10")).json()) as {
        runs: { dataset: string; status: string }[];
      };
      return runs.find((r) => r.dataset === DATASET && r.status !== "RUNNING");
    }, 60_000);
    expect(run.status).toBe("SUCCEEDED");
    page = await browser.context.newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.shutdown();
  });

  it("charts the forecast's components and ranks the model's drivers", async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(/#\/runs$/);
    await page.goto(`${stack.apiUrl}/#/datasets/${DATASET}/customers/1`);
    await page.locator("#forecast-chart .uplot canvas").waitFor();

    await page.locator("#components-chart .uplot canvas").waitFor({ timeout: 20_000 });
    const legend = page.locator("#components-chart .u-legend");
    await expect.poll(() => legend.textContent()).toContain("Temperature");
    expect(await legend.textContent()).toMatch(/Trend/);
    const drivers = page.locator(".drivers-table tbody tr");
    expect(await drivers.count()).toBe(2);
    // The heating customer's temperature matters more than its holidays.
    expect(await drivers.first().getAttribute("data-driver")).toBe("temperature");
    expect(await drivers.first().locator("td.num").textContent()).toMatch(/^\d+\.\d+$/);
    expect(await page.locator('.drivers-table tr[data-driver="holiday"]').count()).toBe(1);
  });

  it("draws a colder scenario beside the baseline, and shows the API's refusal", async () => {
    const form = page.locator("form.what-if-form");
    expect(await form.getByLabel("Related field").locator("option").allTextContents()).toEqual([
      "temperature",
    ]);
    await form.getByLabel("Change").selectOption("add");
    await form.getByLabel("Value").fill("-5");
    await form.getByRole("button", { name: "Run scenario" }).click();

    const legend = page.locator("#what-if-chart .u-legend");
    await expect.poll(() => legend.textContent(), { timeout: 20_000 }).toContain("Scenario P50");
    const text = (await legend.textContent()) ?? "";
    expect(text).toContain("Baseline P50");
    expect(text).toMatch(/Scenario P90[\s\S]*Scenario P10/);
    expect(text).not.toContain("History");
    // Five degrees colder for a customer heating at six units a degree: well above the baseline.
    const caption = (await page.locator("#what-if-chart + figcaption").textContent()) ?? "";
    expect(caption).toMatch(/temperature − 5 over the whole horizon/);
    const lift = Number(/baseline, \+(\d+(\.\d+)?)/.exec(caption)?.[1]);
    expect(lift).toBeGreaterThan(15);
    await page.locator(".what-if-card").scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("what-if"), fullPage: true });

    // A field the model does not have: the form only offers real ones, so add one by hand.
    await form
      .getByLabel("Related field")
      .evaluate((select: HTMLSelectElement) => select.add(new Option("humidity", "humidity")));
    await form.getByLabel("Related field").selectOption("humidity");
    await form.getByRole("button", { name: "Run scenario" }).click();
    await expect
      .poll(() => form.locator(".notice-error").textContent())
      .toMatch(/unknown related field "humidity".*\(400 invalid_related\)/);
  });
});
