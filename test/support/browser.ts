// The one place browser tests get a browser: finds a Chromium, launches it
// through playwright-core. playwright gives each launch a fresh temporary profile.
//
// Which Chromium, first match wins (the README's "Tests" section says the same):
//   1. $CHROME_PATH, else $CHROMIUM_PATH — an explicit choice; a wrong path is an error, not a fallback;
//   2. a system Chromium or Chrome: chromium, chromium-browser, google-chrome-stable, google-chrome on PATH;
//   3. the Chromium inside the @sparticuz/chromium devDependency, which `npm install` brings: no root, no
//      system packages. It decompresses itself to /tmp (about 6 s, once per boot) on first use.
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

const SYSTEM_BROWSERS = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first system Chromium/Chrome on PATH, if any. */
function systemBrowser(): string | undefined {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const name of SYSTEM_BROWSERS) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (executable(file)) return file;
    }
  }
  return undefined;
}

let found: Promise<string> | undefined;

/**
 * The Chromium the browser tests drive, found as the header of this file says.
 *
 * @example
 * console.log(`browser tests use ${await chromiumPath()}`);
 */
export function chromiumPath(): Promise<string> {
  return (found ??= (async () => {
    const chosen = process.env.CHROME_PATH || process.env.CHROMIUM_PATH;
    if (chosen) {
      if (!executable(chosen)) throw new Error(`CHROME_PATH/CHROMIUM_PATH is ${chosen}, which is not an executable file.`);
      return chosen;
    }
    const system = systemBrowser();
    if (system) return system;
    const { default: bundled } = await import("@sparticuz/chromium");
    return bundled.executablePath();
  })());
}

/**
 * Launches headless Chromium for one test file.
 *
 * @example
 * const browser = await launchBrowser();
 * const page = await browser.newPage();
 * await page.goto(server.url);
 * await browser.close();
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}
