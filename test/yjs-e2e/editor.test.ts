// The yjs-editor template in two real Chromium pages against `wrangler dev`:
// typing in one appears in the other, remote cursors and presence show, and
// after the dev server restarts (same on-disk state) the text is still there.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.js";
import { buildClient, devConfig, template } from "../support/template-dev.js";
import { DevServer } from "../support/wrangler-dev.js";

const site = template("yjs-editor", ["roomkit/yjs"]);
let dev: { cwd: string; args: string[] };

let server: DevServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  await buildClient(site);
  dev = devConfig(site);
  server = await DevServer.start(dev);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openEditor(url: string): Promise<Page> {
  const context = await browser!.newContext(); // its own localStorage: its own name and colour
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(url);
  await page.waitForSelector('#status[data-status="connected"]', { timeout: 30_000 });
  return page;
}
/** The text in the page's CodeMirror editor (its state, without the remote cursors' name labels). */
const editorText = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { editor: { view: { state: { doc: { toString(): string } } } } }).editor.view.state.doc.toString());
const nameOf = (page: Page) => page.locator("#name").inputValue();

it("two pages edit together, see each other's cursor and presence, and the text survives a restart", async () => {
  const room = `e2e-${Date.now()}`;
  const a = await openEditor(`${server!.url}/?room=${room}`);
  const b = await openEditor(`${server!.url}/?room=${room}`);
  const [nameA, nameB] = [await nameOf(a), await nameOf(b)];

  await a.click(".cm-content");
  await a.keyboard.type("Hello from page A.");
  await expect.poll(() => editorText(b), { timeout: 15_000 }).toBe("Hello from page A.");
  await expect.poll(() => b.locator(".cm-content").innerText(), { timeout: 15_000 }).toContain("Hello from page A."); // and on screen

  await b.click(".cm-content");
  await b.keyboard.press("End");
  await b.keyboard.type(" And B.");
  await expect.poll(() => editorText(a), { timeout: 15_000 }).toBe("Hello from page A. And B.");

  // A's caret, labelled with A's name, is drawn in B's editor (and vice versa).
  await a.click(".cm-content");
  await expect.poll(() => b.locator(".cm-ySelectionCaret").count(), { timeout: 15_000 }).toBeGreaterThan(0);
  await expect.poll(() => b.locator(".cm-ySelectionInfo").allInnerTexts(), { timeout: 15_000 }).toContain(nameA);
  await expect.poll(() => a.locator(".cm-ySelectionInfo").allInnerTexts(), { timeout: 15_000 }).toContain(nameB);
  // Both are listed as present on both pages.
  for (const page of [a, b]) {
    await expect.poll(async () => (await page.locator("#presence .name").allInnerTexts()).sort(), { timeout: 15_000 }).toEqual([nameA, nameB].sort());
  }
  // A leaves: B's list and cursors forget A.
  await a.context().close();
  await expect.poll(() => b.locator("#presence .name").allInnerTexts(), { timeout: 15_000 }).toEqual([nameB]);
  await b.context().close();

  // Restart the dev server on the same on-disk state; a brand-new browser profile opens the room.
  await server!.stop();
  server = await DevServer.start({ ...dev, persistTo: server!.persistTo });
  const c = await openEditor(`${server.url}/?room=${room}`);
  await expect.poll(() => editorText(c), { timeout: 15_000 }).toBe("Hello from page A. And B.");
  await expect.poll(() => c.locator("#status").getAttribute("data-status")).toBe("connected");
  await c.context().close();
});
