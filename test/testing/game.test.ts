// A GameRoom's fixed-step loop and reconnect grace on fake time, played by
// roomkit/game's own GameClient through the Worker.
import { GameClient } from "roomkit/game/client";
import { rooms, TestWebSocket } from "roomkit/testing";
import { afterEach, beforeEach, expect, it } from "vitest";

type State = { x: Record<string, number>; ticks: number };
const clients: GameClient<State, { dx: number }>[] = [];

beforeEach(() => rooms.useFakeTime(Date.UTC(2030, 0, 1)));
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await rooms.reset();
});

async function player(room: string, id: string): Promise<GameClient<State, { dx: number }>> {
  const client = new GameClient<State, { dx: number }>({ host: "localhost", party: "race", room, id, WebSocket: TestWebSocket });
  clients.push(client);
  await expect.poll(() => client.me).toBeDefined();
  return client;
}

it("runs exactly tickRate steps per second of room time", async () => {
  const room = rooms.get("race");
  const ada = await player(room.id, "ada");
  const start = ada.serverState!.ticks;
  await rooms.advance("1s");
  await expect.poll(() => ada.serverState!.ticks).toBe(start + 10);
  await rooms.advance("1m");
  await expect.poll(() => ada.serverState!.ticks).toBe(start + 610);
});

it("applies an input on the next tick and acknowledges it", async () => {
  const room = rooms.get("race");
  const ada = await player(room.id, "ada");
  const seq = ada.sendInput({ dx: 1 })!;
  // Inputs travel on the socket; wait until the room holds it before moving time.
  await expect.poll(async () => (await room.connections()).length).toBe(1);
  await expect
    .poll(async () => {
      await rooms.advance("100ms");
      return ada.ack;
    })
    .toBe(seq);
  expect(ada.serverState!.x[ada.me!]).toBe(1);
});

it("keeps a dropped player's seat for the grace period, then frees it", async () => {
  const room = rooms.get("race");
  const ada = await player(room.id, "ada");
  const bo = await player(room.id, "bo");
  const adaId = ada.me!;
  await expect.poll(() => Object.keys(bo.serverState!.x).length).toBe(2);
  ada.close();
  await expect.poll(async () => (await room.timers()).some((t) => t.name === "roomkit:game:grace" && t.in === 5_000)).toBe(true);

  await rooms.advance("4999ms");
  await expect.poll(() => bo.players.get(adaId)?.connected).toBe(false);
  expect(bo.serverState!.x[adaId]).toBeDefined();
  await rooms.advance("1ms");
  await expect.poll(() => bo.serverState!.x[adaId]).toBeUndefined();
});
