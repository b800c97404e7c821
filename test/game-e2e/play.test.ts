// The game template in two real Chromium pages against `wrangler dev`: both
// come in through the lobby screen, one player's movement is seen by the
// other, the scoreboard lists both, a reload keeps the seat, and the lobby
// shows the room's players.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.js";
import { DevServer } from "../support/wrangler-dev.js";
import { WORLD } from "../../templates/game/src/game.js";
import { buildClient, devConfig } from "./dev.js";

let server: DevServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  await buildClient();
  server = await DevServer.start(devConfig());
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

type Pos = { x: number; y: number };
type GameView = { me?: string; serverState?: { players: Record<string, Pos & { name: string; score: number }> }; predicted?: { players: Record<string, Pos> } };
const view = (page: Page) =>
  page.evaluate(() => {
    const g = (globalThis as unknown as { game: GameView }).game;
    return { me: g.me, server: g.serverState?.players ?? {}, predicted: g.predicted?.players ?? {} };
  });

async function openPage(): Promise<Page> {
  const context = await browser!.newContext(); // its own storage: its own name and seat key
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(server!.url);
  await page.waitForSelector("#lobby:not([hidden])");
  return page;
}

it("two players meet through the lobby and see each other move", async () => {
  const a = await openPage();
  await a.fill("#name", "Ada");
  await a.click("#new-room");
  await a.waitForSelector('#status[data-status="connected"]', { timeout: 30_000 });
  const room = new URL(a.url()).searchParams.get("room")!;

  // Bo finds Ada's room in the lobby's live list and joins it.
  const b = await openPage();
  await b.fill("#name", "Bo");
  const entry = b.locator(`#rooms li[data-room="${room}"]`);
  await expect.poll(() => entry.locator(".count").textContent(), { timeout: 15_000 }).toBe("1/8 players");
  await entry.locator("button").click();
  await b.waitForSelector('#status[data-status="connected"]', { timeout: 30_000 });

  const aId = (await view(a)).me!;
  const bId = (await view(b)).me!;
  for (const page of [a, b]) {
    await expect.poll(async () => (await page.locator("#scores .name").allTextContents()).sort(), { timeout: 15_000 }).toEqual(["Ada", "Bo"]);
  }
  const start = (await view(b)).server[aId]!;

  // Ada holds an arrow key towards the far side (she spawns at a random place and
  // walls stop her), then another, until her page has moved her: held for a fixed
  // time instead, a page starved of frames on a busy machine sends too few inputs.
  const dx = start.x < WORLD.width / 2 ? 1 : -1;
  const dy = start.y < WORLD.height / 2 ? 1 : -1;
  await a.bringToFront();
  await a.keyboard.down(dx > 0 ? "ArrowRight" : "ArrowLeft");
  await expect.poll(async () => ((await view(a)).predicted[aId]!.x - start.x) * dx, { timeout: 15_000 }).toBeGreaterThan(60);
  await a.keyboard.up(dx > 0 ? "ArrowRight" : "ArrowLeft");
  await a.keyboard.down(dy > 0 ? "ArrowDown" : "ArrowUp");
  await expect.poll(async () => ((await view(a)).predicted[aId]!.y - start.y) * dy, { timeout: 15_000 }).toBeGreaterThan(20);
  await a.keyboard.up(dy > 0 ? "ArrowDown" : "ArrowUp");

  // Ada's page moved her at once (prediction) and the room agrees once her inputs are applied...
  await expect.poll(async () => ((await view(a)).server[aId]!.x - start.x) * dx, { timeout: 15_000 }).toBeGreaterThan(40);
  await expect
    .poll(
      async () => {
        const v = await view(a);
        return v.predicted[aId]!.x === v.server[aId]!.x && v.predicted[aId]!.y === v.server[aId]!.y;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  const final = (await view(a)).server[aId]!;
  expect((final.y - start.y) * dy).toBeGreaterThan(0);
  // ...and Bo's page sees exactly where the room put her.
  await expect.poll(async () => (await view(b)).server[aId], { timeout: 15_000 }).toMatchObject({ x: final.x, y: final.y });
  expect((await view(b)).server[bId]).toBeDefined();

  // Bo reloads the tab: the seat key kept in sessionStorage gets the same seat back.
  await b.reload();
  await b.waitForSelector('#status[data-status="connected"]', { timeout: 30_000 });
  expect(await b.locator("#status").textContent()).toBe("Back in your seat");
  expect((await view(b)).me).toBe(bId);

  // A third visitor's lobby lists the room with both players.
  const c = await openPage();
  await expect.poll(() => c.locator(`#rooms li[data-room="${room}"] .count`).textContent(), { timeout: 15_000 }).toBe("2/8 players");

  // Ada leaves: Bo's scoreboard drops her, the lobby shows one player.
  await a.click("#leave");
  await expect.poll(() => b.locator("#scores .name").allTextContents(), { timeout: 15_000 }).toEqual(["Bo"]);
  await expect.poll(() => c.locator(`#rooms li[data-room="${room}"] .count`).textContent(), { timeout: 15_000 }).toBe("1/8 players");
  for (const p of [a, b, c]) await p.context().close();
});
