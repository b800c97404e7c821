// restart() of a room whose sockets live in the instance's memory (hibernate: false):
// the sockets are cut, storage is kept, and the next client connects to a new instance.
import { rooms } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";

afterEach(() => rooms.reset());

it("restart of an in-memory room cuts its sockets and the next connection reaches a new instance", async () => {
  const room = rooms.get("plain");
  const before = await room.connect({ id: "before" });
  expect(room.starts).toBe(1);

  await room.restart();
  expect((await before.closed).code).toBeGreaterThanOrEqual(1000);

  const after = await room.connect({ id: "after" });
  expect((await room.connections()).map((c) => c.id)).toEqual(["after"]);
  expect(room.starts).toBe(2);
  after.close();
});
