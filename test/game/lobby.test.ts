// The lobby: game rooms report to it with in-process cross-party calls on
// every seat change; it lists open rooms live and matches players into them.
// These rooms report to their own lobby room (ranked-lobby/ranked): the list
// holds only what this file creates.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RoomListing } from "../../src/game/index.js";
import { pickRoom, type LobbyEntry } from "../../src/game/matchmaking.js";
import { applyReport, isGone, listing } from "../../src/game/matchmaking.js";
import { connect } from "../../src/testing/index.js";
import { Client } from "./helpers/client.js";
import { newRoom, stub } from "./helpers/room.js";

const LOBBY = "http://x/parties/ranked-lobby/ranked";
const list = async () => (await (await SELF.fetch(LOBBY)).json<{ rooms: RoomListing[] }>()).rooms;
const entry = async (room: string) => (await list()).find((r) => r.room === room);
const quickJoin = async () => (await SELF.fetch(`${LOBBY}/quick-join`, { method: "POST" })).json<{ room: string; party: string; created: boolean }>();

it("lists a game room with its counts as players join, drop, watch and leave", async () => {
  const room = newRoom("listed");
  const a = await Client.join("ranked", room, "a");
  await expect
    .poll(() => entry(room))
    .toEqual({
      room,
      party: "ranked",
      players: 1,
      connected: 1,
      spectators: 0,
      maxPlayers: 3,
      open: true,
      info: { top: 0 },
      reserved: 0,
      free: 2,
      updatedAt: expect.any(Number),
    });
  const b = await Client.join("ranked", room, "b");
  const s = await Client.join("ranked", room, "s", "spectate=1");
  await expect.poll(async () => (await entry(room))?.spectators).toBe(1);
  expect(await entry(room)).toMatchObject({ players: 2, connected: 2, free: 1 });
  await b.leaveSocket(); // dropped: the seat is held, so it still counts, but not as connected
  await expect.poll(async () => (await entry(room))?.connected).toBe(1);
  expect(await entry(room)).toMatchObject({ players: 2, free: 1 });
  a.send({ type: "leave" });
  await s.leaveSocket();
  await expect.poll(async () => (await entry(room))?.players).toBe(1);
  // The last seat goes: the room disappears from the lobby.
  const back = await Client.join("ranked", room, "b");
  back.send({ type: "leave" });
  await expect.poll(() => entry(room)).toBeUndefined();
});

it("pushes the whole list to lobby sockets on connect and after every change", async () => {
  const watcher = await connect(SELF, "/parties/ranked-lobby/ranked");
  const first = await watcher.nextJSON<{ type: string; rooms: RoomListing[] }>();
  expect(first.type).toBe("rooms");
  const room = newRoom("pushed");
  const a = await Client.join("ranked", room, "a");
  for (;;) {
    const m = await watcher.nextJSON<{ type: string; rooms: RoomListing[] }>();
    const mine = m.rooms.find((r) => r.room === room);
    if (mine) {
      expect(mine).toMatchObject({ players: 1, party: "ranked" });
      break;
    }
  }
  a.send({ type: "leave" });
  for (;;) {
    const m = await watcher.nextJSON<{ type: string; rooms: RoomListing[] }>();
    if (!m.rooms.some((r) => r.room === room)) break;
  }
  // Lobby sockets can ask for a match too; anything else is answered with a reason.
  watcher.send(JSON.stringify({ type: "quick-join" }));
  let m: Record<string, unknown>;
  do m = await watcher.nextJSON();
  while (m.type === "rooms");
  expect(m).toMatchObject({ type: "matched", party: "ranked" });
  watcher.send("hello");
  do m = await watcher.nextJSON();
  while (m.type === "rooms");
  expect(m).toEqual({ type: "invalid", reason: 'The lobby understands only {"type":"quick-join"}.' });
  await watcher.close();
});

it("quick join fills a room with free seats (counting reservations) before it creates another", async () => {
  // Fill whatever earlier tests left joinable, so this test starts from "no free seat anywhere".
  for (let i = 0; i < 20 && (await list()).some((r) => r.free > 0 && r.open); i++) await quickJoin();

  const first = await quickJoin();
  expect(first).toMatchObject({ party: "ranked", created: true });
  expect(await entry(first.room)).toMatchObject({ players: 0, reserved: 1, free: 2 });
  const a = await Client.join("ranked", first.room, "a"); // the reserved player arrives
  await expect.poll(() => entry(first.room)).toMatchObject({ players: 1, reserved: 0, free: 2 });

  const second = await quickJoin();
  const third = await quickJoin();
  expect([second, third]).toEqual([
    { room: first.room, party: "ranked", created: false },
    { room: first.room, party: "ranked", created: false },
  ]);
  expect(await entry(first.room)).toMatchObject({ players: 1, reserved: 2, free: 0 });
  const fourth = await quickJoin(); // every seat is taken or promised
  expect(fourth.created).toBe(true);
  expect(fourth.room).not.toBe(first.room);

  a.send({ type: "leave" });
  await expect.poll(() => entry(first.room)).toMatchObject({ players: 0, reserved: 2 });
});

