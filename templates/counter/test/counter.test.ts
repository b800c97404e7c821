// The counter, tested inside workerd with real WebSockets (roomkit/testing).
import { SELF, env, evictDurableObject } from "cloudflare:test";
import { connect } from "roomkit/testing";
import { expect, it } from "vitest";

const newRoom = () => `test-${crypto.randomUUID()}`;
const state = async (room: string) =>
  (await SELF.fetch(`http://localhost/parties/main/${room}`)).json<{ count: number; online: number; reported: { count: number } | null }>();

it("keeps two clients in sync", async () => {
  const room = newRoom();
  const alice = await connect(SELF, `/parties/main/${room}`);
  expect(await alice.nextJSON()).toEqual({ count: 0, online: 1 });
  const bob = await connect(SELF, `/parties/main/${room}`);
  expect(await bob.nextJSON()).toEqual({ count: 0, online: 2 });
  expect(await alice.nextJSON()).toEqual({ online: 2 });

  alice.send("increment");
  bob.send("increment");
  expect(await alice.nextJSON()).toEqual({ count: 1 });
  expect(await alice.nextJSON()).toEqual({ count: 2 });
  expect(await bob.nextJSON()).toEqual({ count: 1 });
  expect(await bob.nextJSON()).toEqual({ count: 2 });
  await alice.close();
  await bob.close();
});

it("keeps the count when the room is evicted from memory", async () => {
  const room = newRoom();
  const ws = await connect(SELF, `/parties/main/${room}`);
  await ws.nextJSON();
  ws.send("increment");
  expect(await ws.nextJSON()).toEqual({ count: 1 });

  await evictDurableObject(env.MAIN.get(env.MAIN.idFromName(room)));

  // The hibernated socket still works, and a new one sees the stored count.
  ws.send("increment");
  expect(await ws.nextJSON()).toEqual({ count: 2 });
  const late = await connect(SELF, `/parties/main/${room}`);
  expect(await late.nextJSON()).toEqual({ count: 2, online: 2 });
  await ws.close();
  await late.close();
});

it("flushes a snapshot when the last connection leaves", async () => {
  const room = newRoom();
  const ws = await connect(SELF, `/parties/main/${room}`);
  await ws.nextJSON();
  ws.send("increment");
  await ws.nextJSON();
  expect((await state(room)).reported).toBeNull(); // not yet: the room is active
  await ws.close();
  await expect.poll(async () => (await state(room)).reported?.count).toBe(1);
});

it("answers unknown messages with an error, only to the sender", async () => {
  const room = newRoom();
  const ws = await connect(SELF, `/parties/main/${room}`);
  await ws.nextJSON();
  ws.send("explode");
  expect(await ws.nextJSON()).toEqual({ error: 'Send "increment" or "reset".' });
  expect((await state(room)).count).toBe(0);
  await ws.close();
});
