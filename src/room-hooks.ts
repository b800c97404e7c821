/**
 * The small internal API roomkit's own helpers (`Flusher`, `YRoom`,
 * `GameRoom`, `GameLobby`, durable history) build on: internal timers, "the
 * last connection left" and "storage was reset" notifications. It is kept
 * beside the public `Party.Room` (in a WeakMap), so helpers never cast the
 * room to its implementation or reach into private fields, and user code
 * never sees it on the room.
 * @module
 */
import type { RoomHistory } from "./durable/history.js";
import { RoomkitError, logError } from "./errors.js";
import type { Scheduler } from "./scheduler.js";
import type { Room, When } from "./types.js";

/** A helper's own timers: persisted like the room's, but never delivered to `onTimer`. */
export interface InternalTimers {
  /** Runs `handler` when the timer `name` fires; register it in the constructor, so it is known after every wake. */
  handle(name: string, handler: (payload: unknown) => unknown): void;
  /** Schedules (or replaces) `name`. */
  schedule(when: When, name: string, payload?: unknown): Promise<void>;
  /** Cancels `name`; resolves to whether it existed. */
  cancel(name: string): Promise<boolean>;
  /** When `name` fires next (epoch ms), or `null` (also while its handler runs). */
  next(name: string): number | null;
  /** Fires `name` now, through the same at-least-once lease as the alarm; resolves to whether it ran. */
  runNow(name: string): Promise<boolean>;
  /**
   * Runs `name`'s handler at `when` with no timer row, only the platform
   * alarm: for work the room's storage already records as pending, which the
   * helper arms again whenever an instance starts and finds it (Scheduler.wake).
   */
  wake(when: When, name: string): Promise<void>;
  /** Arms a wake-up that an earlier instance left pending, for when the platform alarm is set, or now (Scheduler.resumeWake). */
  resumeWake(name: string): Promise<void>;
  /** This instance's pending wake-ups, soonest first (for `roomkit/testing`). */
  wakes(): { name: string; at: number }[];
}

/** What a helper can ask of the room it was given. */
export interface RoomHooks {
  readonly timers: InternalTimers;
  /** Calls `listener` (awaited, errors logged) after an `onClose` that left the room without connections. */
  onLastConnectionLeft(listener: () => unknown): void;
  /** Calls `listener` (awaited, errors logged) after `room.storage.deleteAll()`: helpers restart from an empty state. */
  onStorageReset(listener: () => unknown): void;
  /** Durable broadcasts, in a room with `options.history` (src/durable). */
  history: RoomHistory | undefined;
}

const hooksByRoom = new WeakMap<object, RoomHookSet>();

/**
 * The hooks of a room roomkit created, or `undefined` for any other object
 * (e.g. a hand-made room in a unit test).
 *
 * @example
 * ```ts
 * hooksOf(room)?.onStorageReset(() => this.#entries.clear());
 * ```
 */
export function hooksOf(room: Room): RoomHooks | undefined {
  return hooksByRoom.get(room);
}

/**
 * The hooks of `room`, or a RoomkitError naming `helper` when `room` is not the
 * object roomkit passed to the server's constructor.
 *
 * @example
 * ```ts
 * const hooks = requireHooks(room, "Flusher");
 * hooks.timers.handle("roomkit:flush:default", () => this.flush());
 * ```
 */
export function requireHooks(room: Room, helper: string): RoomHooks {
  const hooks = hooksByRoom.get(room);
  if (!hooks) throw new RoomkitError(`${helper} needs the room object roomkit passed to the server's constructor.`);
  return hooks;
}

/**
 * The host's side of {@link RoomHooks}: it fires the notifications and looks
 * up internal timer handlers. Created by the room for itself.
 *
 * @example
 * ```ts
 * const hooks = new RoomHookSet(scheduler, "Counter main/abc");
 * bindHooks(room, hooks);
 * await hooks.storageWasReset();
 * ```
 */
export class RoomHookSet implements RoomHooks {
  readonly timers: InternalTimers;
  history: RoomHistory | undefined;
  readonly #handlers = new Map<string, (payload: unknown) => unknown>();
  readonly #lastLeft = new Set<() => unknown>();
  readonly #reset = new Set<() => unknown>();

  constructor(scheduler: Scheduler) {
    const handlers = this.#handlers;
    // Methods, not arrows: see "Per-room objects" in README.md.
    this.timers = {
      handle(name, handler) {
        handlers.set(name, handler);
      },
      schedule(when, name, payload) {
        return scheduler.schedule(when, name, payload);
      },
      cancel(name) {
        return scheduler.cancel(name);
      },
      next(name) {
        return scheduler.next(name);
      },
      runNow(name) {
        return scheduler.runNow(name);
      },
      wake(when, name) {
        return scheduler.wake(when, name);
      },
      resumeWake(name) {
        return scheduler.resumeWake(name);
      },
      wakes() {
        return scheduler.wakes();
      },
    };
  }

  onLastConnectionLeft(listener: () => unknown): void {
    this.#lastLeft.add(listener);
  }

  onStorageReset(listener: () => unknown): void {
    this.#reset.add(listener);
  }

  /** The handler a helper registered for timer `name`, if any. */
  timerHandler(name: string): ((payload: unknown) => unknown) | undefined {
    return this.#handlers.get(name);
  }

  /** Whether anyone listens for the last connection leaving (so the host skips counting connections otherwise). */
  get wantsLastLeft(): boolean {
    return this.#lastLeft.size > 0;
  }

  /** Runs the "last connection left" listeners. */
  lastConnectionLeft(where: string): Promise<void> {
    return runAll(this.#lastLeft, `${where} last-connection handler`);
  }

  /** Runs the "storage reset" listeners. */
  storageWasReset(): Promise<void> {
    return runAll(this.#reset, "storage reset listener");
  }
}

/**
 * Makes `hooks` the hooks of `room` (called once, by the room itself).
 *
 * @example
 * ```ts
 * bindHooks(this, new RoomHookSet(scheduler));
 * ```
 */
export function bindHooks(room: object, hooks: RoomHookSet): void {
  hooksByRoom.set(room, hooks);
}

async function runAll(listeners: Set<() => unknown>, what: string): Promise<void> {
  for (const listener of listeners) {
    try {
      await listener();
    } catch (e) {
      logError(what, e);
    }
  }
}
