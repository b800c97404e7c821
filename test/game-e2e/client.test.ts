// roomkit/game/client in Node (partysocket over `ws`) against `wrangler dev`
// of the game template: prediction and acks, reconnection with the same id,
// refusal without retries, the lobby list and quick join.
import { WebSocket } from "ws";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GameClient, LobbyClient, type RoomListing } from "../../src/game/client/index.js";
import { DevServer } from "../support/wrangler-dev.js";
import { WORLD, movePlayer, type Input, type State } from "../../templates/game/src/game.js";
import { devConfig } from "./dev.js";

let server: DevServer | undefined;
const clients: { close(): void }[] = [];

beforeAll(async () => {
  server = await DevServer.start(devConfig());
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

function player(room: string, options: { id?: string; name?: string } = {}): GameClient<State, Input> {
  const client: GameClient<State, Input> = new GameClient<State, Input>({
    host: `127.0.0.1:${server!.port}`,
    party: "arena",
    room,
    id: options.id,
    query: { name: options.name ?? "Node" },
    WebSocket,
    predict: (s, input, me) => ({ ...s, players: { ...s.players, [me]: movePlayer(s.players[me]!, input, 1 / client.tickRate) } }),
  });
  clients.push(client);
  return client;
}

const welcomed = (c: GameClient<State, Input>) => new Promise<{ reconnected: boolean; id: string }>((r) => c.on("welcome", (w) => r(w)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("predicts its own moves, and the room's acks reconcile them to the same place", async () => {
  const room = `node-${Date.now()}`;
  const ada = player(room, { name: "Ada" });
  await welcomed(ada);
  try {
    const me = ada.me!;
    const start = ada.serverState!.players[me]!;
    // Away from the nearer wall first: a move into a wall is clamped, so the way back would not cancel it.
    const away = start.y > WORLD.height / 2 ? -1 : 1;
    for (let i = 0; i < 6; i++) {
      ada.sendInput({ dx: 0, dy: i < 3 ? away : -away });
      // Right after sending, the prediction already includes the move the room has not applied yet.
      if (i === 0) expect((ada.predicted!.players[me]!.y - ada.serverState!.players[me]!.y) * away).toBeGreaterThan(0);
      await sleep(35);
    }
    await expect.poll(() => ada.pending.length, { timeout: 10_000 }).toBe(0);
    expect(ada.ack).toBe(6);
    expect(ada.predicted!.players[me]).toEqual(ada.serverState!.players[me]);
    expect(ada.serverState!.players[me]!.y).toBeCloseTo(start.y, 5); // three away, three back
    // An invalid input is dropped from the prediction as soon as the room says so.
    const reasons: string[] = [];
    ada.on("invalid", (r) => reasons.push(r));
    ada.sendInput({ dx: 2, dy: 0 });
    await expect.poll(() => reasons).toEqual(["dx must be at most 1, got 2"]);
    expect(ada.pending).toEqual([]);
  } finally {
    ada.leave(); // a failure here must not leave a seated player for the lobby test
  }
});

it("reconnects with the same id and gets the same seat back", async () => {
  const room = `node-${Date.now()}`;
  const ada = player(room, { id: `ada-${Date.now()}` });
  const first = await welcomed(ada);
  const again = welcomed(ada);
  ada.socket.reconnect(); // what partysocket does by itself after a network drop
  const second = await again;
  expect(second).toMatchObject({ reconnected: true, id: first.id });
  expect(ada.me).toBe(first.id);
  ada.leave();
});

it("a refused client (room full) stops: no retries, a reason and the close code", async () => {
  const room = `full-${Date.now()}`;
  const seated = [];
  for (let i = 0; i < 8; i++) {
    const p = player(room, { name: `P${i}` });
    await welcomed(p);
    seated.push(p);
  }
  const late = player(room, { name: "Late" });
  const refused = await new Promise<{ reason: string; code: number }>((r) => late.on("refused", (reason, code) => r({ reason, code })));
  expect(refused).toEqual({ reason: "Room is full: all 8 seats are taken.", code: 4001 });
  await expect.poll(() => late.status).toBe("closed");
  expect(late.lastClose).toEqual({ code: 4001, reason: "Room is full: all 8 seats are taken." });
  expect(late.socket.shouldReconnect).toBe(false);
  for (const p of seated) p.leave();
});

it("LobbyClient lists rooms live and quick join finds one with a free seat", async () => {
  const lobby = new LobbyClient({ host: `127.0.0.1:${server!.port}`, WebSocket });
  clients.push(lobby);
  const lists: RoomListing[][] = [];
  lobby.onRooms((rooms) => lists.push(rooms));
  const room = `lobby-${Date.now()}`;
  const ada = player(room, { name: "Ada" });
  await welcomed(ada);
  await expect.poll(() => lobby.rooms.find((r) => r.room === room)?.players, { timeout: 10_000 }).toBe(1);
  // Quick join prefers the fullest room, then the oldest: wait until the rooms
  // of the tests before have reported their players gone.
  await expect.poll(() => lobby.rooms.filter((r) => r.room !== room && r.players > 0).map((r) => r.room), { timeout: 10_000 }).toEqual([]);
  const match = await lobby.quickJoin();
  expect(match).toEqual({ room, party: "arena", created: false });
  ada.leave();
  await expect.poll(() => lobby.rooms.find((r) => r.room === room)?.players ?? 0, { timeout: 10_000 }).toBe(0);
  expect(lists.length).toBeGreaterThan(1);
});
