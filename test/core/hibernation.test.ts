// Hibernating rooms across a real eviction: the instance is torn down while its
// sockets stay open, and everything must come back from the sockets and storage.
import { SELF, env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { expect, it } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { runAlarmLater } from "./clock.js";

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
  expect(await json(a)).toMatchObject({ starts: 1 });

  await evictDurableObject(stub(room));

  a.send(JSON.stringify({ cmd: "whoami" }));
  // A fresh instance: starts is per-instance, so 1 again means onStart ran before onMessage.
  expect(await json(a)).toMatchObject({ type: "whoami", room, party: "probe", starts: 1, tags: ["red"] });
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
