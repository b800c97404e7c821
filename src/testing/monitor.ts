/**
 * The test side of roomkit's clock seam (`src/clock.ts`): it counts each
 * room's starts, keeps the book of where each room's alarm points, and, when
 * fake time is on, is the clock itself — `now()` and `Date.now()` read it and
 * game loops register their intervals with it instead of `setInterval`.
 * Moving it forward is the job of `advance` (see `time.ts`).
 * @module
 */
import { setTestClock, type TestClock } from "../clock.js";

/** A periodic callback registered by a room (a game loop), fired by `advance`. */
export type Interval = { seq: number; owner: string | undefined; base: number; fired: number; every: number; fn: () => void };

/** Where one room's alarm points. */
export type AlarmEntry = { at: number; name: string | undefined };

// Due times are base + n × interval (never repeated addition), compared with
// a little slack, so 30 intervals of 1000/30 ms fit exactly in one second.
const SLACK = 1e-6;
/** When an interval fires next. */
export const dueAt = (t: Interval) => t.base + (t.fired + 1) * t.every;

/**
 * What `roomkit/testing` installs in the clock seam. One per isolate (tests
 * and rooms share the isolate under `@cloudflare/vitest-pool-workers`).
 *
 * @example
 * const monitor = installMonitor();
 * monitor.useFakeTime(Date.UTC(2030, 0, 1));
 */
export class Monitor implements TestClock {
  /** onStart completions per room (Durable Object id as hex). */
  readonly starts = new Map<string, number>();
  /** Pending alarm per room (hex id), as last re-armed. */
  readonly alarms = new Map<string, AlarmEntry>();
  /** Room names by hex id, learnt from alarms and starts (to find a room's stub again). */
  readonly names = new Map<string, string>();
  #fakeNow: number | undefined;
  #intervals: Interval[] = [];
  #seq = 0;
  #realDateNow: (() => number) | undefined;

  /** Whether fake time is on. */
  get fake(): boolean {
    return this.#fakeNow !== undefined;
  }

  now(): number {
    return this.#fakeNow ?? (this.#realDateNow ?? Date.now)();
  }

  every(ms: number, fn: () => void, owner: string | undefined): () => void {
    if (!this.fake) {
      const handle = setInterval(fn, ms);
      return () => clearInterval(handle);
    }
    if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`An interval must be a positive number of milliseconds, got ${ms}.`);
    const interval: Interval = { seq: this.#seq++, owner, base: this.now(), fired: 0, every: ms, fn };
    this.#intervals.push(interval);
    return () => {
      this.#intervals = this.#intervals.filter((t) => t !== interval);
    };
  }

  /** Books the room's alarm; under fake time `advance` fires it, so the platform must not (returns `true`). */
  alarm(owner: DurableObjectId, at: number | null): boolean {
    const hex = owner.toString();
    this.#learn(hex, owner.name);
    if (at === null) this.alarms.delete(hex);
    else this.alarms.set(hex, { at, name: owner.name ?? this.names.get(hex) });
    return this.fake;
  }

  started(owner: DurableObjectId): void {
    const hex = owner.toString();
    this.#learn(hex, owner.name);
    this.starts.set(hex, (this.starts.get(hex) ?? 0) + 1);
  }

  #learn(hex: string, name: string | undefined): void {
    if (name !== undefined) this.names.set(hex, name);
  }

  /** Turns fake time on at `start` (epoch ms); `Date.now()` follows it too. */
  useFakeTime(start: number): void {
    if (!Number.isFinite(start)) throw new RangeError(`Fake time must start at a finite epoch time, got ${start}.`);
    if (!this.#realDateNow) {
      this.#realDateNow = Date.now;
      Date.now = () => this.now();
    }
    this.#fakeNow = start;
  }

  /** Back to real time; game-loop intervals registered under fake time are dropped. */
  useRealTime(): void {
    if (this.#realDateNow) Date.now = this.#realDateNow;
    this.#realDateNow = undefined;
    this.#fakeNow = undefined;
    this.#intervals = [];
  }

  /** Sets fake time (only forwards). */
  setNow(t: number): void {
    if (this.#fakeNow !== undefined && t > this.#fakeNow) this.#fakeNow = t;
  }

  /** The earliest interval due at or before `end`, if any. */
  nextInterval(end: number): Interval | undefined {
    let best: Interval | undefined;
    for (const t of this.#intervals) {
      if (dueAt(t) > end + SLACK) continue;
      if (!best || dueAt(t) < dueAt(best) || (dueAt(t) === dueAt(best) && t.seq < best.seq)) best = t;
    }
    return best;
  }

  /** The earliest alarm due at or before `end`, if any. */
  nextAlarm(end: number): [hex: string, entry: AlarmEntry] | undefined {
    let best: [string, AlarmEntry] | undefined;
    for (const [hex, entry] of this.alarms) {
      if (entry.at <= end && (!best || entry.at < best[1].at)) best = [hex, entry];
    }
    return best;
  }

  /** Forgets a room's intervals: its instance is gone (evicted or restarted). */
  dropOwner(hex: string): void {
    this.#intervals = this.#intervals.filter((t) => t.owner !== hex);
  }

  /** Intervals currently registered (a running game loop registers one). */
  get intervals(): readonly Interval[] {
    return this.#intervals;
  }

  /** Forgets everything (between tests). */
  clear(): void {
    this.useRealTime();
    this.starts.clear();
    this.alarms.clear();
    this.names.clear();
  }
}

const KEY = Symbol.for("roomkit.testing.monitor");

/**
 * The isolate's monitor, installed in the clock seam on first use.
 *
 * @example
 * const starts = installMonitor().starts.get(stub.id.toString()) ?? 0;
 */
export function installMonitor(): Monitor {
  const g = globalThis as { [KEY]?: Monitor };
  if (!g[KEY]) {
    g[KEY] = new Monitor();
    setTestClock(g[KEY]);
  }
  return g[KEY];
}
