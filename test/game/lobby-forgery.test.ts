// Nobody outside the deployment can list, change or remove a lobby entry,
// whatever the spelling of the report URL; a game room reports only itself;
// quick join is rate-limited per client and cannot pile up empty rooms.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import type { RoomListing } from "../../src/game/index.js";
import { connect } from "../../src/testing/index.js";
import { Client } from "./helpers/client.js";
import { newRoom, stub } from "./helpers/room.js";

const BASE = "http://x/parties/ranked-lobby/ranked";
const list = async () => (await (await SELF.fetch(BASE)).json<{ rooms: RoomListing[] }>()).rooms;
const entry = async (room: string) => (await list()).find((r) => r.room === room);
const report = (players: number) => JSON.stringify({ party: "ranked", players, connected: players, spectators: 0, maxPlayers: 3, open: true, info: null });

/** Every spelling of "the report endpoint of room <id>" we could think of, through the Worker. */
function spellings(id: string): string[] {
  return [
    `${BASE}/rooms/${id}`,
    `${BASE}/rooms/${id}/`,
    `${BASE}/rooms/${id}//`,
    `${BASE}//rooms/${id}`,
    `${BASE}/./rooms/${id}`,
    `${BASE}/rooms/./${id}`,
    `${BASE}/x/../rooms/${id}`,
    `${BASE}/x/%2e%2e/rooms/${id}`,
    `${BASE}/x/%2E%2E/rooms/${id}/`,
    `${BASE}/ROOMS/${id}`,
    `${BASE}/Rooms/${id}/`,
    `${BASE}/rooms%2f${id}`,
    `${BASE}/rooms%2F${id}`,
    `${BASE}%2frooms%2f${id}`,
    `${BASE}/rooms/${encodeURIComponent(id)}?x=1`,
    `http://x/parties/ranked-lobby/./ranked/rooms/${id}`,
    `http://x/parties//ranked-lobby/ranked/rooms/${id}`,
  ];
}

it("refuses forged reports in every path spelling, with or without a forged caller header", async () => {
  const fake = newRoom("fake");
  for (const url of spellings(fake)) {
    const forged: Record<string, string>[] = [
      {},
      { "x-roomkit-caller": `ranked/${fake}` },
      { "x-roomkit-caller": "ranked%2Ffake/x", "x-roomkit-party": "ranked" },
    ];
    for (const headers of forged) {
      const res = await SELF.fetch(url, { method: "PUT", body: report(2), headers });
      await res.body?.cancel();
      expect(res.status, `PUT ${url} ${JSON.stringify(headers)}`).toBeGreaterThanOrEqual(400);
    }
  }
  expect(await entry(fake)).toBeUndefined();
  // Quick join never hands out a room nobody reported.
  const match = await (await SELF.fetch(`${BASE}/quick-join`, { method: "POST" })).json<{ room: string }>();
  expect(match.room).not.toBe(fake);
});

it("a forged DELETE cannot unlist a real room, in any spelling", async () => {
  const room = newRoom("real");
  const player = await Client.join("ranked", room, "a");
  await expect.poll(async () => (await entry(room))?.players).toBe(1);
  for (const url of spellings(room)) {
    const res = await SELF.fetch(url, { method: "DELETE", headers: { "x-roomkit-caller": `ranked/${room}` } });
    await res.body?.cancel();
    expect(res.status, `DELETE ${url}`).toBeGreaterThanOrEqual(400);
  }
  expect(await entry(room)).toMatchObject({ players: 1 });
  player.send({ type: "leave" });
  await expect.poll(() => entry(room)).toBeUndefined(); // the room's own report still works
});

it("in-process, a report is accepted only from a room of the game party, about itself", async () => {
  const lobby = stub("ranked-lobby", "ranked");
  const send = (caller: string, id: string) =>
    lobby.fetch(`${BASE}/rooms/${id}`, {
      method: "PUT",
      body: report(1),
      headers: { "x-roomkit-party": "ranked-lobby", "x-roomkit-room": "ranked", "x-roomkit-caller": caller },
    });
  const a = newRoom("a");
  const b = newRoom("b");
  let res = await send(`arena/${a}`, a); // a room of another party
  expect([res.status, await res.text()]).toEqual([403, "Room reports are accepted only from game rooms of this deployment."]);
  res = await send(`ranked/${b}`, a); // a game room reporting another room
  expect(res.status).toBe(403);
  await res.body?.cancel();
  expect(await entry(a)).toBeUndefined();
  res = await send(`ranked/${a}`, a);
  expect(res.status).toBe(204);
  expect(await entry(a)).toMatchObject({ party: "ranked", players: 1 });
  const gone = await lobby.fetch(`${BASE}/rooms/${a}`, { method: "DELETE", headers: { "x-roomkit-caller": `ranked/${a}` } });
  expect(gone.status).toBe(204);
  expect(await entry(a)).toBeUndefined();
});

