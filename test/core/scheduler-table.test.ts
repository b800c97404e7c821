// The scheduler's table over a room's life: a new room's first timers (the table created, the
// alarm set without reading storage back), a room that finds an emptied table after eviction,
// a platform alarm left behind with no timer, and a helper's wake-up (no row) sharing the alarm.
import { SELF, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { runAlarmLater } from "../support/alarm.js";

const HOUR = 3_600_000;
const stub = (room: string) => env.TIMER_LAB.get(env.TIMER_LAB.idFromName(room));
type State = { fired: { name: string }[] };

async function post(room: string, body: object): Promise<Record<string, unknown>> {
  const res = await SELF.fetch(`http://x/parties/timer-lab/${room}`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}
/** What has fired (read through the room, which starts it), and the object's platform alarm. */
async function state(room: string): Promise<State & { alarm: number | null }> {
  const { fired } = (await post(room, { cmd: "state" })) as State;
  return { fired, alarm: await runInDurableObject(stub(room), (_, ctx) => ctx.storage.getAlarm()) };
}

/** Schedules `name` in `ms` and resolves to the bounds of its due time. */
async function schedule(room: string, name: string, ms: number): Promise<[number, number]> {
  const before = Date.now();
  await post(room, { cmd: "schedule", name, ms });
  return [before + ms, Date.now() + ms];
}

const timersTable = (room: string) =>
  runInDurableObject(stub(room), (_, ctx) => ctx.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = '_roomkit_timers'").toArray().length);

it("a new room's first timers: the alarm follows the earliest of them, and they fire after eviction", async () => {
  const room = "first-" + Math.random();
  expect((await state(room)).alarm).toBeNull();
  expect(await timersTable(room)).toBe(0); // a room without timers has no table

  const [laterMin, laterMax] = await schedule(room, "later", 60_000); // the room's first timer
  let { alarm } = await state(room);
  expect(alarm).toBeGreaterThanOrEqual(laterMin);
  expect(alarm).toBeLessThanOrEqual(laterMax);
  expect(await post(room, { cmd: "cancel", name: "never-scheduled" })).toEqual({ ok: false });

  const [soonerMin, soonerMax] = await schedule(room, "sooner", 30_000); // the second moves the alarm earlier
  ({ alarm } = await state(room));
  expect(alarm).toBeGreaterThanOrEqual(soonerMin);
  expect(alarm).toBeLessThanOrEqual(soonerMax);

  await evictDurableObject(stub(room));
  expect(await runAlarmLater(stub(room), 45_000)).toBe(true);
  const after = await state(room);
  expect(after.fired).toEqual([{ name: "sooner" }]);
  expect(after.alarm).toBeGreaterThanOrEqual(laterMin);
  expect(after.alarm).toBeLessThanOrEqual(laterMax);

  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  expect(await state(room)).toMatchObject({ fired: [{ name: "sooner" }, { name: "later" }], alarm: null });
});

it("a timer scheduled after eviction into the room's emptied table is armed and fires", async () => {
  const room = "again-" + Math.random();
  await schedule(room, "once", 30_000);
  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  expect((await state(room)).alarm).toBeNull();
  expect(await timersTable(room)).toBe(1); // empty, but there

  await evictDurableObject(stub(room));
  const [min, max] = await schedule(room, "twice", 30_000);
  const { alarm } = await state(room);
  expect(alarm).toBeGreaterThanOrEqual(min);
  expect(alarm).toBeLessThanOrEqual(max);
  await evictDurableObject(stub(room));
  expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
  expect(await state(room)).toMatchObject({ fired: [{ name: "once" }, { name: "twice" }], alarm: null });
});

it("a room's first timer replaces a platform alarm left behind without timers", async () => {
  const room = "leftover-" + Math.random();
  expect((await state(room)).alarm).toBeNull();
  // An alarm with no timer behind it (e.g. one set just before a crash emptied the table).
  const leftover = Date.now() + HOUR;
  await runInDurableObject(stub(room), (_, ctx) => ctx.storage.setAlarm(leftover));

  const [min, max] = await schedule(room, "real", 30_000);
  const { alarm } = await state(room);
  expect(alarm).toBeGreaterThanOrEqual(min);
  expect(alarm).toBeLessThanOrEqual(max);
  expect(await runAlarmLater(stub(room), 45_000)).toBe(true);
  expect(await state(room)).toMatchObject({ fired: [{ name: "real" }], alarm: null });
  expect(await runDurableObjectAlarm(stub(room))).toBe(false);
});

it("a wake-up shares the one alarm with timers: it writes no row, a timer's cancel keeps it, an earlier timer goes first", async () => {
  const room = "wake-" + Math.random();
  const near = (alarm: number | null, ms: number) => {
    expect(alarm).not.toBeNull();
    expect(Math.abs(alarm! - (Date.now() + ms))).toBeLessThan(5_000);
  };
  await post(room, { cmd: "wake", ms: 30_000 });
  near((await state(room)).alarm, 30_000);
  expect(await timersTable(room)).toBe(0);

  await schedule(room, "later", 60_000);
  near((await state(room)).alarm, 30_000);
  expect(await post(room, { cmd: "cancel", name: "later" })).toEqual({ ok: true });
  near((await state(room)).alarm, 30_000); // the wake-up is not a row, but the alarm still counts it

  await schedule(room, "sooner", 10_000);
  near((await state(room)).alarm, 10_000);
  expect(await runAlarmLater(stub(room), 15_000)).toBe(true);
  let after = await state(room);
  expect(after.fired).toEqual([{ name: "sooner" }]);
  near(after.alarm, 30_000);

  expect(await runAlarmLater(stub(room), 45_000)).toBe(true);
  after = await state(room);
  expect(after.fired).toEqual([{ name: "sooner" }, { name: "lab:wake" }]);
  expect(after.alarm).toBeNull();
});
