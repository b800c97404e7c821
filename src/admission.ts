/**
 * Admission: what a connection must satisfy to join a room (a valid id, valid
 * tags, a free place) and each of its messages to reach `onMessage` (size and
 * rate limits). Every refusal carries the status or close code and the
 * reason the client gets.
 * @module
 */
import { CloseCode, RoomkitError } from "./errors.js";
import { RateLimiter, messageBytesOver, type ResolvedLimits } from "./limits.js";
import { OPEN, type SocketStrategy } from "./sockets.js";
import { queryParam } from "./url-parts.js";

/** Longest accepted connection id (`_pk`); ids are indexed as socket tags, which the platform caps at 256. */
export const MAX_CONNECTION_ID_LENGTH = 200;
/** Tags `getConnectionTags` may return (the platform allows 10 per socket; the id takes one). */
export const MAX_USER_TAGS = 9;
/** Longest tag, in characters (the platform's limit). */
export const MAX_TAG_LENGTH = 256;

/**
 * How long a room found full by an exact count refuses joins without
 * counting again, unless a connection leaves meanwhile: the count walks every
 * socket, and a flood of joins into a full room must not pay it each time.
 */
export const FULL_RECOUNT_MS = 1_000;

/** Why a message is refused: the connection is closed with `code` and `reason`. */
export type MessageRefusal = { code: number; reason: string };

/**
 * A room's admission rules, over its limits and its sockets.
 *
 * @example
 * ```ts
 * const admission = new Admission(resolveLimits({ maxConnections: 100 }), sockets);
 * const id = admission.connectionId(request.url);
 * if (typeof id !== "string") return errorResponse(400, id.reason);
 * if (!admission.hasRoom()) return refuseSocket(CloseCode.TryAgainLater, admission.fullReason());
 * ```
 */
export class Admission {
  readonly #rate: RateLimiter;
  /** False for `messagesPerSecond: Infinity` (Yjs rooms): no bucket and no clock read per message. */
  readonly #rateLimited: boolean;
  /** An upper bound of open connections, see {@link hasRoom}. */
  #connectionBound: number | undefined;
  /** When the last exact count found the room full (the clock advances between events); cleared when a connection leaves. */
  #fullAt: number | undefined;

  constructor(
    readonly limits: ResolvedLimits,
    private readonly sockets: SocketStrategy,
  ) {
    this.#rate = new RateLimiter(limits.messagesPerSecond, limits.burst);
    this.#rateLimited = limits.messagesPerSecond !== Infinity;
  }

  /** The connection id a client asked for in `url` (partysocket's `_pk`), a new UUID if none, or why it is refused (400). */
  connectionId(url: string): string | { reason: string } {
    const id = queryParam(url, "_pk") || crypto.randomUUID();
    if (id.length > MAX_CONNECTION_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(id)) {
      return { reason: `Invalid connection id (_pk): at most ${MAX_CONNECTION_ID_LENGTH} printable characters.` };
    }
    return id;
  }

  /**
   * Whether one more connection fits. Counting open sockets means walking all
   * of them (in hibernation mode, materialising every socket), which made each
   * join O(n) and a 1,000-client storm O(n²). So only an upper bound is kept:
   * counted exactly once per instance, then raised by one per accept and never
   * lowered; an exact count is taken again only when the bound reaches the
   * limit. A count that finds the room full holds for {@link FULL_RECOUNT_MS}
   * or until a connection leaves: a full room of 10,000 took 6–10 ms of CPU
   * to refuse each join when it counted every time.
   */
  hasRoom(): boolean {
    const max = this.limits.maxConnections;
    if (this.#connectionBound === undefined || this.#connectionBound >= max) {
      if (this.#fullAt !== undefined && Date.now() - this.#fullAt < FULL_RECOUNT_MS) return false;
      this.#connectionBound = this.#openCount();
      if (this.#connectionBound >= max) {
        this.#fullAt = Date.now();
        return false;
      }
      this.#fullAt = undefined;
    }
    this.#connectionBound++;
    return true;
  }

  /** A connection has left (its socket is closed): a room found full may have a place again. */
  left(): void {
    this.#fullAt = undefined;
  }

  /** The close reason (with {@link CloseCode.TryAgainLater}) when {@link hasRoom} said no. */
  fullReason(): string {
    return `Room is full (${this.limits.maxConnections} connections).`;
  }

  /** Whether `message` from `ws` may reach `onMessage`, or the close code and reason when not. */
  checkMessage(ws: WebSocket, message: string | ArrayBuffer): MessageRefusal | null {
    const max = this.limits.maxMessageBytes;
    // Runs for every message: a text frame clearly within the limit (at most 3 UTF-8 bytes per UTF-16 unit) is not measured.
    const tooBig = typeof message === "string" && message.length * 3 <= max ? null : messageBytesOver(message, max);
    if (tooBig !== null) {
      return { code: CloseCode.MessageTooBig, reason: `Message too big: ${tooBig} bytes; the limit is ${max}.` };
    }
    if (this.#rateLimited && !this.#rate.take(ws)) {
      return { code: CloseCode.PolicyViolation, reason: `Rate limit exceeded: more than ${this.limits.messagesPerSecond} messages per second.` };
    }
    return null;
  }

  #openCount(): number {
    let n = 0;
    for (const ws of this.sockets.all()) if (ws.readyState === OPEN) n++;
    return n;
  }
}

/**
 * Checks what `getConnectionTags` returned; throws a RoomkitError naming the problem.
 *
 * @example
 * ```ts
 * const tags = checkTags(await server.getConnectionTags?.(conn, ctx) ?? []);
 * ```
 */
export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
    throw new RoomkitError("getConnectionTags must return an array of strings.");
  }
  if (tags.length > MAX_USER_TAGS) {
    throw new RoomkitError(`getConnectionTags returned ${tags.length} tags; at most ${MAX_USER_TAGS} are allowed.`);
  }
  const long = tags.find((t: string) => t.length > MAX_TAG_LENGTH || t.length === 0);
  if (long !== undefined) {
    throw new RoomkitError(`Connection tags must be 1 to ${MAX_TAG_LENGTH} characters; got one of ${long.length}.`);
  }
  return tags;
}
