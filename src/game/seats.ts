/**
 * The seat table: who holds a seat, in join order, whether they are connected,
 * and since when they have been away. It is plain data, stored with the game
 * state, so seats survive hibernation and eviction.
 *
 * A seat has two names. The *key* is the partysocket `id` (`_pk`) the player
 * connects with: whoever presents it gets the seat, so it is a secret and
 * never leaves the room. The *id* is the player's public name in the game
 * state, in events and in views.
 * @module
 */

/** One player's seat. */
export type Seat = {
  /** The connection id (`_pk`) that holds this seat: a bearer secret, never sent to other clients. */
  key: string;
  /** The player's public id, used in the game state and in every message. */
  id: string;
  /** When they first took the seat (epoch ms). */
  joinedAt: number;
  /** Whether a connection currently holds the seat. */
  connected: boolean;
  /** When their connection dropped (epoch ms), while they are away. */
  awaySince: number | null;
  /** Their last processed input seq, so numbering continues after a reconnect. */
  ack: number;
};

/**
 * The seat table of one room, in join order, keyed by the seat's key (the partysocket id).
 *
 * @example
 * ```ts
 * const seats = new Seats();
 * seats.add("pk-secret", "p1", Date.now());
 * seats.disconnect("pk-secret", Date.now());
 * seats.nextExpiry(20_000); // when the seat's grace period ends
 * ```
 */
export class Seats {
  readonly #seats = new Map<string, Seat>();

  constructor(saved: readonly Seat[] = []) {
    for (const s of saved) this.#seats.set(s.key, { ...s });
  }

  get size(): number {
    return this.#seats.size;
  }

  /** Seats whose player is connected. */
  get connectedCount(): number {
    let n = 0;
    for (const s of this.#seats.values()) if (s.connected) n++;
    return n;
  }

  /** The seat held by connection id `key`. */
  get(key: string): Seat | undefined {
    return this.#seats.get(key);
  }

  /** The seat of the player with public id `id`. */
  byId(id: string): Seat | undefined {
    for (const s of this.#seats.values()) if (s.id === id) return s;
    return undefined;
  }

  /** Public player ids in join order (the order inputs are applied in). */
  ids(): string[] {
    return [...this.#seats.values()].map((s) => s.id);
  }

  all(): Seat[] {
    return [...this.#seats.values()];
  }

  add(key: string, id: string, now: number): Seat {
    const seat: Seat = { key, id, joinedAt: now, connected: true, awaySince: null, ack: 0 };
    this.#seats.set(key, seat);
    return seat;
  }

  /** The player is back (or never left): the seat is theirs again. */
  connect(key: string): void {
    const s = this.#seats.get(key);
    if (s) Object.assign(s, { connected: true, awaySince: null });
  }

  /** The player's connection dropped at `now`: their grace period starts. */
  disconnect(key: string, now: number): void {
    const s = this.#seats.get(key);
    if (s) Object.assign(s, { connected: false, awaySince: now });
  }

  remove(key: string): boolean {
    return this.#seats.delete(key);
  }

  /** Keys of away players whose grace period is over at `now`. */
  expired(now: number, graceMs: number): string[] {
    return this.all()
      .filter((s) => !s.connected && s.awaySince !== null && s.awaySince + graceMs <= now)
      .map((s) => s.key);
  }

  /** When the next grace period ends (epoch ms), or null if nobody is away. */
  nextExpiry(graceMs: number): number | null {
    let next: number | null = null;
    for (const s of this.#seats.values()) {
      if (s.connected || s.awaySince === null) continue;
      const at = s.awaySince + graceMs;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  toJSON(): Seat[] {
    return this.all().map((s) => ({ ...s }));
  }
}
