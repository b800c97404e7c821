// The README's promise: `npm run dev` serves a counter that two browser tabs
// share live, persisted across restarts of the dev server. Real wrangler dev,
// real Chromium, real partysocket.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import PartySocket from "partysocket";
import WebSocket from "ws";
import { launchBrowser } from "../support/browser.js";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  server = await DevServer.start({ cwd: repoRoot });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("two tabs share a live counter that survives a dev server restart", async () => {
  const room = `e2e-${Date.now()}`;
  const context = await browser.newContext();
  const [tab1, tab2] = await Promise.all([context.newPage(), context.newPage()]);
  for (const tab of [tab1, tab2]) {
    await tab.goto(`${server.url}/?room=${room}`);
    await tab.waitForSelector('body[data-status="connected"]');
  }
  await expect.poll(() => tab1.textContent("#count")).toBe("0");
  await tab1.click("#increment");
  await tab1.click("#increment");
  await tab2.click("#increment");
  await expect.poll(() => tab2.textContent("#count")).toBe("3");
  await expect.poll(() => tab1.textContent("#count")).toBe("3");
  await expect.poll(() => tab1.textContent("#online")).toBe("2 online");
  await context.close();

  // Restart with the same state directory: the count is still there.
  const persistTo = server.persistTo;
  await server.stop();
  server = await DevServer.start({ cwd: repoRoot, persistTo, port: server.port });
  const page = await browser.newPage();
  await page.goto(`${server.url}/?room=${room}`);
  await expect.poll(() => page.textContent("#count")).toBe("3");
  await page.close();
});

it("a partysocket client from Node connects with its defaults (/parties/main/:room)", async () => {
  const socket = new PartySocket({
    host: `127.0.0.1:${server.port}`,
    room: `node-${Date.now()}`,
    WebSocket: WebSocket as never,
  });
  const first = await new Promise<string>((resolve) => socket.addEventListener("message", (e) => resolve(e.data as string), { once: true }));
  expect(JSON.parse(first)).toEqual({ count: 0, online: 1 });
  socket.send("increment");
  const next = await new Promise<string>((resolve) => socket.addEventListener("message", (e) => resolve(e.data as string), { once: true }));
  expect(JSON.parse(next)).toEqual({ count: 1 });
  socket.close();
});
