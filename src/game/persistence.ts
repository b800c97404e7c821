/**
 * How a game room is kept in storage: one value (state, tick, seed and seats,
 * written together) under {@link GAME_STORAGE_KEY}, and the saver that writes
 * it at once on a seat change or, while the loop runs, at most every
 * `saveEveryMs` through roomkit's persisted timers.
 * @module
 */
import { logError } from "../errors.js";
import { Flusher } from "../flusher.js";
import type { Room, Storage } from "../types.js";
import type { Seat } from "./seats.js";

/** The room's storage key (one value: state, tick, seed and seats, written together). */
export const GAME_STORAGE_KEY = "roomkit:game";

/** What is stored under {@link GAME_STORAGE_KEY}. */
export type SavedGame<S> = { v: 1; tick: number; seed: number; state: S; seats: Seat[] };

/**
 * The saved game of a room, or `undefined` when it has none (or one of an
 * unknown version).
 *
 * @example
 * ```ts
 * const saved = await loadGame<State>(room.storage);
 * if (saved) restore(saved.state, saved.seats);
 * ```
 */
export async function loadGame<S>(storage: Storage): Promise<SavedGame<S> | undefined> {
  const saved = await storage.get<SavedGame<S>>(GAME_STORAGE_KEY);
  return saved && saved.v === 1 ? saved : undefined;
}

/**
 * Writes a game room out: soon after a change ({@link arm}), or now
 * ({@link now}). A save that fails is handed to the persisted timer, which
 * retries it until it is written, so a change is never only in memory.
 *
 * @example
 * ```ts
 * const saver = new GameSaver(room, 10_000, () => room.storage.put(GAME_STORAGE_KEY, saved()), () => "Arena main/1");
 * saver.arm();          // after each tick
 * await saver.now();    // after a seat change
 * ```
 */
export class GameSaver {
  readonly #flusher: Flusher;
  readonly #write: () => Promise<void>;
  readonly #where: () => string;
  #armed = false;

  constructor(room: Room, everyMs: number, write: () => Promise<void>, where: () => string) {
    this.#write = write;
    this.#where = where;
    const persistence = this;
    // A method, not an arrow: see "Per-room objects" in README.md.
    this.#flusher = new Flusher(room, {
      every: everyMs,
      flush() {
        return persistence.#save();
      },
      onLastClose: false,
      name: "game",
    });
  }

  /** Schedules a save (a no-op when one is scheduled already). */
  arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    this.#flusher.markDirty().catch((e) => {
      this.#armed = false; // the next change tries again: never claim a save that is not scheduled
      logError(`${this.#where()} scheduling a save`, e);
    });
  }

  /**
   * Saves now. If a periodic save is pending, it is this save (the Flusher
   * cancels its timer), so a room that just stopped is not woken up again
   * later only to write the same state.
   */
  async now(): Promise<void> {
    if (this.#flusher.dirty) {
      await this.#flusher.flushNow(); // retries a failed flush itself
      return;
    }
    try {
      await this.#save();
    } catch (e) {
      // The change is in memory only: hand it to the saver, which retries until it is written.
      logError(`${this.#where()} saving`, e);
      this.arm();
    }
  }

  /** Storage was reset, with every timer: no save is scheduled any more. */
  forget(): void {
    this.#armed = false;
  }

  #save(): Promise<void> {
    this.#armed = false;
    return this.#write();
  }
}
