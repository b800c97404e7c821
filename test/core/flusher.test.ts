// Flusher: debounced, durable flushing to an external store; the same promises whether the pending
// flush is a timer row (the default) or the room's own storage with a wake-up (pendingIn: "storage").
import { SELF, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Flusher, type FlusherOptions } from "../../src/index.js";
import type * as Party from "../../src/index.js";
import { ROOM_OF } from "../../src/party.js";
import { connect } from "../../src/testing/index.js";
import { runAlarmLater } from "../support/alarm.js";
import { waitFor } from "../support/wait-for.js";

const sinkLog = async (room: string) => (await SELF.fetch(`http://x/parties/sink/${room}`)).json<string[]>();

describe.each([
  { party: "flushing", binding: "FLUSHING" as const, pendingIn: "timer" },
  { party: "flushing-stored", binding: "FLUSHING_STORED" as const, pendingIn: "storage" },
])("pendingIn: $pendingIn", ({ party, binding, pendingIn }) => {
  const stub = (room: string) => env[binding].get(env[binding].idFromName(room));

  /** Fires the room's alarm with the clock moved past every pending timer. */
  const fireLater = (room: string, ms = 3_600_000) => runAlarmLater(stub(room), ms);

  it("flushes once per interval while active, not per change", async () => {
    const room = "fl-" + Math.random();
    const ws = await connect(SELF, `/parties/${party}/${room}`);
    for (let i = 1; i <= 3; i++) {
      ws.send("inc");
      expect(JSON.parse((await ws.next()) as string)).toEqual({ count: i, dirty: true });
    }
    expect(await sinkLog(room)).toEqual([]);
    expect(await fireLater(room)).toBe(true);
    expect(await sinkLog(room)).toEqual(["3"]);
    // Clean now: no timer is left to wake the room.
    expect(await runDurableObjectAlarm(stub(room))).toBe(false);
    await ws.close();
  });

  it("flushes when the last connection leaves", async () => {
    const room = "fl-" + Math.random();
    const a = await connect(SELF, `/parties/${party}/${room}`);
    const b = await connect(SELF, `/parties/${party}/${room}`);
    a.send("inc");
    await a.next();
    await a.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await sinkLog(room)).toEqual([]); // b is still here
    b.send("inc");
    await b.next();
    await b.close();
    await waitFor(async () => (await sinkLog(room)).length > 0, "the flush reached the sink");
    expect(await sinkLog(room)).toEqual(["2"]);
  });

  it("a pending flush survives eviction", async () => {
    const room = "fl-" + Math.random();
    const ws = await connect(SELF, `/parties/${party}/${room}`);
    ws.send("inc");
    await ws.next();
    await evictDurableObject(stub(room));
    expect(await fireLater(room)).toBe(true);
    expect(await sinkLog(room)).toEqual(["1"]);
    await ws.close();
  });

  it("a failing flush is retried, and the data reaches the store", async () => {
    const room = "fl-" + Math.random();
    const ws = await connect(SELF, `/parties/${party}/${room}`);
    ws.send("fail-next-flush");
    ws.send("inc");
    await ws.next();
    await fireLater(room); // fails: the store is "down"
    expect(await sinkLog(room)).toEqual([]);
    await fireLater(room, 2 * 3_600_000); // retried after its backoff
    expect(await sinkLog(room)).toEqual(["1"]);
    await ws.close();
  });

  it("keeps a timer row only with the default pendingIn; either way the platform alarm holds the flush", async () => {
    const room = "fl-" + Math.random();
    const before = Date.now();
    const ws = await connect(SELF, `/parties/${party}/${room}`);
    ws.send("inc");
    await ws.next();
    const seen = await runInDurableObject(stub(room), async (_, state) => ({
      rows: state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = '_roomkit_timers'").toArray().length,
      alarm: await state.storage.getAlarm(),
    }));
    expect(seen.rows).toBe(pendingIn === "timer" ? 1 : 0);
    expect(seen.alarm).toBeGreaterThanOrEqual(before + 60_000);
    expect(seen.alarm).toBeLessThanOrEqual(Date.now() + 60_000);
    await ws.close();
  });
});

it("refuses options it cannot honour, naming the option", async () => {
  const room = "fl-" + Math.random();
  const ws = await connect(SELF, `/parties/flushing/${room}`); // the room is built
  const errors = await runInDurableObject(env.FLUSHING.get(env.FLUSHING.idFromName(room)), (instance) => {
    const partyRoom = (instance as unknown as { [ROOM_OF]: Party.Room })[ROOM_OF];
    const attempt = (options: FlusherOptions) => {
      try {
        new Flusher(partyRoom, options);
        return "accepted";
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    return [
      attempt({ every: 0, flush: () => {} }),
      attempt({ every: 1_000, flush: () => {}, pendingIn: "disk" as never }),
      attempt({ every: 1_000, flush: () => {}, pendingIn: "storage", name: "ok" }),
    ];
  });
  expect(errors).toEqual([
    "RoomkitError: Flusher: `every` must be a positive number of milliseconds, got 0.",
    'RoomkitError: Flusher: `pendingIn` must be "timer" or "storage", got "disk".',
    "accepted",
  ]);
  await ws.close();
});
