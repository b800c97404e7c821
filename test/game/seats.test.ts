// Seats: max players, spectators, reconnection within and after the grace
// period, second tabs, leaving, and seats that outlive an eviction.
import { evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { GameCloseCode } from "../../src/game/index.js";
import { Client } from "./helpers/client.js";
import { advance, newRoom, received, runAlarmLater, stats, stub } from "./helpers/room.js";

const GRACE = 5_000; // the fixture's reconnectGraceMs

it("refuses a player beyond maxPlayers with a message, then close code 4001 and the reason", async () => {
  const room = newRoom();
  const players = [];
  for (const key of ["a", "b", "c"]) players.push(await Client.join("arena", room, key));
  const d = await Client.open("arena", room, "d");
  const reason = "Room is full: all 3 seats are taken.";
  expect(await d.next("refused")).toEqual({ type: "refused", code: 4001, reason });
  expect(await d.socket.closed).toEqual({ code: GameCloseCode.RoomFull, reason });
  expect((await stats("arena", room)).players).toHaveLength(3);
  // Nobody else heard about d.
  expect(players[0]!.messages.filter((m: any) => m.type === "joined")).toHaveLength(2);
  for (const p of players) await p.leaveSocket();
});

it("spectators watch beyond maxPlayers, see everything, cannot send inputs, and have their own limit", async () => {
  const room = newRoom();
  const players = [];
  for (const key of ["a", "b", "c"]) players.push(await Client.join("arena", room, key));
  const s1 = await Client.join("arena", room, "s1", "spectate=1");
  expect(s1.welcome).toMatchObject({ role: "spectator", ack: 0 });
  expect(Object.keys(s1.state.players)).toHaveLength(3);
  s1.input({ action: "move", dx: 1, dy: 0 });
  expect(await s1.next("invalid")).toEqual({ type: "invalid", reason: "Spectators cannot send inputs." });

  players[0]!.input({ action: "move", dx: 1, dy: 0 });
  await received("arena", room, players[0]!.id, 1);
  await advance("arena", room, 200);
  await s1.until((c) => c.tick === 2);
  expect(s1.ack).toBe(0);
  expect(s1.state.players[players[0]!.id].x).toBe(10);

  const s2 = await Client.join("arena", room, "s2", "spectate=1");
  const s3 = await Client.open("arena", room, "s3", "spectate=1");
  expect(await s3.socket.closed).toEqual({ code: 4001, reason: "Room is full: all 2 spectator places are taken." });
  expect((await stats("arena", room)).spectators).toBe(2);
  for (const c of [...players, s1, s2]) await c.leaveSocket();
});

it("a player who drops and returns with the same id within the grace period keeps their seat and state", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  a.input({ action: "score" });
  await received("arena", room, a.id, 1);
  await advance("arena", room, 200);

  await a.leaveSocket(); // dropped (no "leave" message)
  expect(await b.next("disconnected")).toEqual({ type: "disconnected", id: a.id, graceMs: GRACE });
  const away = await stats("arena", room);
  expect(away.players.find((p) => p.id === a.id)).toMatchObject({ connected: false });
  expect(away.state.players[a.id].score).toBe(1); // still in the game while away

  const from = b.messages.length;
  const again = await Client.join("arena", room, "a");
  expect(again.welcome).toMatchObject({ reconnected: true, id: a.id, ack: 1 });
  expect(again.state.players[a.id].score).toBe(1);
  expect(await b.next("reconnected", from)).toEqual({ type: "reconnected", id: a.id });
  // Input numbering continues after the ack; the seat's grace timer is gone.
  again.input({ action: "score" }, 2);
  await received("arena", room, a.id, 2);
  expect((await advance("arena", room, 100)).state.players[a.id].score).toBe(2);
  expect(await runAlarmLater(stub("arena", room), GRACE + 1_000)).toBe(true); // only the periodic save is pending
  expect((await stats("arena", room)).players.map((p) => p.id)).toContain(a.id);
  await again.leaveSocket();
  await b.leaveSocket();
});

it("after the grace period the seat is freed, the others are told, and the same id joins as a new player", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  await a.leaveSocket();
  await b.next("disconnected");

  // Not yet: the timer is persisted and fires only once the grace period is over.
  await runAlarmLater(stub("arena", room), GRACE - 1_000);
  expect((await stats("arena", room)).players).toHaveLength(2);
  await runAlarmLater(stub("arena", room), GRACE + 1);
  expect(await b.next("left")).toEqual({ type: "left", id: a.id, reason: "timeout" });
  const s = await stats("arena", room);
  expect(s.players.map((p) => p.id)).toEqual([b.id]);
  expect(Object.keys(s.state.players)).toEqual([b.id]);
  await advance("arena", room, 200); // the loop runs (b is here): the change goes out with the next patch
  await b.until((c) => !(a.id in c.state.players));

  const late = await Client.join("arena", room, "a");
  expect(late.welcome!.reconnected).toBe(false);
  expect(late.id).not.toBe(a.id);
  await late.leaveSocket();
  await b.leaveSocket();
});

