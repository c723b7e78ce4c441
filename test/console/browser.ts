import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CONSOLE_DIR = fileURLToPath(new URL("../../packages/console", import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL("../../test-results/screenshots", import.meta.url));
/** The README's pictures of the console, committed; see {@link readmeScreenshot}. */
export const README_SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, offline headless Chromium (no sandbox: CI runs as root in a container). */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Debian's Chromium in a fresh profile. A missing browser fails the suite with the fix rather
 * than skipping it: a skipped console suite would pass CI with the console untested.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` ` +
        "(or set CHROMIUM_PATH). The console tests need a real browser and do not skip.",
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "myriad-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1360, height: 900 },
    colorScheme: "light",
    reducedMotion: "reduce",
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the console when dist/ is missing or older than its sources, so the test never drives
 * a stale bundle (`npm test` builds first anyway; this covers running the file alone).
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(CONSOLE_DIR, "dist", "index.html");
  const sources = Math.max(
    newestMtime(join(CONSOLE_DIR, "src")),
    statSync(join(CONSOLE_DIR, "index.html")).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import("vite");
  await build({ root: CONSOLE_DIR, configFile: join(CONSOLE_DIR, "vite.config.ts"), logLevel: "warn" });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

/** The size of the README's pictures: the same on every machine, so an update changes pixels only. */
export const README_VIEWPORT = { width: 1440, height: 900 };

/**
 * A picture of the view the test has just checked, for the README: `docs/screenshots/<name>.png`
 * at a fixed viewport (1440 wide; taller than 900 where the view needs it), the top of the page. Written only when `MYRIAD_UPDATE_SCREENSHOTS=1`, so CI runs leave the tree clean:
 * `MYRIAD_UPDATE_SCREENSHOTS=1 npx vitest run test/console/console.test.ts` brings them up to
 * date. Returns the path written, or undefined.
 */
export async function readmeScreenshot(
  page: Page,
  name: string,
  size: { width: number; height: number } = README_VIEWPORT,
): Promise<string | undefined> {
  if (process.env.MYRIAD_UPDATE_SCREENSHOTS !== "1") return undefined;
  const before = page.viewportSize();
  await page.setViewportSize(size);
  try {
    await page.evaluate(() => window.scrollTo(0, 0));
    // Charts redraw at the new width on their next frame.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.waitForTimeout(250);
    mkdirSync(README_SCREENSHOTS, { recursive: true });
    const path = join(README_SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: false, animations: "disabled", caret: "hide" });
    return path;
  } finally {
    if (before) await page.setViewportSize(before);
  }
}
