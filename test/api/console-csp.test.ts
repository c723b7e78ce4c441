import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP } from "@myriad/local/console-static";
import { ensureConsoleBuilt, launchBrowser } from "../console/browser.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";

/**
 * The built console in headless Chromium under the policy the embedded server sends with it:
 * every view draws with nothing refused, so the policy allows what the console needs, and an
 * injected inline script does not run, so it allows nothing more.
 */
describe("the console under its Content-Security-Policy", () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let runId: string;

  const violations = () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

  beforeAll(async () => {
    browser = await launchBrowser();
    await ensureConsoleBuilt();
    stack = await startTestStack("pglite");
    await stack.drop("seed.csv", { customers: 3, days: 21 });
    runId = await waitFor(async () => {
      const { runs } = (await (await stack.api("/v1/runs")).json()) as { runs: { runId: string }[] };
      return runs[0]?.runId;
    }, 30_000);
    await stack.idle();
    page = await browser.context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        w.violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`),
      );
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.shutdown();
  });

  it("is served with the page", async () => {
    const res = await page.goto(`${stack.apiUrl}/`);
    expect(res?.headers()["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(res?.headers()["x-content-type-options"]).toBe("nosniff");
  });

  it("draws every view with nothing refused", async () => {
    await page.getByLabel("API key").fill(stack.adminKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
    for (const hash of [
      `#/runs/${runId}`,
      "#/datasets",
      "#/datasets/default",
      "#/datasets/default/customers",
      "#/datasets/default/customers/1",
      "#/endpoint",
      "#/upload",
    ]) {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(300);
      expect(await violations(), hash).toEqual([]);
    }
  });

  it("sizes its bars through style attributes, which the policy allows", async () => {
    await page.evaluate(() => {
      location.hash = "#/datasets/default";
    });
    await page.waitForLoadState("networkidle");
    const styled = await page.evaluate(() => {
      const probe = document.createElement("div");
      probe.setAttribute("style", "width: 37px");
      document.body.append(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      return width;
    });
    expect(styled).toBe(37);
  });

  it("refuses an injected inline script", async () => {
    const ran = await page.evaluate(async () => {
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    expect(ran).toBe(false);
    expect((await violations()).map((v) => v.split(" ")[0])).toEqual(["script-src-elem"]);
  });
});
