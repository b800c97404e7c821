/**
 * Multiplexes a Durable Object's single alarm into named, persisted timers.
 *
 * Timers live in a SQLite table that the user's key-value API never sees.
 * Delivery is at least once: before a handler runs, its timer is leased (moved
 * to a retry time), so a crash mid-handler makes it fire again; success deletes
 * it (one-shot) or moves it to its next occurrence (repeating). Each due timer
 * is read again right before it runs, so only its latest schedule ever fires.
 * The user's own `storage.setAlarm()` is one more timer under a reserved name.
 *
 * A wake-up ({@link Scheduler.wake}) is the row-less kind, for work whose
 * pending state the room already stores (a Yjs update log waiting for
 * compaction, a `Flusher` with `pendingIn: "storage"`): only the platform
 * alarm is written, and the instance that finds the work pending arms it
 * again.
 * @module
 */
import { noteAlarm, now as clockNow } from "./clock.js";
import { RoomkitError, logError } from "./errors.js";
import { tableExists } from "./sql-tables.js";
import type { When } from "./types.js";

/** The reserved timer name behind `room.storage.setAlarm()` / `onAlarm()`. */
export const USER_ALARM = "\u0000alarm";
/** The {@link Scheduler}'s running mark of a wake-up (rows are marked with their seq). */
const WAKING = -1;
/** Failed one-shot timers are retried this many times (as Cloudflare does for alarms). */
export const MAX_RETRIES = 6;
const MAX_NAME_LENGTH = 256;
const TABLE = "_roomkit_timers";

/** Runs a timer; throws to request a retry. */
export type TimerDispatch = (name: string, payload: unknown) => Promise<void>;

type Row = { name: string; at: number; every: number | null; payload: string | null; attempt: number; seq: number };

/**
 * A room's named timers over the object's one alarm. The object calls
 * {@link Scheduler.run} from `alarm()`; rooms reach it as `room.schedule` etc.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler(ctx.storage, (name, payload) => server.onTimer(name, payload));
 * await scheduler.schedule(30_000, "tick");  // in the alarm handler: await scheduler.run();
 * ```
 */
export class Scheduler {
  /** Whether this instance found or created the table (it is not looked for again). */
  #ready = false;
  /**
   * The table is known to hold no timer: this instance found it absent (and
   * may have created it since), and nothing was scheduled since. Reads then
   * neither create the table nor run, and a room's first timer sets the alarm
   * without reading its own row, the earliest time or the current alarm —
   * statements that workerd would keep prepared (a few KiB each) for as long
   * as the object is in memory. Only ever set from the table's absence, never
   * from a delete, so a rolled-back write cannot make it claim too little.
   */
  #empty = false;
  /** The seq of each timer whose handler is running (a wake-up's is {@link WAKING}). */
  #running = new Map<string, number>();
  /**
   * Pending wake-ups of this instance: name → when. Not stored: the room's
   * own storage says the work is pending, its owner arms it again when a new
   * instance finds it so, and the platform alarm (which is stored) wakes the
   * object for it meanwhile.
   */
  #wakes = new Map<string, number>();
  /** Consecutive failed alarm runs (onStart or the run itself), for {@link retryLater}'s backoff. */
  #failures = 0;
  #supported: boolean | undefined;

