/**
 * Deterministic randomness for simulations: the same room seed and tick give
 * the same numbers, whichever instance of the room runs the tick (before or
 * after an eviction) and in tests.
 * @module
 */

/** A source of uniformly distributed numbers in [0, 1). */
export type Random = () => number;

/** Mixes two 32-bit integers into one (a murmur3-style finalizer). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b ^ (b >>> 16), 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A small, fast generator (mulberry32): fine for gameplay, not for secrets.
 * `seededRandom(seed, tick)` is the generator a room hands to the step of
 * `tick`.
 *
 * @example
 * ```ts
 * const random = seededRandom(seed, tick);
 * const spawnX = Math.floor(random() * 800); // the same for this seed and tick, on every run
 * ```
 */
export function seededRandom(seed: number, stream = 0): Random {
  let s = mix(seed >>> 0, stream >>> 0) || 0x9e3779b9;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fresh 32-bit seed from the platform's CSPRNG.
 *
 * @example
 * ```ts
 * const seed = newSeed(); // stored with the game, so a room resumes with the same randomness
 * ```
 */
export function newSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}
