import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@myriad/core/ingest/generate";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { ensureConsoleBuilt, launchBrowser, screenshotPath } from "./browser.ts";

const DATASET = "monitored";
const HORIZON = 48;
const START = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
/** Twelve customers, so natural order (…, 9, 10, 11) differs from text order (0, 1, 10, 11, 2, …). */
const CUSTOMERS = 12;
/** Customer 5's load doubles after the first upload: its forecast comes out drifted. */
const CHANGED = "5";

interface Bin {
  from: number;
  to: number | null;
  customers: number;
}
interface Summary {
  customers: number;
  algorithms: { algorithm: string; customers: number }[];
  backtest: { histogram: Bin[]; worst: { customerId: string; wql: number }[] };
  realised: { histogram: Bin[]; worst: { customerId: string; wql: number }[]; scored: number };
  drift: { flagged: number };
}
interface Accuracy {
  versions: { version: string; points: number; wql: number; backtestWql: number; wape: number }[];
  drift: { flagged: boolean; reason: string; version: string } | null;
}

function rows(fromHour: number, toHour: number, seed: number): string {
  const random = mulberry32(seed);
  const out = ["customer_id,timestamp,consumption"];
  for (let c = 0; c < CUSTOMERS; c++) {
    for (let t = fromHour; t < toHour; t++) {
      const shift = String(c) === CHANGED && t >= 28 * 24 ? 2 : 1;
      const load = shift * (30 + 5 * c) * (1 + 0.3 * Math.sin((2 * Math.PI * (t - 8)) / 24)) + random();
      out.push(`${c},${new Date(START + t * HOUR).toISOString()},${load.toFixed(3)}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** The console's fixed-point metric: three decimals below 100. */
const metric = (n: number) => n.toFixed(3);

/** The fleet page and the customer page's drift verdict and realised accuracy, after two uploads. */
describe("console: fleet view, drift and realised accuracy", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let summary: Summary;

  const get = async <T>(path: string) => (await (await stack.api(path)).json()) as T;
  const finished = (file: string) =>
    waitFor(async () => {
      const { runs } = await get<{ runs: { input: { key: string }; status: string }[] }>("/v1/runs?limit=20");
      return runs.find((r) => r.input.key.endsWith(file) && r.status !== "RUNNING");
    }, 60_000);

  beforeAll(async () => {
    browser = await launchBrowser();
    await ensureConsoleBuilt();
    stack = await startTestStack("pglite");
    const folder = join(stack.ports.bucketDir, "raw", DATASET);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "_dataset.json"), JSON.stringify({ frequency: "H", horizon: HORIZON }));
    await writeFile(join(folder, "week-1.csv"), rows(0, 28 * 24, 1));
    expect((await finished("week-1.csv")).status).toBe("SUCCEEDED");
    // The actuals of the published forecast's two days, and a little more.
    await writeFile(join(folder, "week-2.csv"), rows(28 * 24, 31 * 24, 2));
    expect((await finished("week-2.csv")).status).toBe("SUCCEEDED");
    summary = await get<Summary>(`/v1/datasets/${DATASET}/summary`);
    expect(summary.drift.flagged).toBe(1);
    page = await browser.context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(/#\/runs$/);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.shutdown();
  });

  it("shows the fleet: counts, algorithm mix, both histograms, the worst customers and the drifted one", async () => {
    await page.goto(`${stack.apiUrl}/#/datasets`);
    await page.getByRole("link", { name: DATASET, exact: true }).click();
    await page.waitForURL(new RegExp(`#/datasets/${DATASET}$`));
    const tile = (id: string) => page.locator(`#${id} .tile-value`);
    await expect.poll(() => tile("fleet-customers").textContent()).toBe(String(CUSTOMERS));
    expect(await tile("fleet-drifted").textContent()).toBe("1");
    expect(await tile("fleet-scored").textContent()).toBe(String(CUSTOMERS));

    // The algorithm mix, as the API counts it, adding up to every customer.
    const algorithms = page.locator(".algorithms-table tbody tr");
    expect(await algorithms.count()).toBe(summary.algorithms.length);
    for (const a of summary.algorithms)
      expect(
        await page
          .locator(`.algorithms-table tr[data-algorithm="${a.algorithm}"] td.num`)
          .first()
          .textContent(),
      ).toBe(String(a.customers));

    // Each histogram bar carries its bin's count; all the customers are in some bin.
    for (const [id, bins] of [
      ["backtest-histogram", summary.backtest.histogram],
      ["realised-histogram", summary.realised.histogram],
    ] as const) {
      const bars = page.locator(`#${id} li.hist-bin`);
      expect(await bars.count()).toBe(bins.length);
      expect(
        await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-customers")))),
      ).toEqual(bins.map((b) => b.customers));
      expect(await page.locator(`#${id} .hist-count`).allTextContents()).toEqual(
        bins.map((b) => String(b.customers)),
      );
      expect(bins.reduce((n, b) => n + b.customers, 0)).toBe(CUSTOMERS);
    }
    expect(await page.locator("#backtest-histogram .hist-label").first().textContent()).toMatch(/< 0\.02$/);

    // The worst customers, in the API's order, with their wQL; the drifted customer is the worst realised.
    for (const [kind, worst] of [
      ["backtest", summary.backtest.worst],
      ["realised", summary.realised.worst],
    ] as const) {
      const rowsOf = page.locator(`table.worst-${kind} tbody tr`);
      expect(await rowsOf.evaluateAll((els) => els.map((e) => e.getAttribute("data-customer-id")))).toEqual(
        worst.map((w) => w.customerId),
      );
      expect(await rowsOf.first().locator("td.num").nth(1).textContent()).toBe(metric(worst[0].wql));
    }
    expect(summary.realised.worst[0].customerId).toBe(CHANGED);

    // The drifted customers, with why.
    const drifted = page.locator("table.drift-table tbody tr[data-customer-id]");
    await drifted.first().waitFor();
    expect(await drifted.evaluateAll((els) => els.map((e) => e.getAttribute("data-customer-id")))).toEqual([
      CHANGED,
    ]);
    expect(await drifted.locator(".drift-reason").textContent()).toMatch(
      /realised wQL .* over 48 points is .*× the backtest's/,
    );
    await page.screenshot({ path: screenshotPath("fleet"), fullPage: true });

    await page.locator(`table.worst-realised tr[data-customer-id="${CHANGED}"] a`).click();
    await page.waitForURL(new RegExp(`#/datasets/${DATASET}/customers/${CHANGED}$`));
  });

  it("flags the drifted customer with its reason, and tables each past version's realised accuracy", async () => {
    const accuracy = await get<Accuracy>(`/v1/datasets/${DATASET}/customers/${CHANGED}/accuracy`);
    expect(accuracy.drift?.flagged).toBe(true);
    const badge = page.locator(".drift-head .drift-badge");
    await expect.poll(() => badge.textContent()).toBe("Drifted");
    expect(await badge.getAttribute("data-drift")).toBe("drifted");
    expect(await page.locator(".drift-verdict").getAttribute("role")).toBe("alert");
    expect(await page.locator(".drift-verdict .drift-reason").textContent()).toBe(accuracy.drift?.reason);

    const versions = page.locator(".accuracy-table tbody tr");
    expect(await versions.count()).toBe(1);
    const [v] = accuracy.versions;
    const row = page.locator(`.accuracy-table tr[data-version="${v.version}"]`);
    expect(await row.getAttribute("class")).toBe("drifted");
    const cells = await row.locator("td").allTextContents();
    expect(cells[1]).toBe(String(HORIZON));
    expect(cells[2]).toBe(metric(v.wape));
    expect(await row.locator(".realised-wql").textContent()).toBe(metric(v.wql));
    expect(await row.locator(".backtest-wql").textContent()).toBe(metric(v.backtestWql));
    expect(Number.parseFloat(cells[6])).toBeGreaterThan(2);
    await page.locator(".accuracy-card").scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("customer-drift"), fullPage: true });

    // A steady customer: no drift, its scored version is the one the first upload published.
    await page.goto(`${stack.apiUrl}/#/datasets/${DATASET}/customers/0`);
    await expect.poll(() => page.locator(".drift-head .drift-badge").textContent()).toBe("No drift");
    const steady = await get<Accuracy>(`/v1/datasets/${DATASET}/customers/0/accuracy`);
    expect(
      await page
        .locator(".accuracy-table tbody tr")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-version"))),
    ).toEqual(steady.versions.map((s) => s.version));
    expect(await page.locator(".accuracy-table tr.drifted").count()).toBe(0);
    expect(await page.locator(".drift-verdict").getAttribute("role")).toBe("status");
  });

  it("lists customers in natural order, worst first by realised wQL, and only the drifted", async () => {
    await page.goto(`${stack.apiUrl}/#/datasets/${DATASET}/customers`);
    const ids = () =>
      page
        .locator("tr[data-customer-id]")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-customer-id")));
    await page.locator("tr[data-customer-id]").first().waitFor();
    expect(await ids()).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => String(i)));

    await page.getByLabel("Sort").selectOption("realisedWql");
    await expect.poll(ids).not.toEqual(Array.from({ length: CUSTOMERS }, (_, i) => String(i)));
    const byRealised = await get<{ customers: { customerId: string; realisedWql: number }[] }>(
      `/v1/datasets/${DATASET}/customers?sort=realisedWql`,
    );
    expect(await ids()).toEqual(byRealised.customers.map((c) => c.customerId));
    expect((await ids())[0]).toBe(CHANGED);
    const realised = byRealised.customers.map((c) => c.realisedWql);
    expect(realised).toEqual([...realised].sort((a, b) => b - a));
    expect(page.url()).toMatch(/customers\?sort=realisedWql$/);

    await page.getByLabel("Drifted only").check();
    await expect.poll(ids).toEqual([CHANGED]);
    expect(await page.locator(`tr[data-customer-id="${CHANGED}"] .drift-badge`).textContent()).toBe(
      "Drifted",
    );
    expect(page.url()).toMatch(/customers\?sort=realisedWql&flag=drift$/);
    await page.screenshot({ path: screenshotPath("customers-drifted"), fullPage: true });

    // The address opens the list the same way; the API pages a metric sort exactly and refuses nonsense.
    await page.reload();
    await expect.poll(ids).toEqual([CHANGED]);
    expect(await page.getByLabel("Sort").inputValue()).toBe("realisedWql");
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { customers: { customerId: string }[]; nextCursor: string | null } = await get(
        `/v1/datasets/${DATASET}/customers?sort=realisedWql&limit=5${cursor ? `&cursor=${cursor}` : ""}`,
      );
      paged.push(...p.customers.map((c) => c.customerId));
      cursor = p.nextCursor;
    } while (cursor);
    expect(paged).toEqual(byRealised.customers.map((c) => c.customerId));
    expect((await stack.api(`/v1/datasets/${DATASET}/customers?sort=wape`)).status).toBe(400);
    const idCursor = (await get<{ nextCursor: string }>(`/v1/datasets/${DATASET}/customers?limit=2`))
      .nextCursor;
    const wrong = await stack.api(`/v1/datasets/${DATASET}/customers?sort=backtestWql&cursor=${idCursor}`);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { code: string }).code).toBe("invalid_cursor");
  });
});
