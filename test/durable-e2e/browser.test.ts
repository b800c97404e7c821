// A Chromium page showing a durable room's feed goes offline (the browser's
// network off and its connection cut), misses broadcasts, comes back: the feed
// shows every missed message once, in order; so does a reloaded page.
import { createServer, type Server } from "node:http";
import path from "node:path";
import * as esbuild from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.js";
import { repoRoot, type DevServer } from "../support/wrangler-dev.js";
import { Sender, range } from "./clients.js";
import { startFeedServer } from "./dev.js";
import { CuttingProxy } from "./proxy.js";

let server: DevServer;
let proxy: CuttingProxy;
let browser: Browser;
let bundle: string;
let pages: Server;
let pagesUrl: string;

beforeAll(async () => {
  const built = await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, "page/feed.ts")],
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "error",
    alias: { "roomkit/durable": path.join(repoRoot, "src/durable/index.ts") },
  });
  bundle = built.outputFiles[0]!.text;
  // The page comes from a loopback origin of its own (sessionStorage needs one).
  pages = createServer((req, res) => {
    if (req.url === "/feed.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><body><ul id="feed"></ul></body>`);
  });
  await new Promise<void>((r) => pages.listen(0, "127.0.0.1", r));
  pagesUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
  server = await startFeedServer();
  proxy = await CuttingProxy.start(server.port);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => pages?.close(r));
  await proxy?.stop();
  await server?.stop();
});

it("a page that goes offline and back shows every missed message once, in order", async () => {
  const room = `browser-${Date.now()}`;
  const s = await Sender.open(server.port, "feed", room);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(pagesUrl);
  await page.evaluate((config) => ((globalThis as any).feedConfig = config), { host: `127.0.0.1:${proxy.port}`, party: "feed", room });
  await page.addScriptTag({ url: "/feed.js" });
  await page.waitForSelector("body[data-ready='1']", { state: "attached" });
  const feed = () => page.locator("#feed li").allTextContents();

  await s.burst(3, "a");
  await expect.poll(feed).toEqual(range("a", 3));

  await context.setOffline(true);
  proxy.offline = true;
  proxy.cut();
  await page.waitForSelector("body[data-status='offline']", { state: "attached" });
  await s.burst(10, "missed");
  await new Promise((r) => setTimeout(r, 1_000)); // several failed reconnects while offline
  expect(await feed()).toEqual(range("a", 3));

  await context.setOffline(false);
  proxy.offline = false;
  await page.waitForSelector("body[data-ready='2']", { state: "attached", timeout: 20_000 });
  await s.burst(2, "live");
  await expect.poll(feed, { timeout: 10_000 }).toEqual([...range("a", 3), ...range("missed", 10), ...range("live", 2)]);

  // A reload resumes too: the helper kept the offset in sessionStorage, so the new page gets what the old one never saw.
  await page.goto("about:blank");
  await s.burst(2, "while-reloading");
  await page.goto(pagesUrl);
  await page.evaluate((config) => ((globalThis as any).feedConfig = config), { host: `127.0.0.1:${proxy.port}`, party: "feed", room });
  await page.addScriptTag({ url: "/feed.js" });
  await page.waitForSelector("body[data-ready='1']", { state: "attached" });
  expect(await feed()).toEqual(range("while-reloading", 2));
  await context.close();
  s.close();
});
