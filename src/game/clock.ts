/**
 * Time sources for the game loop. The room never reads the time or sets a
 * timer itself: it asks its `Clock`, so tests can swap in a `ManualClock` and
 * drive the simulation tick by tick, deterministically.
 * @module
 */
import { every as seamEvery, now as seamNow } from "../clock.js";

/** Where the game loop gets the time and its periodic wake-ups from. */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale; only differences are used. */
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

/**
 * The real clock: `Date.now()` and `setInterval` (through roomkit's clock
 * seam, so `roomkit/testing` can drive it). Inside a Durable Object a
 * pending interval keeps the object in memory (it cannot hibernate), which is
 * what a room wants while a match is being played — and why the room stops
 * its loop as soon as no player is connected.
 */
export const systemClock: Clock = {
  now: () => seamNow(),
  every: (ms, fn) => seamEvery(ms, fn),
};

/**
 * The real clock of one room: as {@link systemClock}, but its intervals say
 * which Durable Object they belong to, so a test clock (`roomkit/testing`'s
 * `advance`) runs the game loop inside that room.
 *
 * @example
 * ```ts
 * const clock = roomClock(room.internalID);
 * ```
 */
export function roomClock(owner: string): Clock {
  return { now: () => seamNow(), every: (ms, fn) => seamEvery(ms, fn, owner) };
}

type Timer = { id: number; base: number; fired: number; every: number; fn: () => void };

// Due times are computed as base + n × interval (never by repeated addition),
// and compared with a little slack, so 30 intervals of 1000/30 ms fit in 1000 ms.
const SLACK = 1e-6;
const dueAt = (t: Timer) => t.base + (t.fired + 1) * t.every;

/**
 * A clock that only moves when told to, for deterministic tests.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * class TestArena extends Arena { constructor(room) { super(room, { clock }); } }
 * clock.advance(1000); // exactly 30 ticks at 30 Hz, however long the test takes
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(ms: number, fn: () => void): () => void {
    if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`ManualClock.every: interval must be a positive number, got ${ms}`);
    const timer: Timer = { id: this.#nextId++, base: this.#now, fired: 0, every: ms, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Intervals currently registered (a running game loop registers one). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every interval at each of its due times
   * in order, as a perfectly punctual event loop would.
   */
  advance(ms: number): void {
    const end = this.#now + checkMs(ms);
    for (;;) {
      const due = this.#timers.filter((t) => dueAt(t) <= end + SLACK).sort((a, b) => dueAt(a) - dueAt(b) || a.id - b.id)[0];
      if (!due) break;
      this.#now = Math.max(this.#now, dueAt(due));
      due.fired++;
      due.fn();
    }
    this.#now = end;
  }

  /**
   * Moves time forward by `ms` and then fires each due interval once: what a
   * real event loop does after a stall (a long GC pause, a blocked isolate).
   */
  stall(ms: number): void {
    this.#now += checkMs(ms);
    for (const t of [...this.#timers].sort((a, b) => a.id - b.id)) {
      if (dueAt(t) > this.#now + SLACK || !this.#timers.includes(t)) continue;
      // The missed occurrences are skipped, as setInterval does; the next one is an interval from now.
      t.base = this.#now;
      t.fired = 0;
      t.fn();
    }
  }
}

function checkMs(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`ManualClock: time can only move forward by a finite amount, got ${ms}`);
  return ms;
}
