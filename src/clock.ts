/**
 * The clock seam: where roomkit reads the time, sets up periodic wake-ups and
 * reports alarms and starts. In production it is `Date.now()` and
 * `setInterval`, and the reports go nowhere. `roomkit/testing` installs a
 * {@link TestClock} here so a test can move a room's time forward and have
 * every timer, alarm, Flusher and game loop run as if that time had passed.
 *
 * The installed clock lives on `globalThis` (under a registered symbol), so
 * two copies of this module in one isolate — the package and an alias to its
 * sources, say — still share one clock.
 * @module
 */

/** What `roomkit/testing` plugs in; every member is optional so the seam can grow. */
export interface TestClock {
  /** The time roomkit reads instead of `Date.now()`. */
  now?(): number;
  /** Replaces `setInterval` for the Durable Object `owner` (its id as hex). */
  every?(ms: number, fn: () => void, owner: string | undefined): () => void;
  /**
   * The object's earliest timer is now due at `at` (epoch ms), or it has none
   * (`null`). Returns `true` when the test clock fires it itself, so the
   * platform alarm must not be set.
   */
  alarm?(owner: DurableObjectId, at: number | null): boolean | void;
  /** The object's server finished `onStart` (once per instance). */
  started?(owner: DurableObjectId): void;
}

const KEY = Symbol.for("roomkit.testClock");
type Holder = { [KEY]?: TestClock };

function installed(): TestClock | undefined {
  return (globalThis as Holder)[KEY];
}

/**
 * Installs (or, with `undefined`, removes) the test clock. Used by
 * `roomkit/testing`; production code never calls it.
 *
 * @example
 * ```ts
 * setTestClock({ now: () => 0 });   // every roomkit timer now reads time 0
 * setTestClock(undefined);          // back to Date.now()
 * ```
 */
export function setTestClock(clock: TestClock | undefined): void {
  if (clock) (globalThis as Holder)[KEY] = clock;
  else delete (globalThis as Holder)[KEY];
}

/**
 * The current time in epoch milliseconds, as roomkit's timers see it.
 *
 * @example
 * ```ts
 * const dueAt = now() + 30_000;
 * ```
 */
export function now(): number {
  const clock = installed();
  return clock?.now ? clock.now() : Date.now();
}

/**
 * Calls `fn` every `ms` milliseconds until the returned function is called:
 * `setInterval`, unless a test clock drives it. `owner` (a Durable Object
 * id's hex) tells a test clock whose context the callback must run in.
 *
 * @example
 * ```ts
 * const stop = every(1000 / 30, () => loop.frame(now()), room.internalID);
 * ```
 */
export function every(ms: number, fn: () => void, owner?: string): () => void {
  const clock = installed();
  if (clock?.every) return clock.every(ms, fn, owner);
  const handle = setInterval(fn, ms);
  return () => clearInterval(handle);
}

/**
 * Reports where an object's alarm now points (for a test clock to fire it).
 * Returns `true` when a test clock fires it itself: then the caller sets
 * no platform alarm.
 *
 * @example
 * ```ts
 * if (!noteAlarm(ctx.id, nextTimerAt)) await storage.setAlarm(nextTimerAt);
 * ```
 */
export function noteAlarm(owner: DurableObjectId | undefined, at: number | null): boolean {
  return owner !== undefined && installed()?.alarm?.(owner, at) === true;
}

/**
 * Reports that an object's server finished `onStart` (a test counts starts to
 * tell a hibernated or restarted room from one that stayed in memory).
 *
 * @example
 * ```ts
 * noteStart(ctx.id);
 * ```
 */
export function noteStart(owner: DurableObjectId): void {
  installed()?.started?.(owner);
}
