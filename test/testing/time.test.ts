// Fake time: rooms.advance() runs every kind of timer in order, at the right
// room time, without waiting.
import { rooms, toMs } from "roomkit/testing";
import { afterEach, beforeEach, expect, it } from "vitest";

type Fired = { what: string; at: number };
const START = Date.UTC(2030, 0, 1);

beforeEach(() => rooms.useFakeTime(START));
afterEach(() => rooms.reset());

it("runs a 30 s repeating timer through 10 minutes of room time in well under a second", async () => {
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  ws.send("every 30000");
  await expect.poll(async () => (await room.timers()).length).toBe(1);

  const began = performance.now();
  const ran = await rooms.advance("10m");
  const tookMs = performance.now() - began;

  expect(ran.alarms).toBe(20);
  const fired: Fired[] = [];
  for (let i = 0; i < 20; i++) fired.push(await ws.nextJSON<Fired>());
  expect(fired.map((f) => f.at - START)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 30_000));
  expect(fired.every((f) => f.what === "heartbeat")).toBe(true);
  expect(rooms.now()).toBe(START + 600_000);
  expect(tookMs).toBeLessThan(1_000);
  console.log(`[testing] 10 min of a 30 s timer: ${ran.alarms} firings in ${tookMs.toFixed(0)} ms`);
});

it("runs named, repeating, Flusher and setAlarm timers interleaved in time order", async () => {
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  for (const m of ["every 25000", "once 40000", "alarm 55000", "dirty"]) ws.send(m);
  await expect.poll(async () => (await room.timers()).length).toBe(4);
  expect(await room.timers()).toEqual([
    { name: "roomkit:flush:default", kind: "roomkit", at: START + 10_000, in: 10_000, every: null, payload: undefined, attempt: 0 },
    { name: "heartbeat", kind: "timer", at: START + 25_000, in: 25_000, every: 25_000, payload: { n: 1 }, attempt: 0 },
    { name: "once", kind: "timer", at: START + 40_000, in: 40_000, every: null, payload: { note: "hello" }, attempt: 0 },
    { name: "onAlarm", kind: "alarm", at: START + 55_000, in: 55_000, every: null, payload: undefined, attempt: 0 },
  ]);

  await rooms.advance("1m");
  const fired: Fired[] = [];
  for (let i = 0; i < 5; i++) fired.push(await ws.nextJSON<Fired>());
  expect(fired).toEqual([
    { what: "flush", at: START + 10_000 },
    { what: "heartbeat", at: START + 25_000 },
    { what: "once", at: START + 40_000 },
    { what: "heartbeat", at: START + 50_000 },
    { what: "onAlarm", at: START + 55_000 },
  ]);
  await ws.expectSilence(50);
  expect((await room.timers()).map((t) => [t.name, t.in])).toEqual([["heartbeat", 15_000]]);
});

it("fires nothing before its time: advancing in small steps is the same as one big step", async () => {
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  ws.send("once 30000");
  await expect.poll(async () => (await room.timers()).length).toBe(1);
  await rooms.advance("29999ms");
  await ws.expectSilence(30);
  await rooms.advance(1);
  expect(await ws.nextJSON()).toEqual({ what: "once", at: START + 30_000 });
});

it("retries a failing timer on its backoff, inside the same advance", async () => {
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  ws.send("flaky 1000");
  await expect.poll(async () => (await room.timers()).length).toBe(1);
  await rooms.advance("10s");
  expect(await ws.nextJSON()).toEqual({ what: "flaky failed", at: START + 1_000 });
  expect(await ws.nextJSON()).toEqual({ what: "flaky", at: START + 3_000 }); // first retry after 2 s
  expect(await room.timers()).toEqual([]);
});

it("sets no platform alarm under fake time, so nothing fires behind the test's back", async () => {
  rooms.useFakeTime(Date.UTC(2020, 0, 1)); // in the real past: a platform alarm would go off at once
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  ws.send("once 1000");
  await expect.poll(async () => (await room.timers()).length).toBe(1);
  expect(await room.run((state) => state.storage.getAlarm())).toBeNull();
  await ws.expectSilence(50);
  await rooms.advance("1s");
  expect(await ws.nextJSON()).toEqual({ what: "once", at: Date.UTC(2020, 0, 1) + 1_000 });
});

it("Date.now() in rooms and tests reads the fake clock", async () => {
  const room = rooms.get("clockwork");
  const ws = await room.connect();
  await rooms.advance("90s");
  ws.send("put seen");
  await expect.poll(async () => (await room.storage()).seen).toBe(START + 90_000);
  expect(Date.now()).toBe(START + 90_000);
});

it("refuses to advance without fake time, and reads bad durations precisely", async () => {
  rooms.useRealTime();
  await expect(rooms.advance("1s")).rejects.toThrow("advance() needs fake time: call rooms.useFakeTime() first");
  rooms.useFakeTime(START);
  await expect(rooms.advance("ten seconds")).rejects.toThrow('Cannot read the duration "ten seconds"');
  await expect(rooms.advance(-5)).rejects.toThrow("A duration must be a finite number of milliseconds ≥ 0, got -5.");
  expect(() => rooms.useFakeTime(Number.NaN)).toThrow("Fake time must start at a finite epoch time, got NaN.");
});

it("reads durations as tests write them", () => {
  expect([toMs("250ms"), toMs("30s"), toMs("10m"), toMs("1h30m"), toMs("1m 30s"), toMs(1500)]).toEqual([250, 30_000, 600_000, 5_400_000, 90_000, 1500]);
  expect(() => toMs("30 sec")).toThrow('Cannot read the duration "30 sec"');
});
