// Hibernating rooms across a real eviction: the instance is torn down while its
// sockets stay open, and everything must come back from the sockets and storage.
import { SELF, env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { expect, it } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { runAlarmLater } from "../support/alarm.js";

const json = (s: TestSocket) => s.nextJSON<Record<string, any>>();
const stub = (room: string) => env.PROBE.get(env.PROBE.idFromName(room));

it("connection ids, tags and state, room.id and room.name survive eviction; onStart runs again first", async () => {
  const room = "evict/me".replace("/", "-") + Math.random();
  const a = await connect(SELF, `/parties/probe/${room}?_pk=alice&tags=red`);
  const b = await connect(SELF, `/parties/probe/${room}?_pk=bob&tags=blue`);
  await Promise.all([a, b].map(json));
  a.send(JSON.stringify({ cmd: "setState", state: { name: "Alice", score: 3 } }));
  await json(a);
  a.send(JSON.stringify({ cmd: "whoami" }));
  expect(await json(a)).toMatchObject({ starts: 1, isWebSocket: true });

  await evictDurableObject(stub(room));

  a.send(JSON.stringify({ cmd: "whoami" }));
  // A fresh instance: starts is per-instance, so 1 again means onStart ran before onMessage.
  expect(await json(a)).toMatchObject({ type: "whoami", room, party: "probe", starts: 1, tags: ["red"], isWebSocket: true });
  b.send(JSON.stringify({ cmd: "getState", id: "alice" }));
  expect((await json(b)).state).toEqual({ name: "Alice", score: 3 });
  b.send(JSON.stringify({ cmd: "connections", tag: "blue" }));
  expect((await json(b)).ids).toEqual(["bob"]);
  const info = await (await SELF.fetch(`http://x/parties/probe/${room}`)).json<Record<string, any>>();
  expect(info.starts).toBe(2); // persisted counter: onStart ran once per life
  expect(info.connections).toEqual(["alice", "bob"]);

  await evictDurableObject(stub(room));
  await b.close();
  expect(await json(a)).toEqual({ type: "left", id: "bob", state: null });
  await a.close();
});

it("timers survive eviction and fire with room.id and room.name set", async () => {
  const room = "timer-evict-" + Math.random();
  const a = await connect(SELF, `/parties/probe/${room}?_pk=t`);
  await json(a);
  a.send(JSON.stringify({ cmd: "schedule", name: "after-evict", ms: 0, payload: [1, 2] }));
  a.send(JSON.stringify({ cmd: "setAlarm", ms: 0 }));
  await json(a);
  await json(a);
  // The platform alarm may already have fired; either way evict, then force the alarm.
  await evictDurableObject(stub(room)).catch(() => {});
  await runDurableObjectAlarm(stub(room));
  const info = await (await SELF.fetch(`http://x/parties/probe/${room}`)).json<Record<string, any>>();
  expect(info.timers).toEqual(["after-evict"]);
  expect(info.alarmRoom).toBe(room);
  await a.close();
});

it("an alarm in a room evicted with no sockets still knows its id", async () => {
  const room = "alarm-cold-" + Math.random();
  const a = await connect(SELF, `/parties/probe/${room}?_pk=t`);
  await json(a);
  a.send(JSON.stringify({ cmd: "schedule", name: "cold", ms: 60_000 }));
  await json(a);
  await a.close();
  await evictDurableObject(stub(room));
  // Move the clock so the timer is due, then fire the alarm on a cold instance.
  expect(await runAlarmLater(stub(room), 61_000)).toBe(true);
  const info = await (await SELF.fetch(`http://x/parties/probe/${room}`)).json<Record<string, any>>();
  expect(info.timers).toEqual(["cold"]);
});

// Issue 14.5: roomkit's own refusals are remembered with the socket. The test client
// (compatibility date before 2026-04-07) answers a close only when it calls close()
// itself, so its answer can be made to arrive after a real eviction.
it("a socket refused by a throwing onConnect gets no onClose, even when its close arrives after eviction", async () => {
  const room = "refused-connect-" + Math.random();
  const watcher = await connect(SELF, `/parties/probe/${room}?_pk=w`);
  await json(watcher);
  const bad = await connect(SELF, `/parties/probe/${room}?_pk=bad&fail=connect`);
  expect(await bad.closed).toEqual({ code: 1011, reason: "Internal server error" });

  await evictDurableObject(stub(room));
  bad.ws.close(); // reaches a new instance of the room
  watcher.send(JSON.stringify({ cmd: "echo", data: "after" }));
  expect(await json(watcher)).toEqual({ type: "echo", data: "after" });
  const info = await (await SELF.fetch(`http://x/parties/probe/${room}`)).json<Record<string, any>>();
  expect(info.closed).toEqual([]);
  expect(info.connections).toEqual(["w"]);
  expect(watcher.pending).toHaveLength(0);
  await watcher.close();
});

it("a connection closed for a limit gets onClose once and no onMessage, even when its close arrives after eviction", async () => {
  const room = "refused-limit-" + Math.random();
  const watcher = await connect(SELF, `/parties/probe/${room}?_pk=w`);
  const a = await connect(SELF, `/parties/probe/${room}?_pk=a`);
  await Promise.all([watcher, a].map(json));
  a.send("x".repeat(1_048_577)); // over the default maxMessageBytes
  expect((await a.closed).code).toBe(1009);
  expect(await json(watcher)).toEqual({ type: "left", id: "a", state: null });

  await evictDurableObject(stub(room));
  a.ws.send(JSON.stringify({ cmd: "broadcast", data: "from a refused socket" })); // sent before the client answers the close
  a.ws.close();
  watcher.send(JSON.stringify({ cmd: "echo", data: "after" }));
  expect(await json(watcher)).toEqual({ type: "echo", data: "after" });
  const info = await (await SELF.fetch(`http://x/parties/probe/${room}`)).json<Record<string, any>>();
  expect(info.closed).toEqual(["a"]);
  expect(watcher.pending).toHaveLength(0);
  await watcher.close();
});
