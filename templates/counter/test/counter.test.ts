// The counter, tested inside workerd with real WebSockets through the Worker,
// using roomkit/testing: `rooms.get()` gives a fresh room per test, fake time
// drives the Flusher, `room.evict()` hibernates the room. Guide: roomkit's docs/testing.md.
import { rooms } from "roomkit/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { CounterMessage } from "../src/counter";

type Report = { count: number; at: string } | null;

beforeEach(() => rooms.useFakeTime());
afterEach(() => rooms.reset());

it("keeps two clients in sync", async () => {
  const room = rooms.get("main");
  const alice = await room.connect();
  expect(await alice.nextJSON<CounterMessage>()).toEqual({ count: 0, online: 1 });
  const bob = await room.connect();
  expect(await bob.nextJSON<CounterMessage>()).toEqual({ count: 0, online: 2 });
  expect(await alice.nextJSON<CounterMessage>()).toEqual({ online: 2 });

  alice.send("increment");
  bob.send("increment");
  for (const ws of [alice, bob]) {
    expect(await ws.nextJSON<CounterMessage>()).toEqual({ count: 1 });
    expect(await ws.nextJSON<CounterMessage>()).toEqual({ count: 2 });
  }
});

it("keeps the count and the sockets when the room hibernates", async () => {
  const room = rooms.get("main");
  const ws = await room.connect();
  await ws.nextJSON();
  ws.send("increment");
  expect(await ws.nextJSON<CounterMessage>()).toEqual({ count: 1 });

  await room.evict(); // out of memory; the hibernated socket stays open
  ws.send("increment");
  expect(await ws.nextJSON<CounterMessage>()).toEqual({ count: 2 });
  expect(room.starts).toBe(2); // a new instance served the second increment
  const late = await room.connect();
  expect(await late.nextJSON<CounterMessage>()).toEqual({ count: 2, online: 2 });
  expect(await room.storage()).toMatchObject({ count: 2 });
});

it("reports the count 10 s after a change while the room is busy", async () => {
  const room = rooms.get("main");
  const ws = await room.connect();
  await ws.nextJSON();
  ws.send("increment");
  await ws.nextJSON();
  expect(await room.timers()).toMatchObject([{ name: "roomkit:flush:default", in: 10_000 }]);

  await rooms.advance("9s");
  expect((await room.storage()).reported).toBeUndefined();
  await rooms.advance("1s");
  expect((await room.storage()).reported).toMatchObject({ count: 1 });
  expect(await room.timers()).toEqual([]);
});

it("reports at once when the last connection leaves", async () => {
  const room = rooms.get("main");
  const ws = await room.connect();
  await ws.nextJSON();
  ws.send("increment");
  await ws.nextJSON();
  await ws.close();
  await expect.poll(async () => (await room.fetch()).json<{ reported: Report }>()).toMatchObject({ reported: { count: 1 } });
});

it("answers unknown messages with an error, only to the sender", async () => {
  const room = rooms.get("main");
  const [ws, other] = await room.connectMany(2);
  await ws!.nextJSON();
  await other!.nextJSON();
  await ws!.nextJSON(); // { online: 2 }
  ws!.send("explode");
  expect(await ws!.nextJSON<CounterMessage>()).toEqual({ error: 'Send "increment" or "reset".' });
  await other!.expectSilence(50);
  expect((await room.storage()).count).toBeUndefined();
});
