// PartyKit's older object syntax (`export default { onConnect(ws, room) {…} }`) run by
// party(obj): PartyKit's argument order and room object, in both socket modes.
import { SELF, env, evictDurableObject } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { createWorker, party } from "../../src/index.js";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { runAlarmLater } from "../support/alarm.js";
import { objectServer } from "./fixtures/semantics.js";

type Msg = Record<string, any>;
const json = (s: TestSocket) => s.nextJSON<Msg>();
const fresh = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;

it("with onMessage it hibernates; hooks get (conn, room, ctx), (message, conn, room), (conn, room); edge hooks annotate", async () => {
  const room = fresh("obj");
  const a = await connect(SELF, `/parties/object/${room}?_pk=a&user=ann`);
  const b = await connect(SELF, `/parties/object/${room}?_pk=b&user=bo`);
  expect(await json(a)).toEqual({ type: "hello", id: "a", room, party: "object", user: `ann@${room}` });
  expect(await json(b)).toEqual({ type: "hello", id: "b", room, party: "object", user: `bo@${room}` });

  // Hibernating: the sockets outlive a real eviction and the next hook still gets the room.
  await evictDurableObject(env.OBJECT.get(env.OBJECT.idFromName(room)));
  a.send("hi");
  expect(await json(b)).toEqual({ type: "said", from: "a", room, text: "hi" });
  expect(await json(a)).toEqual({ type: "said", from: "a", room, text: "hi" });

  await b.close();
  expect(await json(a)).toEqual({ type: "left", id: "b" });
  const res = await SELF.fetch(`http://x/parties/object/${room}/anything`);
  expect(await res.json()).toEqual({ room, user: "http-user", closed: ["b"], alarmRoom: null });
  await a.close();
});

it("a throw in the object's onMessage is logged and the connection stays open", async () => {
  const room = fresh("obj-throw");
  const a = await connect(SELF, `/parties/object/${room}?_pk=a`);
  await json(a);
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    a.send("throw");
    a.send("after");
    expect(await json(a)).toEqual({ type: "said", from: "a", room, text: "after" });
    expect(spy.mock.calls.some((c) => String(c[0]).includes(`ObjectServer object/${room} onMessage of connection "a"`))).toBe(true);
  } finally {
    spy.mockRestore();
  }
  await a.close();
});

it("onAlarm(room) gets the room, id included", async () => {
  const room = fresh("obj-alarm");
  const a = await connect(SELF, `/parties/object/${room}?_pk=a`);
  await json(a);
  a.send("alarm");
  expect(await json(a)).toEqual({ type: "alarmSet" });
  expect(await runAlarmLater(env.OBJECT.get(env.OBJECT.idFromName(room)), 61_000)).toBe(true);
  const res = await SELF.fetch(`http://x/parties/object/${room}`);
  expect((await res.json<Msg>()).alarmRoom).toBe(room);
  await a.close();
});

it("with only onConnect it keeps sockets in memory (any state size) and the server's own listeners work", async () => {
  const room = fresh("obj-mem");
  const a = await connect(SELF, `/parties/object-mem/${room}?_pk=a`);
  expect(await json(a)).toEqual({ type: "hello", id: "a", room });
  a.send("ping");
  // 100 KB of state: only an in-memory connection can hold it.
  expect(await json(a)).toEqual({ type: "echo", room, data: "ping", stateBytes: 100_000 });
  await a.close();
  // No onRequest: HTTP to the room is 426, as for a class without one.
  expect((await SELF.fetch(`http://x/parties/object-mem/${room}`)).status).toBe(426);
});

it("onFetch of a main party in object syntax answers non-party URLs", async () => {
  // Bound to MAIN, as the fixture's main party: registering it changes nothing for other tests.
  const worker = createWorker({ main: party(objectServer, { binding: "MAIN" }) });
  const res = await worker.fetch!(new Request("http://x/elsewhere") as never, env as never, { waitUntil() {}, passThroughOnException() {} } as never);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("object onFetch /elsewhere");
});

it("party() refuses an object whose hook is not a function, naming it", () => {
  expect(() => party({ onMessage: "nope" } as never)).toThrow(/onMessage must be a function, got string/);
  expect(() => party(null as never)).toThrow(/expects a server class or a PartyKit server object, got null/);
});
