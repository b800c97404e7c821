/**
 * Seating: who holds a seat and what happens to it when its player comes,
 * goes away, comes back or leaves — the seat table, the reconnection grace
 * timer, the player's input queue, and the seat events the others are told.
 * The game state is not touched here: `GameRoom` runs the author's `onJoin`
 * and `onLeave` around these transitions.
 * @module
 */
import { closeQuietly } from "../errors.js";
import type { Connection, Room } from "../types.js";
import type { FanOut } from "./fan-out.js";
import { GraceTimer } from "./grace.js";
import type { InputQueues } from "./inputs.js";
import { mark, members, type MemberState } from "./members.js";
import { GameCloseCode } from "./protocol.js";
import { Seats, type Seat } from "./seats.js";

/**
 * The seats of one game room and their transitions.
 *
 * @example
 * ```ts
 * const seating = new Seating(room, inputs, fanOut, 20_000, () => expireSeats());
 * const seat = seating.reclaim(conn) ?? seating.take(conn.id, newPlayerId(), Date.now());
 * // later, the socket dropped:
 * seating.hold(seat, Date.now());
 * await seating.scheduleGrace();
 * ```
 */
export class Seating {
  readonly #room: Room;
  readonly #inputs: InputQueues<unknown>;
  readonly #fanOut: FanOut;
  readonly #graceMs: number;
  readonly #grace: GraceTimer;
  #seats = new Seats();

  constructor(room: Room, inputs: InputQueues<unknown>, fanOut: FanOut, graceMs: number, expire: () => Promise<void>) {
    this.#room = room;
    this.#inputs = inputs;
    this.#fanOut = fanOut;
    this.#graceMs = graceMs;
    this.#grace = new GraceTimer(room, graceMs, expire);
  }

  /** The seat table. */
  get table(): Seats {
    return this.#seats;
  }

  /** Takes the seats back from storage, with the input numbering of each player. */
  restore(saved: readonly Seat[]): void {
    this.#seats = new Seats(saved);
    for (const seat of saved) this.#inputs.restore(seat.id, seat.ack);
  }

  /**
   * After a start: a player socket whose seat is gone is closed, and a seat
   * marked connected whose socket did not survive (a restart, not a
   * hibernation) starts its grace period now. Resolves to whether a seat changed.
   */
  reconcile(now: number): boolean {
    const open = new Set<string>();
    for (const conn of members(this.#room)) {
      if (conn.state.role !== "player") continue;
      if (this.#seats.get(conn.id)?.id === conn.state.player) open.add(conn.id);
      else {
        mark(conn, { role: "refused" });
        closeQuietly(conn, GameCloseCode.NoSeat, "Your seat in this room was freed; reconnect to join again.");
      }
    }
    let changed = false;
    for (const seat of this.#seats.all()) {
      if (seat.connected && !open.has(seat.key)) {
        this.#seats.disconnect(seat.key, now);
        changed = true;
      }
    }
    return changed;
  }

  /** The seat a member holds, if it still holds one. */
  seatOf(conn: Connection, who: MemberState): Seat | undefined {
    const seat = this.#seats.get(conn.id);
    return seat && seat.id === who.player ? seat : undefined;
  }

  /**
   * `conn` presents the key of a seat: same player, new connection. An older
   * socket still holding the seat (a second tab, or a drop the room has not
   * noticed yet) is closed and its close is not a departure. Returns the
   * seat, or `undefined` when the key holds none.
   */
  reclaim(conn: Connection): Seat | undefined {
    const key = conn.id;
    const seat = this.#seats.get(key);
    if (!seat) return undefined;
    for (const other of members(this.#room)) {
      if (other === (conn as unknown) || other.id !== key) continue;
      mark(other, { role: "replaced", player: seat.id });
      closeQuietly(other, GameCloseCode.Replaced, "Replaced by a newer connection with the same id.");
    }
    const wasAway = !seat.connected;
    this.#seats.connect(key);
    this.#inputs.restore(seat.id, seat.ack);
    if (wasAway) this.#fanOut.tellOthers(key, { type: "reconnected", id: seat.id });
    return seat;
  }

  /** A new player takes a seat; the others are told. */
  take(key: string, id: string, now: number): Seat {
    const seat = this.#seats.add(key, id, now);
    this.#fanOut.tellOthers(key, { type: "joined", id });
    return seat;
  }

  /** The player's socket dropped: their seat is held for the grace period; the others are told. */
  hold(seat: Seat, now: number): void {
    this.#seats.disconnect(seat.key, now);
    this.#fanOut.tellOthers(seat.key, { type: "disconnected", id: seat.id, graceMs: this.#graceMs });
  }

  /** Frees a seat and its input queue; returns it (`undefined` if there was none). The caller tells the others. */
  release(key: string): Seat | undefined {
    const seat = this.#seats.get(key);
    if (!seat) return undefined;
    this.#seats.remove(key);
    this.#inputs.remove(seat.id);
    return seat;
  }

  /** Frees a seat and tells the others it was removed (after a storage reset). */
  remove(seat: Seat): void {
    this.release(seat.key);
    this.#fanOut.tellOthers(seat.key, { type: "left", id: seat.id, reason: "removed" });
  }

  /** Keys of the seats whose grace period is over. */
  expired(now: number): string[] {
    return this.#seats.expired(now, this.#graceMs);
  }

  /** Arms the grace timer for the next seat to expire (or cancels it). */
  scheduleGrace(): Promise<void> {
    return this.#grace.schedule(this.#seats);
  }

  /** The seats as stored, each with its player's current input ack. */
  toJSON(): Seat[] {
    for (const seat of this.#seats.all()) seat.ack = this.#inputs.ack(seat.id);
    return this.#seats.toJSON();
  }
}
