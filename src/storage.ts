/**
 * The room's storage: the Durable Object's own, with the alarm methods routed
 * through the scheduler so a user's `setAlarm()` and roomkit's timers share the
 * object's single alarm without overwriting each other, and with `deleteAll()`
 * leaving roomkit's own machinery working (and its helpers told).
 * @module
 */
import { USER_ALARM, type Scheduler } from "./scheduler.js";
import type { Storage } from "./types.js";

type AlarmMethods = Pick<DurableObjectStorage, "setAlarm" | "getAlarm" | "deleteAlarm">;

/**
 * Wraps an object's storage for its room. `onReset` runs (awaited) after each
 * `deleteAll()`, once the data is gone; it tells the room's helpers
 * (`RoomHookSet.storageWasReset`, which logs their errors).
 *
 * @example
 * ```ts
 * const storage = roomStorage(ctx.storage, scheduler, () => hooks.storageWasReset());
 * await storage.setAlarm(Date.now() + 60_000); // the user's alarm, beside roomkit's timers
 * ```
 */
export function roomStorage(storage: DurableObjectStorage, scheduler: Scheduler, onReset: () => Promise<void>): Storage {
  const overrides = new Map<PropertyKey, unknown>();
  // KV-backed objects cannot hold timers; there the user's alarm is the platform's, as in PartyKit.
  const alarm: AlarmMethods | undefined = scheduler.supported
    ? {
        async setAlarm(scheduledTime: number | Date): Promise<void> {
          await scheduler.schedule(scheduledTime instanceof Date ? scheduledTime : new Date(scheduledTime), USER_ALARM);
        },
        async getAlarm(): Promise<number | null> {
          return scheduler.next(USER_ALARM);
        },
        async deleteAlarm(): Promise<void> {
          await scheduler.cancel(USER_ALARM);
        },
      }
    : undefined;
  if (alarm) {
    for (const [name, fn] of Object.entries(alarm)) overrides.set(name, fn);
    // A transaction's alarm methods are the same alarm: route them the same way.
    overrides.set("transaction", <T>(closure: (txn: DurableObjectTransaction) => Promise<T>) => storage.transaction((txn) => closure(withMethods(txn, alarm))));
  }
  overrides.set("deleteAll", async (options?: DurableObjectPutOptions) => {
    await storage.deleteAll(options);
    if (scheduler.supported) await scheduler.cleared();
    await onReset();
  });
  return withMethods(storage, Object.fromEntries(overrides)) as unknown as Storage;
}

/** `target` with some methods replaced; the others bound once (storage calls sit on every message's hot path). */
function withMethods<T extends object>(target: T, replaced: Record<PropertyKey, unknown>): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(replaced, prop)) return replaced[prop as string];
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = value.bind(t)));
      return fn;
    },
  });
}
