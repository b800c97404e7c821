// The real clock: the loop runs on setInterval inside the Durable Object while
// a player is connected, and stops (no timer left) when none is.
import { runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { GAME_STORAGE_KEY } from "../../src/game/index.js";
import { Client } from "./helpers/client.js";
import { advance, newRoom, received, runAlarmLater, stats, stub } from "./helpers/room.js";

it("ticks on its own while a player is connected and stops when the last one leaves", async () => {
  const room = newRoom();
  const a = await Client.join("realtime", room, "a");
  expect(a.welcome).toMatchObject({ tickRate: 30, patchRate: 15 });
  for (let i = 0; i < 6; i++) a.input({ action: "move", dx: 1, dy: 0 });
  // Six inputs, one per tick: 6 × 100 px/s × 1/30 s ≈ 20 px (the fixture rounds to 1/1000 px), delivered by patches.
  await a.until((c) => c.ack === 6 && Math.abs(c.state.players[a.id].x - 20) < 0.01, 10_000);
  await expect.poll(async () => (await stats("realtime", room)).tick, { timeout: 10_000 }).toBeGreaterThan(10);
  expect((await stats("realtime", room)).running).toBe(true);
  await a.leaveSocket();
  await expect.poll(async () => (await stats("realtime", room)).running).toBe(false);
  const stopped = (await stats("realtime", room)).tick;
  await new Promise((r) => setTimeout(r, 200));
  expect((await stats("realtime", room)).tick).toBe(stopped); // nothing runs in an empty room
});

it("saves every saveEveryMs while running, through roomkit's persisted timers", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  a.input({ action: "move", dx: 1, dy: 1 });
  await received("arena", room, a.id, 1);
  await advance("arena", room, 300);
  const saved = () => runInDurableObject(stub("arena", room), (_, state) => state.storage.get<{ tick: number; state: any }>(GAME_STORAGE_KEY));
  expect((await saved())?.tick).toBe(0); // written at the join only
  await runAlarmLater(stub("arena", room), 10_001);
  expect(await saved()).toMatchObject({ tick: 3, state: { players: { [a.id]: { x: 10, y: 10 } } } });
  await a.leaveSocket();
});
