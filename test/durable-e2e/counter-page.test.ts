// The counter template's page (its real client bundle, served by its real
// Worker under `wrangler dev`) goes offline while another client clicks; back
// online it shows each missed count change once, in order, marked as missed.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { launchBrowser } from "../support/browser.js";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";
import { until } from "./clients.js";
import { CuttingProxy } from "./proxy.js";

const template = path.join(repoRoot, "templates/counter");
let server: DevServer;
let proxy: CuttingProxy;
let browser: Browser;

beforeAll(async () => {
  // The template's page and client bundle in a directory of our own (the template's public/ is left alone).
  const dir = mkdtempSync(path.join(tmpdir(), "roomkit-counter-"));
  const publicDir = path.join(dir, "public");
  cpSync(path.join(template, "public/index.html"), path.join(publicDir, "index.html"));
  await esbuild.build({
    entryPoints: [path.join(template, "client/index.ts")],
    outfile: path.join(publicDir, "client.js"),
    bundle: true,
    format: "esm",
    logLevel: "error",
    alias: { "roomkit/durable": path.join(repoRoot, "src/durable/index.ts") },
  });
  const toml = [
    `name = "roomkit-counter-durable"`,
    `main = ${JSON.stringify(path.join(template, "src/index.ts"))}`,
    `compatibility_date = "2026-04-01"`,
    `compatibility_flags = ["nodejs_compat"]`,
    `[alias]`,
    `"roomkit" = ${JSON.stringify(path.join(repoRoot, "src/index.ts"))}`,
    `[assets]`,
    `directory = ${JSON.stringify(publicDir)}`,
    `[[durable_objects.bindings]]`,
    `name = "MAIN"`,
    `class_name = "Main"`,
    `[[migrations]]`,
    `tag = "v1"`,
    `new_sqlite_classes = ["Main"]`,
  ].join("\n");
  writeFileSync(path.join(dir, "wrangler.toml"), toml);
  server = await DevServer.start({ cwd: dir, args: ["--config", path.join(dir, "wrangler.toml")] });
  proxy = await CuttingProxy.start(server.port);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await server?.stop();
});

it("a counter tab that was offline shows every change it missed, once, marked as missed", async () => {
  const room = `durable-${Date.now()}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`http://127.0.0.1:${proxy.port}/?room=${room}`); // page and socket both through the proxy
  await page.waitForSelector('body[data-status="connected"]', { state: "attached" });

  const clicker = new WebSocket(`ws://127.0.0.1:${server.port}/parties/main/${room}?_pk=clicker`);
  const counts: number[] = [];
  clicker.on("message", (d) => {
    const m = JSON.parse(String(d));
    if (m.count !== undefined) counts.push(m.count);
  });
  await new Promise((r) => clicker.once("open", r));
  const changes = () => page.locator("#changes li").allTextContents();

  clicker.send("increment");
  await expect.poll(changes).toEqual(["→ 1"]);

  await context.setOffline(true);
  proxy.offline = true;
  proxy.cut();
  await page.waitForSelector('body[data-status="reconnecting…"]', { state: "attached" });
  for (let i = 0; i < 3; i++) clicker.send("increment");
  await until(() => counts.at(-1) === 4, "the clicker's three increments");
  expect(await page.textContent("#count")).toBe("1");

  await context.setOffline(false);
  proxy.offline = false;
  await expect.poll(changes, { timeout: 20_000 }).toEqual(["→ 4 (while you were away)", "→ 3 (while you were away)", "→ 2 (while you were away)", "→ 1"]);
  expect(await page.textContent("#count")).toBe("4");
  clicker.terminate();
  await context.close();
});
