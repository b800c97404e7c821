// room.storage.deleteAll() resets a room, and timers, alarms and transactions keep working.
import { SELF, env, runDurableObjectAlarm } from "cloudflare:test";
import { expect, it } from "vitest";
import { runAlarmLater } from "../support/alarm.js";

const HOUR = 3_600_000;
const stub = (room: string) => env.TIMER_LAB.get(env.TIMER_LAB.idFromName(room));
type State = { fired: { name: string; payload?: unknown }[]; alarm: number | null; keys: string[] };

async function post(room: string, body: object): Promise<Record<string, unknown>> {
  const res = await SELF.fetch(`http://x/parties/timer-lab/${room}`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}
const state = async (room: string) => (await SELF.fetch(`http://x/parties/timer-lab/${room}`)).json<State>();

it("deleteAll() drops the data, timers and alarm, tells roomkit's helpers, and everything keeps working", async () => {
  const room = "reset-" + Math.random();
  await post(room, { cmd: "put", key: "score", value: 7 });
  await post(room, { cmd: "schedule", name: "before", ms: 30_000 });
  await post(room, { cmd: "setAlarm", ms: 40_000 });

  // The reset listener ran once, after the data was gone (it wrote "resetSeen" into the empty store).
  expect(await post(room, { cmd: "deleteAll" })).toEqual({ resets: 1 });
  // As the platform does for its alarm since compatibility date 2026-02-24: timers and alarm are reset too.
  expect(await state(room)).toEqual({ fired: [], alarm: null, keys: ["resetSeen"] });

  await post(room, { cmd: "schedule", name: "after", ms: 30_000, payload: "x" });
  await post(room, { cmd: "setAlarm", ms: 40_000 });
  expect((await state(room)).alarm).toEqual(expect.any(Number));
  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  expect((await state(room)).fired).toEqual([{ name: "after", payload: "x" }, { name: "onAlarm" }]);
  expect(await runDurableObjectAlarm(stub(room))).toBe(false);
});

it("storage.transaction(txn => txn.setAlarm()) sets the user's alarm alongside timers", async () => {
  const room = "txn-" + Math.random();
  await post(room, { cmd: "schedule", name: "timer", ms: 30_000 });
  const { at, seen } = await post(room, { cmd: "txnSetAlarm", ms: 2 * HOUR });
  expect(seen).toBe(at); // txn.getAlarm() sees the user's alarm, not the timers' platform alarm
  expect((await state(room)).alarm).toBe(at);

  // The timer still wakes the room first, and the user's alarm fires at its own time.
  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  expect((await state(room)).fired).toEqual([{ name: "timer" }]);
  expect(await runAlarmLater(stub(room), 3 * HOUR)).toBe(true);
  expect((await state(room)).fired).toEqual([{ name: "timer" }, { name: "onAlarm" }]);

  await post(room, { cmd: "txnSetAlarm", ms: HOUR });
  await post(room, { cmd: "txnDeleteAlarm" });
  expect((await state(room)).alarm).toBeNull();
  expect(await runDurableObjectAlarm(stub(room))).toBe(false);
});
