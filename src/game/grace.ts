/**
 * The reconnection grace period: one persisted timer per room, armed for the
 * earliest moment an away player's seat runs out. It is one of roomkit's
 * internal timers, so it fires even if the room was evicted meanwhile.
 * @module
 */
import { requireHooks, type InternalTimers } from "../room-hooks.js";
import type { Room } from "../types.js";
import type { Seats } from "./seats.js";

const GRACE_TIMER = "roomkit:game:grace";

/**
 * Keeps the grace timer armed for the next seat to expire, and runs `expire`
 * when it fires. Create it in the room's constructor, so the timer is known
 * after every wake.
 *
 * @example
 * ```ts
 * const grace = new GraceTimer(room, 20_000, () => freeExpiredSeats());
 * seats.disconnect(key, Date.now());
 * await grace.schedule(seats);
 * ```
 */
export class GraceTimer {
  readonly #timers: InternalTimers;
  readonly #graceMs: number;

  constructor(room: Room, graceMs: number, expire: () => Promise<void>) {
    this.#timers = requireHooks(room, "GameRoom").timers;
    this.#graceMs = graceMs;
    this.#timers.handle(GRACE_TIMER, expire);
  }

  /** Arms the timer for the earliest seat to expire, or cancels it when no seat is away. */
  async schedule(seats: Seats): Promise<void> {
    const next = seats.nextExpiry(this.#graceMs);
    if (next === null) await this.#timers.cancel(GRACE_TIMER);
    else if (this.#timers.next(GRACE_TIMER) !== next) await this.#timers.schedule(new Date(next), GRACE_TIMER);
  }
}
