// The arena and the lobby, tested inside workerd with real WebSockets
// (roomkit/testing): the same wrangler.toml as `npm run dev`.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { Player } from "./player";

const newRoom = () => `test-${crypto.randomUUID().slice(0, 8)}`;

it("two players see each other, and one's movement reaches the other", async () => {
  const room = newRoom();
  const ada = await Player.join(room, "ada-key", "Ada");
  const bo = await Player.join(room, "bo-key", "Bo");
  expect(Object.keys(bo.state!.players).sort()).toEqual([ada.id, bo.id].sort());
  await ada.until(() => ada.state!.players[bo.id]?.name === "Bo");

  const start = bo.state!.players[ada.id]!.x;
  let last = 0;
  for (let i = 0; i < 10; i++) {
    last = ada.input(1, 0); // ten frames of "right", paced like a browser's input loop
    await new Promise((r) => setTimeout(r, 35));
  }
  await ada.until(() => ada.ack === last);
  // 10 inputs × 240 px/s × 1/30 s = 80 px, unless Ada started near the right wall.
  const expected = Math.min(start + 80, 960 - 18);
  expect(ada.me.x).toBeCloseTo(expected, 1);
  await bo.until(() => Math.abs(bo.state!.players[ada.id]!.x - expected) < 0.01);
  for (const p of [ada, bo]) p.leave();
});

it("rejects invalid input with a reason, and only to the sender", async () => {
  const room = newRoom();
  const ada = await Player.join(room, "ada-key");
  ada.socket.send('[1, {"dx": 1e999, "dy": 0}]'); // JSON.parse makes this Infinity
  ada.socket.send(JSON.stringify([2, { dx: 1, dy: 0, teleport: true }]));
  await ada.until(() => ada.messages.filter((m) => m.type === "invalid").length === 2);
  expect(ada.messages.filter((m) => m.type === "invalid")).toEqual([
    { type: "invalid", seq: 1, reason: "dx must be a finite number, got Infinity" },
    { type: "invalid", seq: 2, reason: 'input has an unknown field "teleport"' },
  ]);
  const refused = await SELF.fetch(`http://x/parties/arena/${room}?_pk=x&name=${"n".repeat(17)}`, { headers: { upgrade: "websocket" } });
  const ws = refused.webSocket!;
  ws.accept();
  const closed = await new Promise<CloseEvent>((r) => ws.addEventListener("close", r));
  expect([closed.code, closed.reason]).toEqual([4004, "Names are at most 16 characters."]);
  ada.leave();
});

it("a player who reloads (same seat key) within 15 s gets their seat and score back", async () => {
  const room = newRoom();
  const ada = await Player.join(room, "ada-key");
  await ada.socket.close();
  const again = await Player.join(room, "ada-key");
  expect(again.id).toBe(ada.id);
  expect(again.messages[0]).toMatchObject({ type: "welcome", reconnected: true });
  again.leave();
});

it("the lobby lists the room with its players, and quick play sends newcomers there", async () => {
  const room = newRoom();
  const ada = await Player.join(room, "ada-key", "Ada");
  const listed = async () =>
    ((await (await SELF.fetch("http://x/parties/lobby/main")).json()) as { rooms: { room: string; players: number; info: unknown }[] }).rooms.find((r) => r.room === room);
  await expect.poll(listed).toMatchObject({ players: 1, info: { leader: "Ada", score: 0 } });
  const match = (await (await SELF.fetch("http://x/parties/lobby/main/quick-join", { method: "POST" })).json()) as { room: string };
  expect(match.room).toBe(room); // the only room with players (the other tests' players left)
  ada.leave();
  await expect.poll(async () => (await listed())?.players ?? 0).toBe(0);
});
