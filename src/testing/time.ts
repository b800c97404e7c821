/**
 * `advance`: moves fake time forward and runs, in time order, everything that
 * falls due — each room's alarm (named and repeating timers, Flushers, Yjs
 * compaction and saves, the user's own `setAlarm` + `onAlarm`) and each game
 * loop's interval — inside the room it belongs to, without waiting.
 * @module
 */
import type { Monitor } from "./monitor.js";
import { dueAt } from "./monitor.js";
import { inObject, stubOfHex } from "./objects.js";

/** A bound on the events one `advance` runs: a timer that re-arms itself in the past would otherwise never end. */
export const MAX_EVENTS_PER_ADVANCE = 1_000_000;

/** What one `advance` ran. */
export type AdvanceResult = { alarms: number; intervals: number };

/**
 * Runs everything due up to `now + ms`, then leaves the clock at `now + ms`.
 * Events at the same instant run alarms first, then intervals in the order
 * they were registered.
 */
export async function advanceBy(monitor: Monitor, ms: number): Promise<AdvanceResult> {
  if (!monitor.fake) throw new Error("advance() needs fake time: call rooms.useFakeTime() first (e.g. in beforeEach).");
  const end = monitor.now() + ms;
  const done: AdvanceResult = { alarms: 0, intervals: 0 };
  for (let events = 0; ; events++) {
    if (events >= MAX_EVENTS_PER_ADVANCE) {
      throw new Error(`advance() ran ${MAX_EVENTS_PER_ADVANCE} timer firings without reaching the end: is a timer re-arming itself in the past?`);
    }
    const alarm = monitor.nextAlarm(end);
    const interval = monitor.nextInterval(end);
    if (!alarm && !interval) break;
    if (alarm && (!interval || alarm[1].at <= dueAt(interval))) {
      const [hex, entry] = alarm;
      monitor.setNow(entry.at);
      // The room re-arms (or clears) its entry as it runs; drop it first so a room that fails to start does not spin.
      monitor.alarms.delete(hex);
      try {
        await inObject(stubOfHex(hex, monitor), (instance) => instance.alarm());
      } catch (e) {
        throw new Error(`advance(): the alarm of room ${entry.name ?? hex} failed at ${new Date(entry.at).toISOString()}: ${(e as Error).message}`, {
          cause: e,
        });
      }
      done.alarms++;
      continue;
    }
    // A run of intervals of one room goes into that room in one call.
    const owner = interval!.owner;
    const fire = () => {
      for (;;) {
        const next = monitor.nextInterval(end);
        const nextAlarm = monitor.nextAlarm(end);
        if (!next || next.owner !== owner || (nextAlarm && nextAlarm[1].at <= dueAt(next))) return;
        monitor.setNow(dueAt(next));
        next.fired++;
        done.intervals++;
        next.fn();
      }
    };
    if (owner === undefined) fire();
    else await inObject(stubOfHex(owner, monitor), fire);
  }
  monitor.setNow(end);
  return done;
}
