// The counter template uses durable broadcasts for its count changes: a tab
// that was away is sent every change it missed, once, in order; tabs that do
// not ask (older clients, the template's own tests) see the same JSON as ever;
// "who is online" is live only; a tab away too long starts over from the count.
import { DurableHistory } from "roomkit/durable";
import { rooms, type TestSocket } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";

afterEach(() => rooms.reset());

type Seen = { durable: unknown[]; live: unknown[]; resets: (string | undefined)[]; ready: number };

/** A tab as the template's client is: DurableHistory reading a socket. */
async function tab(room: ReturnType<typeof rooms.get>, history: DurableHistory, id: string): Promise<{ socket: TestSocket; seen: Seen }> {
  const seen: Seen = { durable: [], live: [], resets: [], ready: 0 };
  const socket = await room.connect({ id, query: history.query() });
  socket.ws.addEventListener("message", (e) =>
    history.receive(e.data as string, {
      message: (data, info) => (info.durable ? seen.durable : seen.live).push(JSON.parse(data as string)),
      reset: (state) => seen.resets.push(state),
      ready: () => seen.ready++,
    }),
  );
  await expect.poll(() => seen.ready).toBe(1);
  return { socket, seen };
}

it("a tab that was away is sent every count change it missed; online counts are live only", async () => {
  const room = rooms.get("counter");
  const clicker = await room.connect({ id: "clicker" });
  expect(await clicker.nextJSON()).toEqual({ count: 0, online: 1 });
  const history = new DurableHistory();
  const away = await tab(room, history, "tab");
  expect(away.seen.live).toEqual([{ count: 0, online: 2 }]); // onConnect's welcome, unframed
  expect(await clicker.nextJSON()).toEqual({ online: 2 });
  await away.socket.close();
  expect(await clicker.nextJSON()).toEqual({ online: 1 });

  for (const command of ["increment", "increment", "reset", "increment"]) clicker.send(command);
  for (const count of [1, 2, 0, 1]) expect(await clicker.nextJSON()).toEqual({ count }); // unchanged for plain clients
  const back = await tab(room, history, "tab");
  expect(back.seen.live).toEqual([{ count: 1, online: 2 }]);
  expect(back.seen.durable).toEqual([{ count: 1 }, { count: 2 }, { count: 0 }, { count: 1 }]);
  expect(await clicker.nextJSON()).toEqual({ online: 2 }); // not stored, so never replayed
});

it("a tab away for more than 100 changes starts over from the current count", async () => {
  const room = rooms.get("counter");
  const clicker = await room.connect({ id: "clicker" });
  await clicker.nextJSON();
  const history = new DurableHistory();
  const away = await tab(room, history, "tab");
  await away.socket.close();
  for (let i = 0; i < 130; i++) clicker.send("increment");
  await clicker.waitForJSON<{ count?: number }>((m) => m.count === 130, 10_000);
  const back = await tab(room, history, "tab");
  expect(back.seen.resets).toEqual(['{"count":130}']);
  expect(back.seen.durable).toEqual([]);
});
