// Evict (hibernation, sockets kept), restart (instance gone, storage kept),
// reset between tests, and the start count that tells them apart.
import { rooms } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";

afterEach(() => rooms.reset());

it("evict hibernates the room: sockets stay open and the next message starts a new instance", async () => {
  const room = rooms.get("guarded");
  const alice = await room.connect({ id: "alice", query: { token: "letmein" } });
  const bob = await room.connect({ id: "bob", query: { token: "letmein" } });
  await alice.nextJSON();
  await bob.nextJSON();
  expect(room.starts).toBe(1);

  await room.evict();
  alice.send("still here?");
  expect(await bob.next()).toBe("still here?");
  expect(room.starts).toBe(2);
  expect(alice.closeInfo).toBeUndefined();
});

it("evicting a room that is not in memory is a no-op", async () => {
  const room = rooms.get("guarded");
  const ws = await room.connect({ query: { token: "letmein" } });
  await ws.nextJSON();
  await room.evict();
  await room.evict();
  expect(room.starts).toBe(1);
});

it("restart closes the sockets, keeps storage, and starts again on the next use", async () => {
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  ws.send("put kept");
  await expect.poll(async () => Object.keys(await room.storage())).toEqual(["kept"]);
  const starts = room.starts;

  await room.restart();
  expect((await ws.closed).code).toBeGreaterThanOrEqual(1000);
  expect(Object.keys(await room.storage())).toEqual(["kept"]);
  const again = await room.connect();
  again.send("put more");
  await expect.poll(async () => Object.keys(await room.storage()).sort()).toEqual(["kept", "more"]);
  expect(room.starts).toBe(starts + 1);
});

it("reset deletes storage and pending timers, closes the kit's sockets and forgets start counts", async () => {
  rooms.useFakeTime();
  const room = rooms.get("clockwork", "shared-name");
  const ws = await room.connect();
  ws.send("put x");
  ws.send("every 1000");
  await expect.poll(async () => (await room.timers()).length).toBe(1);

  await rooms.reset();
  expect(ws.closeInfo).toBeDefined();
  expect(room.starts).toBe(0);
  expect(await room.storage()).toEqual({});
  expect(await room.timers()).toEqual([]);
  expect(() => Date.now()).not.toThrow();
  await expect(rooms.advance("1s")).rejects.toThrow("needs fake time");
});
