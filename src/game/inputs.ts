/**
 * Per-player input queues. Clients number their inputs (`seq`, increasing);
 * each tick takes at most `maxPerTick` inputs from each player's queue, in
 * sequence order, and the highest sequence number handed to the simulation is
 * that player's *ack*: the client drops its predicted inputs up to the ack and
 * replays the rest on top of the server's state (reconciliation).
 *
 * Both bounds are what keeps one client from slowing the tick for everyone:
 * a queue never holds more than `maxQueued` inputs (the oldest are dropped)
 * and a tick never does more than `maxPerTick` inputs of work per player.
 * @module
 */

/** One player's input as the simulation sees it. */
export type PlayerInput<I> = {
  /** The player's id (their partysocket `id`). */
  readonly playerId: string;
  /** The client's sequence number for this input. */
  readonly seq: number;
  /** The validated input. */
  readonly input: I;
};

type Queued<I> = { seq: number; input: I };

/** Counters for one player's queue. */
export type QueueStats = { queued: number; received: number; acked: number; dropped: number };

/**
 * Each player's numbered inputs waiting for a tick: resends are recognised by their sequence number, a full queue drops its oldest, and the last processed number (the ack) is reported back.
 *
 * @example
 * ```ts
 * const inputs = new InputQueues<Input>(8, 1);
 * if (inputs.isNew("p1", 3)) inputs.push("p1", 3, { dx: 1 });
 * const forThisTick = inputs.take(["p1", "p2"]); // at most one input per player
 * inputs.ack("p1"); // 3
 * ```
 */
export class InputQueues<I> {
  readonly #queues = new Map<string, Queued<I>[]>();
  /** Highest sequence number accepted from each player (queued, or rejected as invalid). */
  readonly #received = new Map<string, number>();
  /** Highest sequence number handed to the simulation. */
  readonly #acked = new Map<string, number>();
  readonly #dropped = new Map<string, number>();

  constructor(
    readonly maxQueued: number,
    readonly maxPerTick: number,
  ) {}

  /** Whether `seq` is new for this player (older or repeated numbers are resends and are ignored). */
  isNew(playerId: string, seq: number): boolean {
    return seq > (this.#received.get(playerId) ?? 0);
  }

  /** Records that `seq` was seen, even if its input was rejected, so a resend is not processed twice. */
  markReceived(playerId: string, seq: number): void {
    if (this.isNew(playerId, seq)) this.#received.set(playerId, seq);
  }

  /** Queues an input; returns how many old inputs were dropped to make room. */
  push(playerId: string, seq: number, input: I): number {
    this.markReceived(playerId, seq);
    let q = this.#queues.get(playerId);
    if (!q) this.#queues.set(playerId, (q = []));
    q.push({ seq, input });
    const over = q.length - this.maxQueued;
    if (over > 0) {
      q.splice(0, over);
      this.#dropped.set(playerId, (this.#dropped.get(playerId) ?? 0) + over);
      return over;
    }
    return 0;
  }

  /**
   * The inputs for one tick: up to `maxPerTick` per player, players in the
   * order given (the room passes join order, so the result is deterministic).
   */
  take(players: Iterable<string>): PlayerInput<I>[] {
    const out: PlayerInput<I>[] = [];
    for (const playerId of players) {
      const q = this.#queues.get(playerId);
      if (!q || q.length === 0) continue;
      for (const { seq, input } of q.splice(0, this.maxPerTick)) {
        out.push({ playerId, seq, input });
        this.#acked.set(playerId, seq);
      }
    }
    return out;
  }

  /** The last sequence number of this player that the simulation has processed (0 if none). */
  ack(playerId: string): number {
    return this.#acked.get(playerId) ?? 0;
  }

  /** Restores a player's counters (after a wake, from the seat stored with the state). */
  restore(playerId: string, ack: number): void {
    if (ack > this.ack(playerId)) this.#acked.set(playerId, ack);
    this.markReceived(playerId, ack);
  }

  /** Forgets a player entirely (their seat was freed). */
  remove(playerId: string): void {
    this.#queues.delete(playerId);
    this.#received.delete(playerId);
    this.#acked.delete(playerId);
    this.#dropped.delete(playerId);
  }

  /** Drops a player's pending inputs but keeps their counters (they disconnected). */
  clear(playerId: string): void {
    this.#queues.delete(playerId);
  }

  stats(playerId: string): QueueStats {
    return {
      queued: this.#queues.get(playerId)?.length ?? 0,
      received: this.#received.get(playerId) ?? 0,
      acked: this.ack(playerId),
      dropped: this.#dropped.get(playerId) ?? 0,
    };
  }
}