it("a room that stops taking players is listed as not open, and quick join passes it by", async () => {
  for (let i = 0; i < 20 && (await list()).some((r) => r.free > 0 && r.open); i++) await quickJoin();
  const room = newRoom("locked");
  const a = await Client.join("ranked", room, "a");
  await expect.poll(async () => (await entry(room))?.open).toBe(true);
  a.send({ type: "lock" });
  await expect.poll(async () => (await entry(room))?.open).toBe(false);
  expect((await entry(room))?.free).toBe(2);
  const match = await quickJoin();
  expect(match.room).not.toBe(room);
  expect(match.created).toBe(true);
  a.send({ type: "leave" });
});

describe("the report endpoint", () => {
  it("is refused when it comes through the Worker (the public internet)", async () => {
    for (const method of ["PUT", "DELETE", "POST"]) {
      const res = await SELF.fetch(`${LOBBY}/rooms/fake`, { method, body: method === "DELETE" ? undefined : JSON.stringify({ players: 99 }) });
      expect(res.status, method).toBe(403);
      expect(await res.text()).toBe("Room reports are accepted only from game rooms of this deployment.");
    }
  });

  it("checks every field even from a game room of this deployment", async () => {
    const lobby = stub("ranked-lobby", "ranked");
    // What a "ranked" room's reporter sends (the caller header only in-process requests can carry).
    const headers = { "x-roomkit-party": "ranked-lobby", "x-roomkit-room": "ranked", "x-roomkit-caller": "ranked/fake" };
    const put = (body: string) => lobby.fetch(`${LOBBY}/rooms/fake`, { method: "PUT", body, headers });
    let res = await put("nope");
    expect([res.status, await res.text()]).toEqual([400, "A report is a JSON object."]);
    res = await put(JSON.stringify({ party: "ranked", players: -1, connected: 0, spectators: 0, maxPlayers: 3, open: true }));
    expect([res.status, await res.text()]).toEqual([400, 'Report field "players" must be a non-negative integer.']);
    res = await put(JSON.stringify({ party: "ranked", players: 1, connected: 1, spectators: 0, maxPlayers: 3, open: "yes" }));
    expect([res.status, await res.text()]).toEqual([400, 'Report field "open" must be true or false.']);
    expect(await entry("fake")).toBeUndefined();
  });

  it("answers other paths and methods precisely", async () => {
    expect((await SELF.fetch(`${LOBBY}/quick-join`)).status).toBe(405);
    const res = await SELF.fetch(`${LOBBY}/elsewhere`);
    expect([res.status, await res.text()]).toEqual([404, "The lobby answers GET / (the room list) and POST /quick-join."]);
  });
});

describe("matchmaking rules", () => {
  const report = { party: "g", players: 1, connected: 1, spectators: 0, maxPlayers: 4, open: true, info: null };
  const at = (room: string, players: number, updatedAt = 0, reservations: number[] = []): LobbyEntry => ({ ...report, room, players, updatedAt, reservations });

  it("prefers the fullest open room with a free seat; ties go to the oldest report", () => {
    expect(pickRoom([at("a", 1), at("b", 3), at("c", 4)], 0)?.room).toBe("b");
    expect(pickRoom([at("a", 2, 5), at("b", 2, 1)], 0)?.room).toBe("b");
    expect(pickRoom([{ ...at("a", 1), open: false }], 0)).toBeUndefined();
    expect(pickRoom([at("a", 2, 0, [10, 10])], 5)).toBeUndefined(); // two seats promised until t=10
    expect(pickRoom([at("a", 2, 0, [10, 10])], 10)?.room).toBe("a"); // promises lapsed
  });

  it("arrivals use up reservations; empty or silent rooms are gone", () => {
    let e = at("a", 0, 0, [100, 200]);
    e = applyReport(e, "a", { ...report, players: 1 }, 50);
    expect(listing(e, 50)).toMatchObject({ reserved: 1, free: 2 });
    expect(isGone(e, 60_000, 30_000)).toBe(true); // no report for 30 s
    expect(isGone(at("b", 0, 0, []), 1, 30_000)).toBe(true);
    expect(isGone(at("b", 0, 0, [100]), 1, 30_000)).toBe(false);
  });
});
