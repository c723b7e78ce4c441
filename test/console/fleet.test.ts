import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@myriad/core/ingest/generate";
import type { RunCounts } from "@myriad/core/registry/run-counts";
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
  versions: {
    version: string;
    from: string;
    to: string;
    points: number;
    wql: number;
    backtestWql: number;
    wape: number;
  }[];
  drift: { flagged: boolean; reason: string; version: string } | null;
}
interface Run {
  runId: string;
  input: { key: string };
  status: string;
  counts: RunCounts;
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
/** A value in a chart's legend (two decimals, one from 100 up); a dash where a line has none. */
const NUMBER = /^\d+\.\d{1,2}$/;

/**
 * The fleet page, the customer page's drift verdict, realised accuracy and past forecasts drawn
 * against their actuals, and the run page's monitoring counts, after two uploads; then a third,
 * which scores a second version to switch to.
 */
describe("console: fleet view, drift and realised accuracy", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let summary: Summary;
  /** The second upload's run: the one that scored the first forecasts and flagged the drift. */
  let scoringRun: Run;
  let folder: string;

  const get = async <T>(path: string) => (await (await stack.api(path)).json()) as T;
  const finished = (file: string) =>
    waitFor(async () => {
      const { runs } = await get<{ runs: Run[] }>("/v1/runs?limit=20");
      return runs.find((r) => r.input.key.endsWith(file) && r.status !== "RUNNING");
    }, 60_000);

  beforeAll(async () => {
    browser = await launchBrowser();
    await ensureConsoleBuilt();
    stack = await startTestStack("pglite");
    folder = join(stack.ports.bucketDir, "raw", DATASET);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "_dataset.json"), JSON.stringify({ frequency: "H", horizon: HORIZON }));
    await writeFile(join(folder, "week-1.csv"), rows(0, 28 * 24, 1));
    expect((await finished("week-1.csv")).status).toBe("SUCCEEDED");
    // The actuals of the published forecast's two days, and a little more.
    await writeFile(join(folder, "week-2.csv"), rows(28 * 24, 31 * 24, 2));
    scoringRun = await finished("week-2.csv");
    expect(scoringRun.status).toBe("SUCCEEDED");
    summary = await get<Summary>(`/v1/datasets/${DATASET}/summary`);
    expect(summary.drift.flagged).toBe(1);
    page = await browser.context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(/#\/runs$/);
  }, 120_000);

