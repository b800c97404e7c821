/**
 * Snapshot interpolation: other players are drawn a little in the past,
 * between two states the room actually sent, so their motion is smooth even
 * though patches arrive only `patchRate` times a second and with jitter.
 * @module
 */

/** Two snapshots around a moment and how far between them it is (0…1). */
export type Sample<V> = { from: V; to: V; t: number; fromTick: number; toTick: number };

/**
 * Keeps recent states by tick and samples between them.
 *
 * @example
 * ```ts
 * const buffer = new SnapshotBuffer<View>();
 * buffer.push(tick, view);
 * const s = buffer.sample(renderTick); // between two states the room sent
 * if (s) drawAt(lerp(s.from.x, s.to.x, s.t));
 * ```
 */
export class SnapshotBuffer<V> {
  readonly #items: { tick: number; state: V }[] = [];

  constructor(readonly capacity = 32) {}

  /** Adds the state of `tick` (ignored if not newer than the last one; a same-tick update replaces it). */
  push(tick: number, state: V): void {
    const last = this.#items[this.#items.length - 1];
    if (last && tick < last.tick) return;
    if (last && tick === last.tick) last.state = state;
    else this.#items.push({ tick, state });
    if (this.#items.length > this.capacity) this.#items.splice(0, this.#items.length - this.capacity);
  }

  clear(): void {
    this.#items.length = 0;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The newest tick held, or undefined. */
  get latestTick(): number | undefined {
    return this.#items[this.#items.length - 1]?.tick;
  }

  /**
   * The two states around (fractional) `tick`. Before the oldest state it
   * holds the oldest; after the newest it holds the newest (no extrapolation).
   */
  sample(tick: number): Sample<V> | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const first = items[0]!;
    if (tick <= first.tick || items.length === 1) return { from: first.state, to: first.state, t: 0, fromTick: first.tick, toTick: first.tick };
    for (let i = items.length - 1; i > 0; i--) {
      const a = items[i - 1]!;
      const b = items[i]!;
      if (tick >= a.tick && tick <= b.tick) return { from: a.state, to: b.state, t: (tick - a.tick) / (b.tick - a.tick), fromTick: a.tick, toTick: b.tick };
    }
    const last = items[items.length - 1]!;
    return { from: last.state, to: last.state, t: 1, fromTick: last.tick, toTick: last.tick };
  }
}

/**
 * Linear interpolation, for positions.
 *
 * @example
 * ```ts
 * lerp(0, 10, 0.25); // 2.5
 * ```
 */
export const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;