it("quick join is rate-limited per client, over HTTP and over a socket", async () => {
  const lobby = `http://x/parties/tiny-lobby/${newRoom("rate")}`;
  const join = (ip: string) => SELF.fetch(`${lobby}/quick-join`, { method: "POST", headers: { "cf-connecting-ip": ip } });
  // The burst (2), then 429 with a reason and Retry-After.
  expect((await join("203.0.113.1")).status).toBe(200);
  expect((await join("203.0.113.1")).status).toBe(200);
  const limited = await join("203.0.113.1");
  expect(limited.status).toBe(429);
  expect(await limited.text()).toBe("Too many quick joins: at most 6 per minute per client.");
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);

  // Over a socket, the client is the address it connected from. (Another lobby: this one has its two waiting rooms.)
  const ws = await connect(SELF, `/parties/tiny-lobby/${newRoom("rate-ws")}`, { headers: { "cf-connecting-ip": "203.0.113.2" } });
  await ws.nextJSON(); // the list
  const answers: Record<string, unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    ws.send(JSON.stringify({ type: "quick-join" }));
    let m: Record<string, unknown>;
    do m = await ws.nextJSON();
    while (m.type === "rooms");
    answers.push(m);
  }
  expect(answers.map((m) => m.type)).toEqual(["matched", "matched", "unavailable"]);
  expect(answers[2]).toMatchObject({ reason: "Too many quick joins: at most 6 per minute per client." });
  await ws.close();
});

it("spam cannot create unbounded reserved rooms: new rooms waiting for players are capped", async () => {
  const lobby = `http://x/parties/tiny-lobby/${newRoom("cap")}`;
  const statuses: number[] = [];
  // Each client is fresh (its own address): only the room cap can stop them. One seat per room.
  for (let i = 0; i < 6; i++) {
    const res = await SELF.fetch(`${lobby}/quick-join`, { method: "POST", headers: { "cf-connecting-ip": `198.51.100.${i}` } });
    statuses.push(res.status);
    if (res.status === 503) expect(await res.text()).toBe("2 new rooms are already waiting for their players; try again shortly.");
    else await res.body?.cancel();
  }
  expect(statuses).toEqual([200, 200, 503, 503, 503, 503]);
  const rooms = (await (await SELF.fetch(lobby)).json<{ rooms: RoomListing[] }>()).rooms;
  expect(rooms).toHaveLength(2);
});

it("after storage.deleteAll() the lobby lists nothing, and quick join starts over", async () => {
  const lobby = `http://x/parties/tiny-lobby/${newRoom("reset")}`;
  const join = (ip: string) => SELF.fetch(`${lobby}/quick-join`, { method: "POST", headers: { "cf-connecting-ip": ip } });
  expect((await join("192.0.2.1")).status).toBe(200);
  expect((await join("192.0.2.2")).status).toBe(200);
  expect((await join("192.0.2.3")).status).toBe(503); // two rooms wait for players
  expect(await (await SELF.fetch(`${lobby}/reset`, { method: "POST" })).text()).toBe("reset");
  expect((await (await SELF.fetch(lobby)).json<{ rooms: RoomListing[] }>()).rooms).toEqual([]);
  const again = await join("192.0.2.4");
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ created: true });
});

it("user code cannot forge a report either: stubs from room.context.parties drop the caller header", async () => {
  const id = newRoom("stubbed");
  const a = await Client.join("arena", newRoom("forger"), "a");
  a.send({ type: "forge", id });
  expect(await a.next("forged")).toEqual({ type: "forged", status: 403 });
  expect(await entry(id)).toBeUndefined();
  await a.leaveSocket();
});