  /** The past-forecast chart, once it has drawn `version`. */
  const pastChart = async (version: string) => {
    const figure = page.locator("#past-forecast");
    await page.locator(`#past-forecast[data-state="ready"][data-version="${version}"]`).waitFor();
    return figure;
  };
  /** The chart's legend (series label → value) with the cursor at `fraction` of its width. */
  const legendAt = async (fraction: number) => {
    const over = page.locator("#past-forecast .u-over");
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    if (!box) throw new Error("the past-forecast chart has no plot area");
    await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
    return page
      .locator("#past-forecast .u-legend .u-series")
      .evaluateAll((els) =>
        Object.fromEntries(
          els.map((e) => [
            e.querySelector(".u-label")?.textContent,
            e.querySelector(".u-value")?.textContent,
          ]),
        ),
      );
  };
  const selectedVersions = () =>
    page
      .locator('.accuracy-table tr[data-selected="true"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-version")));

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

    // The scored version's forecast drawn against its actuals: the whole horizon had actuals,
    // with half a horizon of history before it; the legend names every line and band edge.
    const figure = await pastChart(v.version);
    expect(await figure.getAttribute("data-forecast-points")).toBe(String(HORIZON));
    expect(await figure.getAttribute("data-actual-points")).toBe(String(HORIZON));
    expect(await figure.getAttribute("data-context-points")).toBe(String(HORIZON / 2));
    expect(await selectedVersions()).toEqual([v.version]);
    expect(await row.locator("button.version-select").getAttribute("aria-pressed")).toBe("true");
    expect(await page.locator("#past-forecast-heading").textContent()).toContain(v.version);
    expect(await figure.locator("canvas").count()).toBeGreaterThan(0);
    // Inside the window both the forecast and the actuals have a value; before it, history only.
    const inside = await legendAt(0.8);
    expect(Object.keys(inside)).toEqual([
      "Time",
      "History",
      "Forecast P50",
      "Forecast P90",
      "Forecast P10",
      "Actuals",
    ]);
    for (const name of ["Actuals", "Forecast P50", "Forecast P10", "Forecast P90"])
      expect(inside[name]).toMatch(NUMBER);
    // The drifted customer's load doubled: its actuals run above the forecast it was given.
    expect(Number(inside.Actuals)).toBeGreaterThan(Number(inside["Forecast P50"]));
    const before = await legendAt(0.1);
    expect(before.History).toMatch(NUMBER);
    expect(before.Actuals).toBe("—");
    expect(before["Forecast P50"]).toBe("—");
    const caption = await page.locator("#past-forecast-caption").textContent();
    expect(caption).toContain(`Version ${v.version}`);
    expect(caption).toContain(`${HORIZON} actuals`);
    expect(caption).toContain("P10–P90 band");
    expect(await page.locator("#past-forecast-caption .past-wql").textContent()).toBe(
      `Realised wQL ${metric(v.wql)} against the backtest's ${metric(v.backtestWql)} (${(v.wql / v.backtestWql).toFixed(1)}×)`,
    );
    expect(await figure.getAttribute("aria-describedby")).toBe("past-forecast-caption");
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

  it("shows what the scoring run did: customers refreshed, forecasts scored and drift flagged", async () => {
    const { counts } = await get<Run>(`/v1/runs/${scoringRun.runId}`);
    expect(counts.forecastsScored).toBe(CUSTOMERS);
    expect(counts.driftFlagged).toBe(1);
    expect(counts.customersRefreshed).toBeTypeOf("number");
    await page.goto(`${stack.apiUrl}/#/runs/${scoringRun.runId}`);
    const facts = async (block: string) => {
      await page.locator(`.counts-${block} .facts`).waitFor();
      return page
        .locator(`.counts-${block} .facts > div`)
        .evaluateAll((els) =>
          Object.fromEntries(
            els.map((e) => [e.querySelector("dt")?.textContent, e.querySelector("dd")?.textContent]),
          ),
        );
    };
    expect(await facts("customers")).toMatchObject({
      "In the file": String(CUSTOMERS),
      Trained: String(counts.customersTrained),
      Refreshed: String(counts.customersRefreshed),
      Failed: "0",
    });
    expect(await facts("forecasts")).toMatchObject({
      Published: String(CUSTOMERS),
      Scored: String(CUSTOMERS),
      "Drift flagged": "1",
      ...(counts.aggregateGroups === undefined ? {} : { "Aggregate groups": String(counts.aggregateGroups) }),
    });
    expect(await page.locator(".counts-forecasts a").getAttribute("href")).toBe(
      `#/datasets/${DATASET}/customers?flag=drift`,
    );
    expect(await page.locator(".aggregates-error").count()).toBe(counts.aggregatesError ? 1 : 0);
    await page.locator(".counts").scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("run-monitoring"), fullPage: true });
  });

  // Last: the third upload changes the fleet the tests above read.
  it("draws the newest scored version by default and another on a row click or from the keyboard", async () => {
    // The actuals of the second version's horizon: now two versions are scored.
    await writeFile(join(folder, "week-3.csv"), rows(31 * 24, 34 * 24, 3));
    expect((await finished("week-3.csv")).status).toBe("SUCCEEDED");
    const accuracy = await get<Accuracy>(`/v1/datasets/${DATASET}/customers/${CHANGED}/accuracy`);
    expect(accuracy.versions.length).toBeGreaterThanOrEqual(2);
    const [newest, older] = accuracy.versions;
    expect(Date.parse(newest.from)).toBeGreaterThan(Date.parse(older.from));

    await page.goto(`${stack.apiUrl}/#/datasets/${DATASET}/customers/${CHANGED}`);
    await pastChart(newest.version);
    expect(
      await page
        .locator(".accuracy-table tbody tr")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-version"))),
    ).toEqual(accuracy.versions.map((v) => v.version));
    expect(await selectedVersions()).toEqual([newest.version]);
    const newestPoints = await page.locator("#past-forecast").getAttribute("data-actual-points");
    expect(Number(newestPoints)).toBe(HORIZON);

    // A click anywhere on the older version's row draws it instead.
    await page.locator(`.accuracy-table tr[data-version="${older.version}"] td`).first().click();
    const figure = await pastChart(older.version);
    expect(await selectedVersions()).toEqual([older.version]);
    expect(
      await page
        .locator(`.accuracy-table tr[data-version="${newest.version}"] button.version-select`)
        .getAttribute("aria-pressed"),
    ).toBe("false");
    const olderForecast = await get<{ model: { active: boolean }; points: unknown[] }>(
      `/v1/datasets/${DATASET}/customers/${CHANGED}/versions/${older.version}/forecast`,
    );
    expect(olderForecast.model.active).toBe(false);
    expect(await figure.getAttribute("data-forecast-points")).toBe(String(olderForecast.points.length));
    expect(Number(await figure.getAttribute("data-actual-points"))).toBe(HORIZON);
    expect(await page.locator("#past-forecast-caption").textContent()).toContain(`Version ${older.version}`);
    expect(await page.locator("#past-forecast-caption .past-wql").textContent()).toContain(
      `Realised wQL ${metric(older.wql)} against the backtest's ${metric(older.backtestWql)}`,
    );
    const inside = await legendAt(0.8);
    expect(inside.Actuals).toMatch(NUMBER);
    expect(inside["Forecast P50"]).toMatch(NUMBER);
    await page.screenshot({ path: screenshotPath("customer-past-forecast"), fullPage: true });

    // From the keyboard: the newest version's button.
    await page.locator(`.accuracy-table tr[data-version="${newest.version}"] button.version-select`).focus();
    await page.keyboard.press("Enter");
    await pastChart(newest.version);
    expect(await selectedVersions()).toEqual([newest.version]);
  });
});
