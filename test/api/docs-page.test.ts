import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiDeps } from "@myriad/functions/api/api-deps";
import { createApi } from "@myriad/functions/api/app";
import { launchBrowser, screenshotPath } from "../console/browser.ts";

const ORIGIN = "http://myriad.test";

/**
 * The `/docs` page in headless Chromium: its script reads the OpenAPI document and shows each
 * operation's parameters, request body schema and example, with no request leaving the API.
 * The API is the Hono app itself, answering the browser's requests through a route handler.
 */
describe("the /docs page", () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const requested: string[] = [];
  let operations = 0;

  beforeAll(async () => {
    browser = await launchBrowser();
    const app = createApi({} as ApiDeps);
    const doc = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    await browser.context.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      requested.push(url.href);
      if (url.origin !== ORIGIN) return route.abort();
      const res = await app.request(url.pathname + url.search, {
        method: route.request().method(),
        headers: route.request().headers(),
        body: route.request().postData() ?? undefined,
      });
      await route.fulfill({
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: Buffer.from(await res.arrayBuffer()),
      });
    });
    page = await browser.context.newPage();
    // Whatever the page's Content-Security-Policy refuses, from its first byte on.
    await page.addInitScript(() => {
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`),
      );
    });
    await page.goto(`${ORIGIN}/docs`);
    await page.locator("details.op").first().waitFor();
  });
  afterAll(() => browser?.close());

  const op = (name: string) => page.locator(`details.op[data-op="${name}"]`);

  it("lists every operation of the OpenAPI document", async () => {
    expect(await page.locator("details.op").count()).toBe(operations);
  });

  it("shows a POST route's request body schema, its example, and starts the form with it", async () => {
    const keys = op("POST /v1/keys");
    await keys.locator("summary").first().click();
    const body = keys.locator(".request-body");
    expect(await body.locator("code.field").allTextContents()).toEqual(
      expect.arrayContaining(["scope", "name"]),
    );
    expect(await body.locator("li", { hasText: "scope" }).first().textContent()).toMatch(/string\s+required/);
    const example = JSON.parse((await body.locator("pre.example").textContent()) ?? "null");
    expect(example).toMatchObject({ scope: "customer:default/7" });
    expect(JSON.parse(await keys.locator("textarea").inputValue())).toEqual(example);

    const predict = op("POST /v1/datasets/{dataset}/customers/{id}/predict");
    await predict.locator("summary").first().click();
    expect(JSON.parse((await predict.locator(".request-body pre.example").textContent()) ?? "null")).toEqual({
      horizon: 24,
      quantiles: [0.1, 0.5, 0.9],
    });
    const horizon = predict.locator(".request-body li", { hasText: "horizon" }).first();
    expect(await horizon.textContent()).toMatch(/integer\s+required\s+≥ 1, ≤ 10000/);
    // Path parameters with their examples.
    expect(await predict.locator('input[name="dataset"]').getAttribute("placeholder")).toBe("e.g. default");
    await page.screenshot({ path: screenshotPath("docs"), fullPage: true });
  });

  it("builds an example from the schema where the document gives none", async () => {
    const upload = op("POST /v1/uploads");
    await upload.locator("summary").first().click();
    const example = JSON.parse((await upload.locator(".request-body pre.example").textContent()) ?? "null");
    expect(example).toEqual({ dataset: "default", filename: "readings-2026-11.csv.gz", size: 0 });
  });

  it("shows query parameters with their types and the success response's schema", async () => {
    const runs = op("GET /v1/runs");
    await runs.locator("summary").first().click();
    const params = runs.locator("table.params tbody tr");
    expect(await params.locator("code.field").allTextContents()).toEqual([
      "limit",
      "cursor",
      "dataset",
      "status",
    ]);
    expect(await params.nth(3).textContent()).toContain('"RUNNING" | "SUCCEEDED"');
    const run = op("GET /v1/runs/{runId}");
    await run.locator("summary").first().click();
    await run.locator("details.response > summary").click();
    const duration = run.locator(".response-body li", { hasText: "durationMs" }).first();
    expect(await duration.textContent()).toMatch(/number \| null.*sum of its attempts/);
  });

  it("sends a request from the form and shows the answer, fetching nothing from elsewhere", async () => {
    const health = op("GET /health");
    await health.locator("summary").first().click();
    await health.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => health.locator("pre.result").textContent())
      .toMatch(/^200\n\{\n {2}"status": "ok"/);
    expect(requested.every((url) => url.startsWith(ORIGIN))).toBe(true);
  });

  it("works under its Content-Security-Policy, which refuses any script but its own", async () => {
    const violations = () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
    expect(await violations()).toEqual([]);
    // An injected inline script, as markup smuggled into the page would be, does not run.
    const ran = await page.evaluate(async () => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    expect(ran).toBe(false);
    expect(await violations()).toEqual(["script-src-elem inline"]);
  });
});
