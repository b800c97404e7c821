// room.storage.deleteAll() in a game room, and the room's timers and saves
// under failure: the room starts again from its initial state and keeps
// playing; a grace timer lost with an old instance is armed again; a save
// that fails is retried, never dropped, and never fails the player's join.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { GAME_STORAGE_KEY } from "../../src/game/index.js";
import { Client } from "./helpers/client.js";
import { advance, newRoom, received, runAlarmLater, stats, stub } from "./helpers/room.js";

const move = (dx: number, dy = 0) => ({ action: "move", dx, dy });
const saved = (room: string) =>
  runInDurableObject(stub("arena", room), (_, state) => state.storage.get<{ tick: number; state: any; seats: unknown[] }>(GAME_STORAGE_KEY));

it("after deleteAll the game starts again from its initial state; connected players rejoin it and keep playing", async () => {
  const room = newRoom("reset");
  const a = await Client.join("arena", room, "a", "name=Ada");
  const b = await Client.join("arena", room, "b", "name=Bo");
  for (let i = 1; i <= 3; i++) a.input(move(1));
  a.input({ action: "score" }, 4);
  await received("arena", room, a.id, 4);
  await advance("arena", room, 5_000); // 50 ticks: a moved and scored, a coin appeared
  let s = await stats("arena", room);
  expect(s.state.players[a.id]).toMatchObject({ x: 30, score: 1 });
  expect(Object.keys(s.state.coins)).toHaveLength(1);

  const from = a.messages.length;
  a.send({ type: "reset" });
  await a.next("reset-done", from);
  // Everyone gets the new state in full: initial state, both players joined again with their names.
  const fresh = { [a.id]: { x: 0, y: 0, score: 0, name: "Ada" }, [b.id]: { x: 0, y: 0, score: 0, name: "Bo" } };
  const full = await a.next("state", from);
  expect(full.state).toEqual({ players: fresh, coins: {}, locked: false });
  await b.until((c) => c.state.players[a.id].x === 0);
  expect(b.state.players).toEqual(fresh);
  // Saved at once (the old save was deleted with everything else).
  expect((await saved(room))?.state.players).toEqual(fresh);

  // And play goes on.
  a.input(move(1), 5);
  await received("arena", room, a.id, 5);
  s = await advance("arena", room, 200); // a tick with the input, and the next patch
  expect(s.running).toBe(true);
  expect(s.state.players[a.id]).toMatchObject({ x: 10, score: 0 });
  await a.until((c) => c.state.players[a.id].x === 10);

  // Seats and their timers still work: b drops, the grace timer frees the seat.
  await b.leaveSocket();
  await expect.poll(async () => (await stats("arena", room)).players.find((p) => p.id === b.id)?.connected).toBe(false);
  await runAlarmLater(stub("arena", room), 5_001);
  await expect.poll(async () => (await stats("arena", room)).players.map((p) => p.id)).toEqual([a.id]);
  expect(a.close).toBeUndefined();
  await a.leaveSocket();
});

it("a reset while a player is away frees that seat; the room survives an eviction afterwards with the new state", async () => {
  const room = newRoom("reset-away");
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  const bId = b.id;
  await b.leaveSocket();
  await a.next("disconnected");
  const from = a.messages.length;
  a.send({ type: "reset" });
  expect(await a.next("left", from)).toEqual({ type: "left", id: bId, reason: "removed" });
  await a.next("reset-done", from);
  expect((await stats("arena", room)).players.map((p) => p.id)).toEqual([a.id]);

  a.input(move(0, 1));
  await received("arena", room, a.id, 1);
  await advance("arena", room, 100);
  await a.leaveSocket(); // the loop stops and saves
  await expect.poll(async () => (await stats("arena", room)).running).toBe(false);
  await evictDurableObject(stub("arena", room));
  const back = await Client.join("arena", room, "a");
  expect(back.welcome).toMatchObject({ reconnected: true, id: a.id });
  expect(back.state.players).toEqual({ [a.id]: { x: 0, y: 10, score: 0, name: "anon" } });
  await back.leaveSocket();
});

it("a grace timer lost with an old instance is armed again when the room starts", async () => {
  const room = newRoom("lost-timer");
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  await b.leaveSocket();
  await a.next("disconnected");
  await a.leaveSocket();
  await expect.poll(async () => (await stats("arena", room)).running).toBe(false);
  // The seat's timer is lost (as a failed arm or an alarm the platform gave up on would lose it).
  await runInDurableObject(stub("arena", room), (_, state) => {
    state.storage.sql.exec("DELETE FROM _roomkit_timers");
  });
  await evictDurableObject(stub("arena", room));
  expect((await stats("arena", room)).players.map((p) => p.connected)).toEqual([false, false]); // wakes the room
  await runAlarmLater(stub("arena", room), 5_001);
  await expect.poll(async () => (await stats("arena", room)).players).toEqual([]);
});

it("a save that fails does not fail the join: the player is seated and the save is retried until it succeeds", async () => {
  const room = newRoom("unsaveable");
  const a = await Client.join("arena", room, "a", "unsaveable=1&name=Ada"); // the seat change's save throws
  expect(a.close).toBeUndefined();
  expect(a.welcome).toMatchObject({ role: "player", reconnected: false });
  expect(await saved(room)).toBeUndefined();
  const from = a.messages.length;
  a.send({ type: "cure" });
  a.send({ type: "ping", t: 1 });
  await a.next("pong", from); // frames of one socket are handled in order: the cure is in
  await runAlarmLater(stub("arena", room), 120_000); // the retry (or the periodic save) runs
  await expect.poll(async () => (await saved(room))?.state.players[a.id]?.name).toBe("Ada");
  await a.leaveSocket();
});
