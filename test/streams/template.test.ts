// Issue item 7: the `streams` template in two real Chromium pages against
// `wrangler dev`. Page A goes offline (`context.setOffline(true)`) and keeps
// writing while page B writes; back online, A's queue is sent again and both
// pages end with the same, complete, duplicate-free history in the server's
// order — also after a reload, which catches up from the saved offset.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.js";
import { buildClient, devConfig, template } from "../support/template-dev.js";
import { DevServer } from "../support/wrangler-dev.js";

const site = template("streams", ["roomkit/streams"]);

let server: DevServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  await buildClient(site);
  server = await DevServer.start(devConfig(site));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openFeed(url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-status="live"]', { timeout: 30_000 });
  return { context, page };
}

const shown = (page: Page) => page.locator("#messages li").allInnerTexts();
const pending = (page: Page) => page.locator("#pending li").count();
async function say(page: Page, text: string) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

it("a page that was offline sends its queued messages once, and both pages end with the same history", async () => {
  const url = `${server!.url}/?feed=e2e-${Date.now()}`;
  const a = await openFeed(url);
  const b = await openFeed(url);
  await a.page.fill("#name", "ann");
  await b.page.fill("#name", "bob");

  await say(a.page, "hello from A");
  await expect.poll(() => shown(b.page), { timeout: 15_000 }).toEqual(["ann: hello from A"]);

  await a.context.setOffline(true);
  await a.page.waitForSelector('body[data-status="offline"]');
  for (const text of ["offline 1", "offline 2", "offline 3"]) await say(a.page, text);
  expect(await pending(a.page)).toBe(3); // queued, not sent
  await say(b.page, "meanwhile from B");
  await expect.poll(() => shown(b.page), { timeout: 15_000 }).toEqual(["ann: hello from A", "bob: meanwhile from B"]);
  await b.page.waitForTimeout(500);
  expect(await shown(b.page)).toEqual(["ann: hello from A", "bob: meanwhile from B"]); // nothing of A's leaked while offline

  await a.context.setOffline(false);
  const expected = ["ann: hello from A", "bob: meanwhile from B", "ann: offline 1", "ann: offline 2", "ann: offline 3"];
  await expect.poll(() => shown(a.page), { timeout: 30_000 }).toEqual(expected);
  await expect.poll(() => shown(b.page), { timeout: 15_000 }).toEqual(expected);
  await expect.poll(() => pending(a.page)).toBe(0);

  // The server's copy is the same, each message once.
  const feed = new URL(url).searchParams.get("feed")!;
  const stored = (await (await fetch(`${server!.url}/v1/stream/chat/${feed}?offset=-1`)).json()) as { from: string; text: string }[];
  expect(stored.map((m) => `${m.from}: ${m.text}`)).toEqual(expected);

  // A reload keeps the history and catches up from the saved offset; a later message still arrives once.
  await a.page.reload();
  await a.page.waitForSelector('body[data-status="live"]', { timeout: 30_000 });
  expect(await shown(a.page)).toEqual(expected);
  await say(b.page, "after the reload");
  await expect.poll(() => shown(a.page), { timeout: 15_000 }).toEqual([...expected, "bob: after the reload"]);
});
