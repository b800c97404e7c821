/**
 * A room's timers as the host runs them: who a fired timer goes to (a
 * helper's handler, the user's `onAlarm`, or `onTimer`), and what the
 * object's `alarm()` does — start the room, run what is due, and when that
 * fails, wake again later rather than strand the timers. The storage side
 * (the table, leases, retries) is the {@link Scheduler}.
 * @module
 */
import { logError } from "./errors.js";
import { Scheduler, USER_ALARM } from "./scheduler.js";
import type { Server } from "./types.js";

/** What the timers need from the room that hosts them. */
export type TimerTarget = {
  /** A helper's handler for timer `name` (see src/room-hooks.ts), if any. */
  internalHandler(name: string): ((payload: unknown) => unknown) | undefined;
  /** The user's server; called only after it started. */
  server(): Server;
  /** Starts the server if it has not started (throws if it cannot). */
  start(): Promise<void>;
  /** Whether the server has started. */
  started(): boolean;
  /** `Server party/room`, for logs. */
  where(): string;
  /** Writes down what an alarm that wakes the room with no request needs (see Scheduler's `beforeFirstTimer`). */
  beforeFirstTimer(sql: SqlStorage): void;
};

/**
 * The timers of one room instance.
 *
 * @example
 * ```ts
 * const timers = new RoomTimers(ctx, target);
 * await timers.scheduler.schedule(30_000, "tick");
 * async alarm() { await timers.alarm(); }
 * ```
 */
export class RoomTimers {
  readonly scheduler: Scheduler;

  constructor(
    ctx: DurableObjectState,
    private readonly target: TimerTarget,
  ) {
    this.scheduler = new Scheduler(
      ctx.storage,
      (name, payload) => this.#dispatch(name, payload),
      ctx.id,
      (sql) => target.beforeFirstTimer(sql),
    );
  }

  /**
   * The object's alarm. Never throws for a failed start: the platform stops
   * retrying an alarm after six attempts, which would strand every timer of a
   * room whose onStart fails longer. The alarm is set again here instead, with
   * a capped backoff.
   */
  async alarm(): Promise<void> {
    const { target, scheduler } = this;
    try {
      await target.start();
      if (!scheduler.supported) {
        // Key-value-backed: no timers, the platform alarm is the user's own (PartyKit's retries).
        await target.server().onAlarm?.();
        return;
      }
      await scheduler.run();
    } catch (e) {
      if (target.started() && !scheduler.supported) throw e;
      logError(`${target.where()} ${target.started() ? "running timers" : "onStart (before alarm)"}`, e);
      try {
        const delay = await scheduler.retryLater();
        if (delay !== null) console.error(`[roomkit] ${target.where()}: timers wait; the alarm is retried in ${delay / 1000} s.`);
      } catch (retryError) {
        logError(`${target.where()} setting the alarm again`, retryError);
        throw e; // the platform's own retries are all that is left
      }
    }
  }

  async #dispatch(name: string, payload: unknown): Promise<void> {
    const internal = this.target.internalHandler(name);
    if (internal) {
      await internal(payload);
      return;
    }
    const server = this.target.server();
    if (name === USER_ALARM) {
      await server.onAlarm?.();
      return;
    }
    if (!server.onTimer) {
      console.warn(`[roomkit] ${this.target.where()}: timer "${name}" fired but the server has no onTimer(name, payload) hook.`);
      return;
    }
    await server.onTimer(name, payload);
  }
}
