/**
 * Per-party limits: message size, per-connection message rate, connections per
 * room. Each is enforced with a close code and a reason the client can read.
 * @module
 */
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

/** Fills in defaults and rejects nonsense early, at class definition time. */
export function resolveLimits(limits: Limits | undefined): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS, ...stripUndefined(limits ?? {}) };
  if (limits?.messagesPerSecond !== undefined && limits.burst === undefined) out.burst = 2 * limits.messagesPerSecond;
  for (const [key, value] of Object.entries(out)) {
    if (!(typeof value === "number" && value > 0 && (Number.isFinite(value) || value === Infinity))) {
      throw new RoomkitError(`options.limits.${key} must be a positive number (or Infinity), got ${String(value)}.`);
    }
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Size of a message in bytes, without encoding strings that are clearly within `limit`. */
export function messageBytesOver(message: string | ArrayBuffer | ArrayBufferView, limit: number): number | null {
  if (typeof message !== "string") return message.byteLength > limit ? message.byteLength : null;
  if (message.length * 3 <= limit) return null; // UTF-8 needs at most 3 bytes per UTF-16 unit
  const bytes = new TextEncoder().encode(message).byteLength;
  return bytes > limit ? bytes : null;
}

/** Token buckets per socket; in memory only, so a wake starts every connection with a full bucket. */
export class RateLimiter {
  readonly #buckets = new WeakMap<object, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token for `key`; false when the connection is over its rate. */
  take(key: object, now = Date.now()): boolean {
    if (this.perSecond === Infinity) return true;
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = { tokens: this.burst, at: now }));
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
