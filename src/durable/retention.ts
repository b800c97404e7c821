/**
 * What a room's history keeps: at least `maxMessages` of the newest durable
 * messages, and (if `maxAge` is set) nothing older than `maxAge`, to within a
 * second. Trimming runs in batches, so a steady stream of broadcasts pays for
 * a DELETE once every `slack` messages, not on every one.
 * @module
 */
import { RoomkitError } from "../errors.js";
import type { HistoryOptions } from "../types.js";

/** Resolved `options.history`. */
export type Retention = {
  maxMessages: number;
  /** Milliseconds, or `Infinity`. */
  maxAge: number;
  /** How far past `maxMessages` the log may grow before a trim. */
  slack: number;
};

export const DEFAULT_HISTORY_MESSAGES = 1000;
export const MAX_HISTORY_MESSAGES = 1_000_000;
/** One time mark per this many milliseconds of broadcasting: the precision of `maxAge`. */
export const MARK_INTERVAL_MS = 1000;

/**
 * Validates `options.history` (`true` means the defaults); `undefined` when the room has no history.
 *
 * @example
 * ```ts
 * resolveRetention({ maxMessages: 500, maxAge: 86_400_000 }) // { maxMessages: 500, maxAge: 86400000, slack: 64 }
 * ```
 */
export function resolveRetention(option: HistoryOptions | boolean | undefined): Retention | undefined {
  if (option === undefined || option === false) return undefined;
  const { maxMessages = DEFAULT_HISTORY_MESSAGES, maxAge = Infinity } = option === true ? {} : option;
  if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_HISTORY_MESSAGES) {
    throw new RoomkitError(`options.history.maxMessages must be an integer from 1 to ${MAX_HISTORY_MESSAGES}, got ${maxMessages}.`);
  }
  if (typeof maxAge !== "number" || Number.isNaN(maxAge) || maxAge < MARK_INTERVAL_MS) {
    throw new RoomkitError(`options.history.maxAge must be a number of milliseconds of at least ${MARK_INTERVAL_MS}, got ${maxAge}.`);
  }
  return { maxMessages, maxAge, slack: Math.max(16, Math.min(1024, Math.floor(maxMessages / 8))) };
}

/**
 * The lowest position to keep by count: the log trims to `maxMessages` once it
 * holds `maxMessages + slack`; `null` while no trim is due.
 *
 * @example
 * ```ts
 * countFloor({ maxMessages: 100, maxAge: Infinity, slack: 16 }, 0, 117) // 17
 * ```
 */
export function countFloor(retention: Retention, floor: number, tail: number): number | null {
  return tail - floor > retention.maxMessages + retention.slack ? tail - retention.maxMessages : null;
}