  /** Whether this instance has called {@link beforeFirstTimer} (again after `deleteAll()`). */
  #prepared = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly dispatch: TimerDispatch,
    /** The object these timers belong to, reported to a test clock with each re-arm. */
    private readonly owner?: DurableObjectId,
    /**
     * Runs in the same transaction as an instance's first timer write: what
     * the room must find when its alarm wakes it with no request (its address,
     * src/identity.ts).
     */
    private readonly beforeFirstTimer?: (sql: SqlStorage) => void,
  ) {}

  /** Whether timers can be stored (SQLite-backed Durable Objects only). */
  get supported(): boolean {
    if (this.#supported === undefined) {
      try {
        // A key-value-backed object may still expose `sql`; only using it tells (it throws there).
        // Used by asking whether the table exists (the answer is kept: see #reader), not with
        // `databaseSize`, whose statement workerd would keep prepared for nothing.
        if (tableExists(this.storage.sql, TABLE)) this.#ready = true;
        else this.#empty = true;
        this.#supported = true;
      } catch {
        this.#supported = false;
      }
    }
    return this.#supported;
  }

  /** The SQL API, once the object is known to have one. */
  get #sqlite(): SqlStorage {
    if (!this.supported) {
      throw new RoomkitError("roomkit timers need a SQLite-backed Durable Object: declare the class under `new_sqlite_classes` in a wrangler.toml migration.");
    }
    return this.storage.sql;
  }

  /** The SQL API to read timers with, or `undefined` when there is none to read (no table, or known empty); never creates the table. */
  #reader(): SqlStorage | undefined {
    const sql = this.#sqlite;
    if (!this.#ready && !this.#empty) {
      if (tableExists(sql, TABLE)) this.#ready = true;
      else this.#empty = true; // until a timer is scheduled, which creates the table
    }
    return this.#empty ? undefined : sql;
  }

  /** The SQL API to write timers with: creates the table on first use. */
  get #sql(): SqlStorage {
    const sql = this.#sqlite;
    if (!this.#ready) {
      if (this.#empty || !tableExists(sql, TABLE)) {
        sql.exec(
          `CREATE TABLE IF NOT EXISTS _roomkit_timers (
            name TEXT PRIMARY KEY, at INTEGER NOT NULL, every INTEGER, payload TEXT,
            attempt INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0)`,
        );
        this.#empty = true;
      }
      this.#ready = true;
    }
    return sql;
  }

  /** Schedules (or replaces) the timer `name`. */
  async schedule(when: When, name: string, payload?: unknown, every?: number): Promise<void> {
    checkName(name);
    const at = toEpoch(when);
    if (every !== undefined && !(Number.isFinite(every) && every >= 1)) {
      throw new RoomkitError(`Timer "${name}": the interval must be a positive number of milliseconds, got ${every}.`);
    }
    let encoded: string | null = null;
    if (payload !== undefined) {
      try {
        encoded = JSON.stringify(payload);
      } catch (e) {
        throw new RoomkitError(`Timer "${name}": the payload must be JSON-serializable (${(e as Error).message}).`);
      }
    }
    const sql = this.#sql;
    this.#prepare(sql);
    const only = this.#empty;
    this.#empty = false;
    sql.exec(
      `INSERT INTO _roomkit_timers (name, at, every, payload, attempt, seq) VALUES (?, ?, ?, ?, 0, 0)
       ON CONFLICT(name) DO UPDATE SET at = excluded.at, every = excluded.every, payload = excluded.payload,
       attempt = 0, seq = seq + 1`,
      name,
      at,
      every ?? null,
      encoded,
    );
    await this.#rearm(only ? at : undefined);
  }

  /**
   * Wakes the object at `when` to run the handler of `name`, writing no
   * timer row: only the platform alarm is set. For work whose pending state
   * the room keeps in its own storage, and whose owner calls `wake` again
   * when an instance starts and finds that work pending — an eviction
   * forgets the wake-up, but not the alarm, which starts the room so its
   * owner can. An earlier pending wake-up of `name` is kept.
   *
   * @example
   * ```ts
   * await scheduler.wake(30_000, "roomkit:flush:yjs-compact"); // after the first logged update
   * ```
   */
  async wake(when: When, name: string): Promise<void> {
    checkName(name);
    const at = toEpoch(when);
    const pending = this.#wakes.get(name);
    if (pending !== undefined && pending <= at) return;
    // The alarm may start an instance with no request: it must find its address.
    this.#prepare(this.#sqlite);
    this.#wakes.set(name, at);
    await this.#rearm();
  }

  /**
   * Arms the wake-up `name` that an earlier instance of this object left
   * pending (its owner found the work in storage at start): due when the
   * platform alarm is set — that instance set it for its earliest timer or
   * wake-up, so no later than this one was due — or now if no alarm is set
   * (it is firing, or it was lost).
   *
   * @example
   * ```ts
   * if (logRows > 0) await scheduler.resumeWake("roomkit:flush:yjs-compact");
   * ```
   */
  async resumeWake(name: string): Promise<void> {
    const alarm = await this.storage.getAlarm();
    // The alarm's own time, not a delay from now: a delay read against a clock that moved (by a
    // millisecond, seen in CI) would move the wake-up, and the alarm with it.
    await this.wake(alarm === null || alarm < this.#now() ? 0 : new Date(alarm), name);
  }

  /** The pending wake-ups of this instance ({@link wake}), soonest first. */
  wakes(): { name: string; at: number }[] {
    return [...this.#wakes].map(([name, at]) => ({ name, at })).sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1));
  }

  /** Cancels the timer `name`; resolves to whether it existed. */
  async cancel(name: string): Promise<boolean> {
    const removed = (this.#reader()?.exec("DELETE FROM _roomkit_timers WHERE name = ?", name).rowsWritten ?? 0) > 0;
    if (removed) await this.#rearm();
    return removed;
  }

  /** When the timer or wake-up `name` fires next (epoch ms), or `null`; one whose handler is running counts as fired. */
  next(name: string): number | null {
    const wake = this.#wakes.get(name);
    if (wake !== undefined) return wake;
    const row = this.#row(name);
    if (!row || this.#running.get(name) === row.seq) return null;
    return row.at;
  }

  /** Fires every due timer; never throws for a handler (failures are logged and retried). */
  async run(): Promise<void> {
    const sql = this.#reader();
    const due = sql ? [...sql.exec<{ name: string }>("SELECT name FROM _roomkit_timers WHERE at <= ? ORDER BY at, name", this.#now())] : [];
    for (const { name } of due) {
      // Read again right before dispatching: while an earlier handler awaited, another
      // event may have cancelled or replaced this timer. Only its latest schedule runs.
      const t = this.#row(name);
      if (t && t.at <= this.#now() && !this.#running.has(name)) await this.#fire(t);
    }
    for (const { name, at } of this.wakes()) {
      if (at <= this.#now() && this.#wakes.get(name) === at && !this.#running.has(name)) await this.#fireWake(name);
    }
    this.#failures = 0;
    await this.#rearm();
  }

  /**
   * Fires the timer `name` now, ahead of its time, through the same lease as
   * {@link run}: it is removed only once its handler succeeded, so a crash
   * mid-handler leaves it to fire again. Resolves to whether it ran (not if
   * absent or already running).
   *
   * @example
   * ```ts
   * await scheduler.runNow("roomkit:flush:default");
   * ```
   */
  async runNow(name: string): Promise<boolean> {
    if (this.#wakes.has(name)) {
      if (this.#running.has(name)) return false;
      await this.#fireWake(name);
      await this.#rearm();
      return true;
    }
    const t = this.#row(name);
    if (!t || this.#running.has(name)) return false;
    await this.#fire(t);
    await this.#rearm();
    return true;
  }

  /**
   * After `onStart` or {@link run} failed inside the alarm: wakes the object
   * again after a capped backoff (2 s doubling to 60 s, without end), so no timer
   * waits for an unrelated `schedule()` and none relies on the platform's own
   * alarm retries, which stop after six. Resolves to the delay in milliseconds,
   * or `null` when nothing waits.
   *
   * @example
   * ```ts
   * const delay = await scheduler.retryLater();
   * ```
   */
  async retryLater(): Promise<number | null> {
    if (this.supported && this.#wakes.size === 0 && !this.#hasTimers()) return null;
    const delay = backoff(this.#failures++);
    const at = this.#now() + delay;
    // A key-value-backed object has no timers: its alarm is the user's own, set again as it was.
    // (Under a test's fake time the test fires it instead.)
    if (!noteAlarm(this.owner, at)) await this.storage.setAlarm(at);
    return delay;
  }

  /**
   * Points the platform alarm at the earliest timer again, e.g. after a start:
   * an alarm the platform gave up on must not strand the timers. Creates no
   * table in a room that never had timers; never throws (logged).
   *
   * @example
   * ```ts
   * await scheduler.resume();
   * ```
   */
  async resume(): Promise<void> {
    try {
      if (this.supported && this.#hasTimers()) await this.#rearm();
    } catch (e) {
      logError("re-arming timers", e);
    }
  }

  /**
   * `storage.deleteAll()` dropped the timers table with the rest of the data:
   * every timer (and the user's alarm) is gone, as the platform's alarm is under
   * compatibility dates from 2026-02-24. The table is created again on demand
   * and the platform alarm, if an older date kept it, is cleared.
   *
   * @example
   * ```ts
   * await storage.deleteAll();
   * await scheduler.cleared();
   * ```
   */
  async cleared(): Promise<void> {
    this.#ready = false;
    this.#empty = false;
    this.#prepared = false;
    this.#running.clear();
    this.#wakes.clear();
    if ((await this.storage.getAlarm()) !== null) await this.storage.deleteAlarm();
    noteAlarm(this.owner, null);
  }

  /** Before an instance first writes a timer (row or alarm): what a room woken by it alone must find. */
  #prepare(sql: SqlStorage): void {
    if (this.#prepared) return;
    this.beforeFirstTimer?.(sql);
    this.#prepared = true;
  }

  /**
   * Runs a wake-up's handler. It is forgotten first, so work that its handler
   * leaves pending (or that arrives meanwhile) wakes the room again; a handler
   * that throws is woken again after the timers' backoff (its work is still
   * recorded as pending in the room's storage, so nothing is dropped).
   */
  async #fireWake(name: string): Promise<void> {
    this.#wakes.delete(name);
    this.#running.set(name, WAKING);
    try {
      await this.dispatch(name, undefined);
    } catch (e) {
      logError(`timer "${name}"`, e);
      if (!this.#wakes.has(name)) this.#wakes.set(name, this.#now() + backoff(0));
    } finally {
      this.#running.delete(name);
    }
  }

  /** Leases, dispatches and settles one timer row. */
  async #fire(t: Row): Promise<void> {
    // Lease first: if we crash inside the handler, the timer fires again at the retry time.
    this.#sql.exec("UPDATE _roomkit_timers SET at = ?, attempt = attempt + 1 WHERE name = ? AND seq = ?", this.#now() + backoff(t.attempt), t.name, t.seq);
    this.#running.set(t.name, t.seq);
    let ok = true;
    try {
      await this.dispatch(t.name, t.payload === null ? undefined : JSON.parse(t.payload));
    } catch (e) {
      ok = false;
      logError(t.name === USER_ALARM ? "onAlarm" : `timer "${t.name}"`, e);
    } finally {
      if (this.#running.get(t.name) === t.seq) this.#running.delete(t.name);
    }
    const current = this.#row(t.name);
    if (!current || current.seq !== t.seq) return; // the handler (or another event) cancelled or replaced it
    const exhausted = !ok && t.attempt + 1 > MAX_RETRIES;
    if (exhausted && t.every === null) {
      console.error(`[roomkit] timer "${printName(t.name)}" failed ${MAX_RETRIES + 1} times; giving up.`);
    }
    if (ok || exhausted) {
      if (t.every !== null) {
        const next = t.at + t.every * (Math.floor((this.#now() - t.at) / t.every) + 1);
        this.#sql.exec("UPDATE _roomkit_timers SET at = ?, attempt = 0 WHERE name = ? AND seq = ?", next, t.name, t.seq);
      } else {
        this.#sql.exec("DELETE FROM _roomkit_timers WHERE name = ? AND seq = ?", t.name, t.seq);
      }
    }
  }

  #row(name: string): Row | undefined {
    const sql = this.#reader();
    return sql && [...sql.exec<Row>("SELECT * FROM _roomkit_timers WHERE name = ?", name)][0];
  }

  /** Whether any timer is stored, without creating the table in a room that never had one. */
  #hasTimers(): boolean {
    const sql = this.#reader();
    return sql !== undefined && sql.exec("SELECT 1 FROM _roomkit_timers LIMIT 1").toArray().length > 0;
  }

  /** The time timers are measured against (the clock seam, so tests can move it). */
  #now(): number {
    return clockNow();
  }

  /**
   * Points the platform alarm at the earliest timer or wake-up; `only` is the
   * time of the one timer in a table that was known to be empty, so nothing
   * is read.
   */
  async #rearm(only?: number): Promise<void> {
    const sql = only === undefined ? this.#reader() : undefined;
    let earliest = only ?? sql?.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM _roomkit_timers").one().at ?? null;
    for (const at of this.#wakes.values()) if (earliest === null || at < earliest) earliest = at;
    // Under a test's fake time the test fires due timers itself: a platform alarm
    // at a fake time would go off at the wrong (real) moment, so none is set.
    const next = noteAlarm(this.owner, earliest) ? null : earliest;
    // With no row to read (the table holds none) the earliest is known without reading the alarm.
    if ((only !== undefined || sql === undefined) && next !== null) {
      // Setting it is right whatever alarm is left (a stale one fires into an empty run): no need to read it first.
      await this.storage.setAlarm(next);
      return;
    }
    const current = await this.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.storage.deleteAlarm();
    } else if (current !== next) {
      await this.storage.setAlarm(next);
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(2_000 * 2 ** attempt, 60_000);
}

function toEpoch(when: When): number {
  const at = when instanceof Date ? when.getTime() : clockNow() + when;
  if (!Number.isFinite(at)) throw new RoomkitError(`A timer's time must be a valid Date or a number of milliseconds, got ${String(when)}.`);
  return Math.round(at);
}

function checkName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new RoomkitError(`A timer name must be a string of 1 to ${MAX_NAME_LENGTH} characters.`);
  }
}

function printName(name: string): string {
  return name === USER_ALARM ? "onAlarm" : name;
}
