// A game room end to end inside workerd: real sockets through the Worker, the
// room's loop on a ManualClock (10 Hz ticks, 5 Hz patches), so positions,
// ticks and acks are exact.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { Client } from "./helpers/client.js";
import { advance, newRoom, received, stats, stub } from "./helpers/room.js";

const move = (dx: number, dy = 0) => ({ action: "move", dx, dy });

it("welcomes a player with the full state, their public id and the room's rates", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "key-a", "name=Ada");
  expect(a.welcome).toMatchObject({ type: "welcome", role: "player", reconnected: false, tickRate: 10, patchRate: 5, tick: 0, ack: 0, maxPlayers: 3 });
  expect(a.id).toMatch(/^[a-z0-9]{8}$/);
  expect(a.id).not.toBe("key-a"); // the seat key never leaves the room
  expect(a.state.players).toEqual({ [a.id]: { x: 0, y: 0, score: 0, name: "Ada" } });
  expect(a.welcome!.players).toEqual([{ id: a.id, connected: true }]);

  const b = await Client.join("arena", room, "key-b");
  expect(Object.keys(b.state.players).sort()).toEqual([a.id, b.id].sort());
  expect(await a.next("joined")).toEqual({ type: "joined", id: b.id });
  expect(JSON.stringify(b.messages)).not.toContain("key-a");
  await a.leaveSocket();
  await b.leaveSocket();
});

it("applies inputs in tick order, one per player per tick, and acknowledges the last one applied", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  for (let i = 0; i < 3; i++) a.input(move(1));
  b.input(move(0, 1));
  await received("arena", room, a.id, 3);
  await received("arena", room, b.id, 1);

  let s = await advance("arena", room, 100); // tick 1: one input each
  expect(s.tick).toBe(1);
  expect(s.state.players[a.id]).toMatchObject({ x: 10, y: 0 });
  expect(s.state.players[b.id]).toMatchObject({ x: 0, y: 10 });
  expect(s.players.find((p) => p.id === a.id)).toMatchObject({ queued: 2, acked: 1 });

  s = await advance("arena", room, 300); // ticks 2 and 3 drain a's queue; tick 4 has nothing to do
  expect(s.tick).toBe(4);
  expect(s.state.players[a.id]).toMatchObject({ x: 30, y: 0 });
  expect(s.state.players[b.id]).toMatchObject({ x: 0, y: 10 });
  // Patch frames (5 Hz: every other tick) carry the tick, the receiver's own ack, and the change.
  await a.until((c) => c.tick === 4);
  expect(a.frames.map((f) => f.slice(0, 2))).toEqual([
    [2, 2],
    [4, 3],
  ]);
  expect(a.state.players[a.id].x).toBe(30);
  await b.until((c) => c.tick === 4);
  expect(b.ack).toBe(1);
  expect(b.state).toEqual(s.state);
  await a.leaveSocket();
  await b.leaveSocket();
});

it("ignores a repeated or older seq (a resend), without an error", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  a.input(move(1), 5);
  a.input(move(1), 5);
  a.input(move(1), 2);
  a.input(move(1), 6);
  await received("arena", room, a.id, 6);
  const s = await advance("arena", room, 500);
  expect(s.state.players[a.id].x).toBe(20);
  expect(s.players[0]).toMatchObject({ acked: 6, dropped: 0 });
  expect(a.messages.some((m) => !Array.isArray(m) && m.type === "invalid")).toBe(false);
  await a.leaveSocket();
});

it("sends patches at the patch rate, not the tick rate, and only when something changed", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  await advance("arena", room, 1_000); // 10 ticks, nothing happens
  let s = await stats("arena", room);
  expect(s.tick).toBe(10);
  expect(s.patchFrames).toBe(0);

  // One input per tick for a second: 10 ticks change the state, 5 patches carry it.
  for (let i = 0; i < 10; i++) {
    const seq = a.input(move(1));
    await received("arena", room, a.id, seq);
    await advance("arena", room, 100);
  }
  s = await stats("arena", room);
  expect(s.tick).toBe(20);
  expect(s.patchFrames).toBe(5);
  await a.until((c) => c.frames.length === 5);
  expect(a.frames.map((f) => f[0])).toEqual([12, 14, 16, 18, 20]);
  expect(a.frames.every((f) => f.length === 3)).toBe(true);
  expect(a.state.players[a.id].x).toBe(100);
  // A patch is the change only, as a JSON merge patch.
  expect(a.frames[0]![2]).toEqual({ players: { [a.id]: { x: 20 } } });
  await a.leaveSocket();
});

