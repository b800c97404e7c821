/**
 * Per-party limits: message size, per-connection message rate, connections per
 * room. Each is enforced with a close code and a reason the client can read.
 * @module
 */
import { definedOnly } from "./defined.js";
import { RoomkitError } from "./errors.js";

/** Limits of a party, set as `static options = { limits: { ... } }`. */
export type Limits = {
  /** Largest message accepted, in bytes (UTF-8 for text). Larger ones close the connection with 1009. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Sustained messages per second per connection. Floods close the connection with 1008. Default 100. */
  messagesPerSecond?: number;
  /** Messages a connection may send in a burst above the sustained rate. Default 2 × messagesPerSecond. */
  burst?: number;
  /** Open connections per room; one more is refused with 1013. Default 10,000. */
  maxConnections?: number;
};

export type ResolvedLimits = Required<Limits>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxMessageBytes: 1_048_576,
  messagesPerSecond: 100,
  burst: 200,
  maxConnections: 10_000,
};

/**
 * Fills in defaults and rejects nonsense early, at class definition time.
 *
 * @example
 * ```ts
 * resolveLimits({ messagesPerSecond: 10 }); // { ...DEFAULT_LIMITS, messagesPerSecond: 10, burst: 20 }
 * ```
 */
export function resolveLimits(limits: Limits | undefined): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS, ...definedOnly(limits ?? {}) };
  if (limits?.messagesPerSecond !== undefined && limits.burst === undefined) out.burst = 2 * limits.messagesPerSecond;
  for (const [key, value] of Object.entries(out)) {
    if (!(typeof value === "number" && value > 0 && (Number.isFinite(value) || value === Infinity))) {
      throw new RoomkitError(`options.limits.${key} must be a positive number (or Infinity), got ${String(value)}.`);
    }
  }
  return out;
}

/**
 * Size of a message in bytes when it is over `limit`, else `null`; strings
 * clearly within the limit are not encoded.
 *
 * @example
 * ```ts
 * messageBytesOver("hello", 1024); // null
 * ```
 */
export function messageBytesOver(message: string | ArrayBuffer | ArrayBufferView, limit: number): number | null {
  if (typeof message !== "string") return message.byteLength > limit ? message.byteLength : null;
  if (message.length * 3 <= limit) return null; // UTF-8 needs at most 3 bytes per UTF-16 unit
  const bytes = new TextEncoder().encode(message).byteLength;
  return bytes > limit ? bytes : null;
}

/**
 * Token buckets per socket (or per string key, e.g. a client address); in
 * memory only, so a wake starts every key with a full bucket. String keys are
 * bounded: past `maxKeys` the least recently seen key is forgotten.
 *
 * @example
 * ```ts
 * const bytes = new RateLimiter(1_048_576, 8_388_608); // 1 MiB/s, 8 MiB burst
 * if (!bytes.take(conn, Date.now(), frame.byteLength)) conn.close(1008, "Too many bytes per second.");
 * ```
 */
export class RateLimiter {
  readonly #buckets = new WeakMap<object, { tokens: number; at: number }>();
  readonly #named = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes `cost` tokens (default one) for `key`; false when the key is over its rate (nothing is taken then). */
  take(key: object | string, now = Date.now(), cost = 1): boolean {
    if (this.perSecond === Infinity) return true;
    let b = typeof key === "string" ? this.#named.get(key) : this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      if (typeof key !== "string") this.#buckets.set(key, b);
    }
    if (typeof key === "string") {
      this.#named.delete(key); // re-inserted last: the Map's order is recency
      this.#named.set(key, b);
      if (this.#named.size > this.maxKeys) this.#named.delete(this.#named.keys().next().value!);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  /** Milliseconds until `key` could take `cost` tokens (0 if it can now). */
  waitMs(key: object | string, now = Date.now(), cost = 1): number {
    const b = typeof key === "string" ? this.#named.get(key) : this.#buckets.get(key);
    if (!b || this.perSecond === Infinity) return 0;
    const tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    return tokens >= cost ? 0 : Math.ceil(((cost - tokens) / this.perSecond) * 1000);
  }
}
