/**
 * The room's storage: the Durable Object's own, with the alarm methods routed
 * through the scheduler so a user's `setAlarm()` and roomkit's timers share the
 * object's single alarm without overwriting each other.
 * @module
 */
import { USER_ALARM, type Scheduler } from "./scheduler.js";
import type { Storage } from "./types.js";

export function roomStorage(storage: DurableObjectStorage, scheduler: Scheduler): Storage {
  // KV-backed objects cannot hold timers; there the user's alarm is the platform's, as in PartyKit.
  if (!scheduler.supported) return storage as unknown as Storage;
  const alarm = {
    async setAlarm(scheduledTime: number | Date): Promise<void> {
      await scheduler.schedule(scheduledTime instanceof Date ? scheduledTime : new Date(scheduledTime), USER_ALARM);
    },
    async getAlarm(): Promise<number | null> {
      return scheduler.next(USER_ALARM);
    },
    async deleteAlarm(): Promise<void> {
      await scheduler.cancel(USER_ALARM);
    },
  };
  // Bound once per method: storage calls sit on every message's hot path.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === "setAlarm" || prop === "getAlarm" || prop === "deleteAlarm") return alarm[prop];
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = value.bind(target)));
      return fn;
    },
  }) as unknown as Storage;
}
