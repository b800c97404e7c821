// Timers under failure: stale copies never fire, and nothing is stranded by a failing onStart.
import { SELF, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { runAlarmLater } from "../support/alarm.js";

const HOUR = 3_600_000;
const stub = (room: string) => env.TIMER_LAB.get(env.TIMER_LAB.idFromName(room));
const url = (room: string) => `http://x/parties/timer-lab/${room}`;
type State = { fired: { name: string; payload?: unknown }[]; alarm: number | null; keys: string[] };

async function post(room: string, body: object): Promise<Record<string, unknown>> {
  const res = await SELF.fetch(url(room), { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}
const state = async (room: string) => (await SELF.fetch(url(room))).json<State>();
async function command(ws: TestSocket, body: object) {
  ws.send(JSON.stringify(body));
  return JSON.parse((await ws.next()) as string);
}

it("a timer cancelled or replaced while another handler awaits never fires in its old form", async () => {
  const room = "race-" + Math.random();
  const ws = await connect(SELF, `/parties/timer-lab/${room}`);
  await command(ws, { cmd: "schedule", name: "slow", ms: 30_000 });
  await command(ws, { cmd: "schedule", name: "victim", ms: 40_000 });
  await command(ws, { cmd: "schedule", name: "replaced", ms: 45_000, payload: "old" });

  // All three are due; "slow" runs first and waits until released.
  const alarm = runAlarmLater(stub(room), HOUR);
  expect(JSON.parse((await ws.next()) as string)).toEqual({ waiting: "slow" });
  expect(await command(ws, { cmd: "cancel", name: "victim" })).toEqual({ ok: true });
  await command(ws, { cmd: "schedule", name: "replaced", ms: 0, payload: "new" });
  await command(ws, { cmd: "release" });
  expect(await alarm).toBe(true);

  // Whatever is left (nothing should be) runs too: "replaced" must not fire a second time.
  await runAlarmLater(stub(room), 2 * HOUR);
  expect((await state(room)).fired).toEqual([{ name: "slow" }, { name: "replaced", payload: "new" }]);
  await ws.close();
});

it("timers wait out an onStart that fails longer than the platform retries, then all fire once", async () => {
  const room = "strand-" + Math.random();
  await post(room, { cmd: "schedule", name: "a", ms: 30_000, payload: 1 });
  await post(room, { cmd: "schedule", name: "b", ms: 50_000, payload: { two: 2 } });
  await post(room, { cmd: "setAlarm", ms: 40_000 });
  await post(room, { cmd: "failStarts", n: 9 });
  await evictDurableObject(stub(room));

  // Each failed attempt sets the alarm again itself (the test runner, like the platform after its
  // retries, removes an alarm before running it), so the room is never left without one.
  for (let attempt = 1; attempt <= 9; attempt++) {
    expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  }
  // onStart succeeds on the tenth attempt: every due timer fires, once.
  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  const after = await state(room);
  expect(after.fired).toEqual([{ name: "a", payload: 1 }, { name: "onAlarm" }, { name: "b", payload: { two: 2 } }]);
  expect(after.alarm).toBeNull();
  expect(await runDurableObjectAlarm(stub(room))).toBe(false);
});

it("a room whose alarm was lost re-arms it when it next starts", async () => {
  const room = "rearm-" + Math.random();
  await post(room, { cmd: "schedule", name: "kept", ms: 30_000 });
  await evictDurableObject(stub(room));
  // The platform gave up on the alarm (e.g. after its retries against a failing onStart).
  await runInDurableObject(stub(room), (_, ctx) => ctx.storage.deleteAlarm());
  expect((await state(room)).fired).toEqual([]); // the next request starts the room
  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  expect((await state(room)).fired).toEqual([{ name: "kept" }]);
});

it("a key-value-backed room runs onAlarm; its timers are refused with the new_sqlite_classes fix", async () => {
  const room = "kv-" + Math.random();
  const kv = env.KV_ALARM.get(env.KV_ALARM.idFromName(room));
  const call = async (body: object) =>
    (await SELF.fetch(`http://x/parties/kv-alarm/${room}`, { method: "POST", body: JSON.stringify(body) })).json<Record<string, unknown>>();
  const set = await call({ cmd: "setAlarm", ms: 60_000 });
  expect(set.alarm).toEqual(expect.any(Number));
  expect(await runDurableObjectAlarm(kv)).toBe(true);
  expect(await call({ cmd: "state" })).toEqual({ alarms: 1, alarm: null });
  expect((await call({ cmd: "schedule", ms: 1_000 })).error).toMatch(/new_sqlite_classes/);
});
