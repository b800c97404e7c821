/**
 * `Flusher`: "save to an external store every N seconds while the room is
 * active, and once when the last connection leaves", built on the room's
 * persisted timers so a pending flush survives eviction.
 * @module
 */
import { RoomkitError, logError } from "./errors.js";
import { internals, type RoomImpl } from "./room.js";
import type { Room } from "./types.js";

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
};

/**
 * Debounced, durable flushing. Create it in the server's constructor (so it is
 * re-armed after every wake) and call {@link markDirty} after each change.
 *
 * @example
 * export default class Doc implements Party.Server {
 *   flusher: Flusher;
 *   constructor(readonly room: Party.Room) {
 *     this.flusher = new Flusher(room, { every: 10_000, flush: () => this.save() });
 *   }
 *   async onMessage(msg: string) { this.apply(msg); await this.flusher.markDirty(); }
 * }
 */
export class Flusher {
  readonly #room: RoomImpl;
  readonly #timer: string;
  readonly #options: FlusherOptions;
  #flushing: Promise<void> | undefined;

  constructor(room: Room, options: FlusherOptions) {
    if (!(internals in room)) throw new RoomkitError("Flusher needs the room object roomkit passed to the server's constructor.");
    if (!(Number.isFinite(options.every) && options.every > 0)) {
      throw new RoomkitError(`Flusher: \`every\` must be a positive number of milliseconds, got ${options.every}.`);
    }
    this.#room = room as RoomImpl;
    this.#options = options;
    this.#timer = `roomkit:flush:${options.name ?? "default"}`;
    const hooks = this.#room[internals];
    hooks.timerHandlers.set(this.#timer, () => this.#run());
    if (options.onLastClose !== false) {
      hooks.lastConnectionClosed.add(() => this.flushNow());
    }
  }

  /** Whether a flush is pending (a change not yet written out). */
  get dirty(): boolean {
    return this.#scheduler().next(this.#timer) !== null;
  }

  /** Records that there is something to flush: a flush happens within `every` ms. */
  async markDirty(): Promise<void> {
    if (this.dirty) return;
    await this.#scheduler().schedule(this.#options.every, this.#timer);
  }

  /**
   * Flushes now if anything is pending. On failure the flush is retried later
   * through the timer (with backoff) and the error is logged, never lost.
   */
  async flushNow(): Promise<void> {
    if (!this.dirty) return;
    await this.#scheduler().cancel(this.#timer);
    try {
      await this.#run();
    } catch (e) {
      logError(`flusher "${this.#options.name ?? "default"}"`, e);
      await this.#scheduler().schedule(2_000, this.#timer);
    }
  }

  async #run(): Promise<void> {
    // Concurrent callers share one flush rather than writing the same state twice.
    if (!this.#flushing) {
      this.#flushing = (async () => {
        await this.#options.flush();
      })().finally(() => (this.#flushing = undefined));
    }
    await this.#flushing;
  }

  #scheduler() {
    return this.#room[internals].scheduler;
  }
}
