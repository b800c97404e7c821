/**
 * Short random ids for things people see or type: player ids, room ids from
 * quick join, history epochs.
 * @module
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * `length` random lowercase letters and digits (default 8, about 41 bits).
 *
 * @example
 * ```ts
 * randomId(); // "k3x9a2ab"
 * ```
 */
export function randomId(length = 8): string {
  return [...crypto.getRandomValues(new Uint8Array(length))].map((b) => ALPHABET[b % ALPHABET.length]).join("");
}
