/**
 * `Flusher`: "save to an external store every N seconds while the room is
 * active, and once when the last connection leaves", built on the room's
 * persisted timers so a pending flush survives eviction.
 * @module
 */
import { RoomkitError, logError } from "./errors.js";
import { requireHooks, type InternalTimers } from "./room-hooks.js";
import type { Room } from "./types.js";

/** Longest wait between two attempts of a failing flush. */
const MAX_RETRY_DELAY = 60_000;

/** Options of a {@link Flusher}. */
export type FlusherOptions = {
  /** Longest time a change waits before it is flushed, in milliseconds. */
  every: number;
  /** Writes the room's state out. Throw to have the flush retried (with backoff). */
  flush: () => unknown | Promise<unknown>;
  /** Also flush when the last connection closes. Default `true`. */
  onLastClose?: boolean;
  /** Distinguishes several flushers in one room. Default `"default"`. */
  name?: string;
  /**
   * Where "a flush is pending" is kept across evictions. `"timer"` (the
   * default): in a persisted timer row, so the flusher needs nothing else.
   * `"storage"`: your own storage records it (a dirty flag, an unflushed
   * log), and when the room starts and finds it set, you call
   * {@link Flusher.resume}; the flusher then writes only the platform alarm,
   * no timer row, which saves each room the timers table (a few KiB of
   * memory per room in memory).
   */
  pendingIn?: "timer" | "storage";
};

/**
 * Debounced, durable flushing. Create it in the server's constructor (so it is
 * re-armed after every wake) and call {@link markDirty} after each change.
 *
 * @example
 * ```ts
 * export default class Doc implements Party.Server {
 *   flusher: Flusher;
 *   constructor(readonly room: Party.Room) {
 *     this.flusher = new Flusher(room, { every: 10_000, flush: () => this.save() });
 *   }
 *   async onMessage(msg: string) { this.apply(msg); await this.flusher.markDirty(); }
 * }
 * ```
 */
export class Flusher {
  readonly #timers: InternalTimers;
  readonly #timer: string;
  readonly #options: FlusherOptions;
  /** Consecutive failed flushes, for the retry backoff. */
  #failures = 0;
  /** The flush running now, if any. */
  #inFlight: Promise<void> | undefined;

  constructor(room: Room, options: FlusherOptions) {
    const hooks = requireHooks(room, "Flusher");
    if (!(Number.isFinite(options.every) && options.every > 0)) {
      throw new RoomkitError(`Flusher: \`every\` must be a positive number of milliseconds, got ${options.every}.`);
    }
    if (options.pendingIn !== undefined && options.pendingIn !== "timer" && options.pendingIn !== "storage") {
      throw new RoomkitError(`Flusher: \`pendingIn\` must be "timer" or "storage", got ${JSON.stringify(options.pendingIn)}.`);
    }
    this.#timers = hooks.timers;
    this.#options = options;
    this.#timer = `roomkit:flush:${options.name ?? "default"}`;
    hooks.timers.handle(this.#timer, () => this.#run());
    // After storage.deleteAll() nothing of the old state is left to write out.
    hooks.onStorageReset(() => (this.#failures = 0));
    if (options.onLastClose !== false) {
      hooks.onLastConnectionLeft(() => this.flushNow());
    }
  }

  /** Whether a flush is pending (a change not yet written out). */
  get dirty(): boolean {
    return this.#timers.next(this.#timer) !== null;
  }

  /** Records that there is something to flush: a flush happens within `every` ms. */
  async markDirty(): Promise<void> {
    if (this.dirty) return;
    await this.#arm(this.#options.every);
  }

  /**
   * The room started and its storage says a flush is pending (with
   * `pendingIn: "storage"`, where an eviction forgets the flusher's wake-up):
   * the flush is due when the earlier instance's was — the platform alarm it
   * set, which an eviction keeps — or at once if that alarm is gone. With
   * the default `pendingIn`, the same as {@link markDirty}.
   *
   * @example
   * ```ts
   * async onStart() {
   *   if (await this.room.storage.get("dirty")) await this.flusher.resume();
   * }
   * ```
   */
  async resume(): Promise<void> {
    if (this.dirty) return;
    if (this.#options.pendingIn === "storage") await this.#timers.resumeWake(this.#timer);
    else await this.#arm(this.#options.every);
  }

  /** Sets the flush's timer (a row) or wake-up (the alarm alone), per `pendingIn`. */
  #arm(delay: number): Promise<void> {
    return this.#options.pendingIn === "storage" ? this.#timers.wake(delay, this.#timer) : this.#timers.schedule(delay, this.#timer);
  }

  /**
   * Flushes now if anything is pending. The pending timer stays until the flush
   * succeeded (it is leased meanwhile): a flush that throws is retried with
   * backoff and logged, and one cut short by a crash fires again from storage.
   */
  async flushNow(): Promise<void> {
    // A flush already running may have read the state before the latest change:
    // wait for it, then flush again if a change is still pending.
    await this.#inFlight;
    if (this.dirty) await this.#timers.runNow(this.#timer);
  }

  /** The timer's handler: on failure it re-schedules itself (so the scheduler keeps it), never throws. */
  #run(): Promise<void> {
    const run = this.#attempt().finally(() => {
      if (this.#inFlight === run) this.#inFlight = undefined;
    });
    return (this.#inFlight = run);
  }

  async #attempt(): Promise<void> {
    try {
      await this.#options.flush();
      this.#failures = 0;
    } catch (e) {
      const delay = Math.min(2_000 * 2 ** this.#failures++, MAX_RETRY_DELAY);
      logError(`flusher "${this.#options.name ?? "default"}" (retried in ${delay / 1000} s)`, e);
      // A flush must never be dropped, so not the scheduler's six retries: this timer retries until it succeeds.
      if (this.#timers.next(this.#timer) === null) await this.#arm(delay);
    }
  }
}