it("a held seat survives eviction: the grace timer still fires, or the player still gets it back", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  const c = await Client.join("arena", room, "c");
  await a.leaveSocket();
  await b.leaveSocket();
  await c.next("disconnected");
  await c.next("disconnected", c.messages.findIndex((m: any) => m.type === "disconnected") + 1);
  await c.leaveSocket(); // everyone away: the room is idle

  await evictDurableObject(stub("arena", room));
  const back = await Client.join("arena", room, "b"); // b comes back after the eviction: same seat
  expect(back.welcome).toMatchObject({ reconnected: true, id: b.id });
  expect(back.welcome!.players).toEqual([
    { id: a.id, connected: false },
    { id: b.id, connected: true },
    { id: c.id, connected: false },
  ]);

  await evictDurableObject(stub("arena", room));
  await runAlarmLater(stub("arena", room), GRACE + 1); // a and c time out in a fresh instance
  const left = await Promise.all([back.next("left"), back.waitFor((m) => m.type === "left" && m.id === c.id)]);
  expect(left.map((m) => m.id).sort()).toEqual([a.id, c.id].sort());
  expect((await stats("arena", room)).players.map((p) => p.id)).toEqual([b.id]);
  await back.leaveSocket();
});

it("a second connection with the same id takes the seat over; the first is closed with 4002 and is not a departure", async () => {
  const room = newRoom();
  const first = await Client.join("arena", room, "a");
  const other = await Client.join("arena", room, "b");
  const second = await Client.join("arena", room, "a");
  expect(second.welcome).toMatchObject({ reconnected: true, id: first.id });
  expect(await first.socket.closed).toEqual({ code: 4002, reason: "Replaced by a newer connection with the same id." });
  expect((await stats("arena", room)).players.find((p) => p.id === first.id)).toMatchObject({ connected: true });
  expect(other.messages.some((m: any) => m.type === "disconnected" || m.type === "left")).toBe(false);
  second.input({ action: "score" });
  await received("arena", room, first.id, 1);
  expect((await advance("arena", room, 200)).state.players[first.id].score).toBe(1);
  // The old socket's close did not touch the new one's sync: it gets a patch, not a full state.
  await second.until((c) => c.state.players[first.id].score === 1);
  expect(second.messages.filter((m: any) => m.type === "state")).toEqual([]);
  expect(second.frames).toHaveLength(1);
  await second.leaveSocket();
  await other.leaveSocket();
});

it('{"type":"leave"} frees the seat at once: close 4000, the others are told, no grace period', async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  a.send({ type: "leave" });
  expect(await a.socket.closed).toEqual({ code: 4000, reason: "Left the game." });
  expect(await b.next("left")).toEqual({ type: "left", id: a.id, reason: "left" });
  expect((await stats("arena", room)).players.map((p) => p.id)).toEqual([b.id]);
  await b.leaveSocket();
});

it("with reconnectGraceMs 0 a dropped player's seat is freed immediately", async () => {
  const room = newRoom();
  const a = await Client.join("nograce", room, "a");
  const b = await Client.join("nograce", room, "b");
  await a.leaveSocket();
  expect(await b.next("left")).toEqual({ type: "left", id: a.id, reason: "left" });
  const again = await Client.join("nograce", room, "a");
  expect(again.welcome!.reconnected).toBe(false);
  await again.leaveSocket();
  await b.leaveSocket();
});

it("a room can stop taking new players (acceptingPlayers) while its players can still come back", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  a.send({ type: "lock" }); // onCustomMessage → update(): the change is patched out at once only if the loop is stopped
  await expect.poll(async () => (await stats("arena", room)).state.locked).toBe(true);
  const b = await Client.open("arena", room, "b");
  expect(await b.socket.closed).toEqual({ code: 4004, reason: "This room is not accepting new players." });
  await a.leaveSocket();
  const back = await Client.join("arena", room, "a");
  expect(back.welcome).toMatchObject({ reconnected: true, id: a.id });
  expect(back.state.locked).toBe(true);
  await back.leaveSocket();
});

it("onJoin can refuse a player with a reason (an InputError): close code 4004", async () => {
  const room = newRoom();
  const a = await Client.open("arena", room, "a", `name=${"x".repeat(21)}`);
  expect(await a.next("refused")).toEqual({ type: "refused", code: 4004, reason: "name must be at most 20 characters" });
  expect(await a.socket.closed).toEqual({ code: 4004, reason: "name must be at most 20 characters" });
  expect((await stats("arena", room)).players).toEqual([]);
});
