// Looking inside a room: connections with ids, tags and state; storage.
import { rooms } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";

afterEach(() => rooms.reset());

it("lists connections with their ids, tags and state, also after hibernation", async () => {
  rooms.useFakeTime(Date.UTC(2030, 0, 1));
  const room = rooms.get("clockwork");
  await room.connect({ id: "ada", query: { team: "red" } });
  await room.connect({ id: "bo", query: { team: "blue" } });
  const expected = [
    { id: "ada", tags: ["red"], state: { joinedAt: Date.UTC(2030, 0, 1) } },
    { id: "bo", tags: ["blue"], state: { joinedAt: Date.UTC(2030, 0, 1) } },
  ];
  const seen = async () => (await room.connections()).map(({ id, tags, state }) => ({ id, tags, state })).sort((a, b) => a.id.localeCompare(b.id));
  await expect.poll(seen).toEqual(expected);
  await room.evict();
  expect(await seen()).toEqual(expected);
  expect(room.starts).toBe(1); // inspecting wakes the object but does not run onStart
});

it("reads storage and answers HTTP through the Worker", async () => {
  const room = rooms.get("clockwork");
  expect(await room.storage()).toEqual({});
  const res = await room.fetch("", { method: "POST" });
  expect(res.status).toBe(426); // the room has socket hooks and no onRequest
  expect(await res.text()).toContain("only accepts WebSocket connections");
});

it("lists the connections of a room that keeps its sockets in memory", async () => {
  const room = rooms.get("plain");
  await room.connect({ id: "admin-1" });
  await room.connect({ id: "bo" });
  await expect
    .poll(async () => (await room.connections()).map(({ id, tags, state }) => ({ id, tags, state })).sort((a, b) => a.id.localeCompare(b.id)))
    .toEqual([
      { id: "admin-1", tags: ["admin"], state: { n: 1 } },
      { id: "bo", tags: ["guest"], state: { n: 2 } },
    ]);
});
