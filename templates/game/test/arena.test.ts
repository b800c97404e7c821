// The arena and the lobby, tested inside workerd with roomkit/testing: real
// GameClients through the Worker, and fake time, so the 30 Hz loop and the
// 15 s reconnect grace run exactly as far as a test says. Guide: roomkit's docs/testing.md.
import { GameClient } from "roomkit/game/client";
import { rooms, TestWebSocket } from "roomkit/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { movePlayer, PLAYER_RADIUS, SPEED, WORLD, type Input, type State } from "../src/game";

const clients: GameClient<State, Input>[] = [];

beforeEach(() => rooms.useFakeTime());
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await rooms.reset();
});

/** A player in `room` with seat key `key`, welcomed. */
async function join(room: string, key: string, name = "Tester"): Promise<GameClient<State, Input>> {
  const client = new GameClient<State, Input>({ host: "localhost", party: "arena", room, id: key, query: { name }, WebSocket: TestWebSocket });
  clients.push(client);
  await expect.poll(() => client.me, { interval: 5 }).toBeDefined();
  return client;
}

it("moves a player exactly SPEED × dt per input, and the other player sees it", async () => {
  const room = rooms.get("arena");
  const ada = await join(room.id, "ada-key", "Ada");
  const bo = await join(room.id, "bo-key", "Bo");
  await expect.poll(() => bo.serverState!.players[ada.me!]?.name).toBe("Ada");
  const start = ada.serverState!.players[ada.me!]!.x;
  const dx = start > WORLD.width / 2 ? -1 : 1; // away from the nearer wall, so no move is clamped

  // One input per tick, as a browser sends them: step the room's clock a tick
  // at a time until it has applied each one (inputs travel over the socket).
  for (let i = 0; i < 10; i++) {
    const seq = ada.sendInput({ dx, dy: 0 })!;
    await expect.poll(async () => (await rooms.advance(1000 / 30), ada.ack), { interval: 5 }).toBe(seq);
  }

  const expected = start + dx * 10 * (SPEED / 30); // 10 ticks of 1/30 s
  expect(ada.serverState!.players[ada.me!]!.x).toBeCloseTo(expected, 1);
  await expect.poll(() => bo.serverState!.players[ada.me!]!.x).toBeCloseTo(expected, 1);
  expect(expected).toBeGreaterThan(PLAYER_RADIUS);
});

it("applies a burst of 10 inputs (a network stall) each exactly once, in order, and the prediction never overshoots", async () => {
  const room = rooms.get("arena");
  const ada = new GameClient<State, Input>({
    host: "localhost",
    party: "arena",
    room: room.id,
    id: "ada-key",
    query: { name: "Ada" },
    WebSocket: TestWebSocket,
    predict: (state, input, me) => ({ ...state, players: { ...state.players, [me]: movePlayer(state.players[me]!, input, 1 / ada.tickRate) } }),
  });
  clients.push(ada);
  await expect.poll(() => ada.me, { interval: 5 }).toBeDefined();
  const me = ada.me!;
  const start = ada.serverState!.players[me]!.x;
  const dx = start > WORLD.width / 2 ? -1 : 1; // away from the nearer wall: 10 steps are never clamped
  const steps = (x: number) => Math.round(((x - start) * dx) / (SPEED / 30));
  const seen: { ack: number; server: number; predicted: number }[] = [];
  ada.on("state", (s) => seen.push({ ack: ada.ack, server: steps(s.players[me]!.x), predicted: steps(ada.predicted!.players[me]!.x) }));

  // All 10 reach the room before its next tick: a pong answers after every frame sent before the ping.
  for (let i = 0; i < 10; i++) ada.sendInput({ dx, dy: 0 });
  const pong = new Promise((resolve) => ada.socket.addEventListener("message", (e) => String(e.data).includes('"pong"') && resolve(null)));
  ada.sendMessage({ type: "ping", t: 1 });
  await pong;
  expect(steps(ada.predicted!.players[me]!.x)).toBe(10);

  await expect.poll(async () => (await rooms.advance(1000 / 30), ada.ack), { interval: 5 }).toBe(10);
  // The room's state is exactly `ack` steps at every patch (none dropped, none twice), the
  // acks only grow, and the prediction stays on the 10 steps sent.
  expect(seen.length).toBeGreaterThan(1);
  for (const s of seen) expect(s).toEqual({ ack: s.ack, server: s.ack, predicted: 10 });
  expect(seen.map((s) => s.ack)).toEqual([...seen.map((s) => s.ack)].sort((a, b) => a - b));
  expect(steps(ada.serverState!.players[me]!.x)).toBe(10);
});

it("rejects invalid input with a reason, only to the sender, and refuses long names with a close code", async () => {
  const room = rooms.get("arena");
  const ws = await room.connect({ id: "ada-key", query: { name: "Ada" } });
  await ws.waitForJSON<{ type?: string }>((m) => m.type === "welcome");
  ws.send('[1, {"dx": 1e999, "dy": 0}]'); // JSON.parse makes this Infinity
  ws.sendJSON([2, { dx: 1, dy: 0, teleport: true }]);
  expect(await ws.waitForJSON<{ type?: string }>((m) => m.type === "invalid")).toEqual({
    type: "invalid",
    seq: 1,
    reason: "dx must be a finite number, got Infinity",
  });
  expect(await ws.waitForJSON<{ type?: string }>((m) => m.type === "invalid")).toEqual({
    type: "invalid",
    seq: 2,
    reason: 'input has an unknown field "teleport"',
  });

  const refused = await room.connect({ id: "x", query: { name: "n".repeat(17) } });
  expect(await refused.closed).toEqual({ code: 4004, reason: "Names are at most 16 characters." });
});

it("keeps a dropped player's seat and score for 15 s of room time, then frees it", async () => {
  const room = rooms.get("arena");
  const ada = await join(room.id, "ada-key", "Ada");
  const bo = await join(room.id, "bo-key", "Bo");
  const adaId = ada.me!;
  // The room sees a close over the socket, after close() returns: the clock may only
  // move once the grace timer is armed, exactly 15 s ahead.
  const graceArmed = () => expect.poll(async () => (await room.timers()).find((t) => t.name === "roomkit:game:grace")?.in).toBe(15_000);
  ada.close(); // the tab closed: no "leave", so the seat is kept
  await graceArmed();

  await rooms.advance("14s");
  const again = await join(room.id, "ada-key", "Ada"); // a reload within the grace period
  expect(again.me).toBe(adaId);
  again.close();
  await graceArmed();

  await rooms.advance("14999ms");
  expect(bo.serverState!.players[adaId]).toBeDefined();
  await rooms.advance("1ms");
  await expect.poll(() => bo.serverState!.players[adaId]).toBeUndefined();
});

it("the lobby lists the room with its players, and quick play sends newcomers there", async () => {
  const room = rooms.get("arena");
  const ada = await join(room.id, "ada-key", "Ada");
  const lobby = rooms.get("lobby", "main");
  const listed = async () =>
    (await (await lobby.fetch()).json<{ rooms: { room: string; players: number; info: unknown }[] }>()).rooms.find((r) => r.room === room.id);
  await expect.poll(listed).toMatchObject({ players: 1, info: { leader: "Ada", score: 0 } });
  const match = await (await lobby.fetch("/quick-join", { method: "POST" })).json<{ room: string }>();
  expect(match.room).toBe(room.id); // the only room with players
  ada.leave();
  await expect.poll(async () => (await listed())?.players ?? 0).toBe(0);
});