it("runs the loop only while a player is connected", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  let s = await stats("arena", room);
  expect(s).toMatchObject({ running: true, timers: 1 });
  const spectator = await Client.join("arena", room, "watcher", "spectate=1");
  await a.leaveSocket();
  await expect.poll(async () => (await stats("arena", room)).running).toBe(false);
  s = await advance("arena", room, 1_000);
  expect(s).toMatchObject({ running: false, timers: 0, tick: 0 }); // spectators alone do not run it
  const back = await Client.join("arena", room, "a");
  expect(back.welcome!.reconnected).toBe(true);
  expect((await stats("arena", room)).running).toBe(true);
  await back.leaveSocket();
  await spectator.leaveSocket();
});

it("saves the state when the loop stops, and a room that wakes up resumes from it", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  for (let i = 1; i <= 3; i++) a.input(move(1, 1));
  await received("arena", room, a.id, 3);
  await advance("arena", room, 700);
  await a.leaveSocket(); // the last player: the loop stops and the state is written
  await expect.poll(async () => (await stats("arena", room)).running).toBe(false);

  await evictDurableObject(stub("arena", room));

  const back = await Client.join("arena", room, "a"); // within the grace period: same seat
  expect(back.welcome).toMatchObject({ reconnected: true, id: a.id, tick: 7, ack: 3 });
  expect(back.state.players[a.id]).toMatchObject({ x: 30, y: 30 });
  back.input(move(1), 4);
  await received("arena", room, a.id, 4);
  const s = await advance("arena", room, 100);
  expect(s.tick).toBe(8);
  expect(s.state.players[a.id]).toMatchObject({ x: 40, y: 30 });
  await back.leaveSocket();
});

it("an eviction while playing loses at most what was not saved yet, and the loop restarts by itself", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  a.input(move(1));
  await received("arena", room, a.id, 1);
  await advance("arena", room, 100); // tick 1 (not saved yet: saves happen every 10 s, on seat changes, and at stop)

  await evictDurableObject(stub("arena", room)); // the socket survives (hibernation); memory does not

  a.input(move(1), 2); // wakes the room: onStart reloads the last save and restarts the loop
  await received("arena", room, a.id, 2);
  const s = await advance("arena", room, 200);
  expect(s.running).toBe(true);
  expect(s.players).toMatchObject([{ id: a.id, connected: true }]);
  // The last save was at the join (tick 0): tick 1 was lost with the memory, and is simulated again.
  expect(s.tick).toBe(2);
  expect(s.state.players[a.id].x).toBe(10);
  // The client had no baseline in the new instance's memory: it gets a full state, then patches again.
  const full = await a.next("state");
  expect(full).toMatchObject({ tick: 2, ack: 2 });
  expect(a.state.players[a.id].x).toBe(10);
  await a.leaveSocket();
});

it("a room whose last player left holds no timer and no alarm: nothing wakes it up again", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  a.input(move(1));
  await received("arena", room, a.id, 1);
  let s = await advance("arena", room, 300); // ticks ran: a periodic save is scheduled
  const alarm = () => runInDurableObject(stub("arena", room), (_, state) => state.storage.getAlarm());
  expect(await alarm()).not.toBeNull();
  a.send({ type: "leave" });
  await a.socket.closed;
  await expect.poll(async () => (await stats("arena", room)).running).toBe(false);
  s = await stats("arena", room);
  expect(s.timers).toBe(0); // the loop's interval is gone
  expect(await alarm()).toBeNull(); // the pending save was done at the stop, not left for later
});
