/**
 * What a client may send a game room, read from a raw frame: an input
 * `[seq, input]`, `{"type":"leave"}`, `{"type":"ping","t":...}` or a custom
 * `{"type":...}` message — or the precise reason it is none of these. Also
 * the once-a-second notice to a client whose messages are being dropped.
 * @module
 */
import { sendQuietly } from "../sockets.js";
import type { Connection } from "../types.js";
import { MAX_SEQ, type ControlMessage } from "./protocol.js";

/** A client frame, classified. Input frames are checked further by {@link readInput}. */
export type ClientMessage =
  | { kind: "input"; frame: unknown[] }
  | { kind: "leave" }
  | { kind: "ping"; t: number }
  | { kind: "custom"; message: { type: string } & Record<string, unknown> }
  | { kind: "invalid"; reason: string };

/**
 * Classifies a frame a client sent.
 *
 * @example
 * ```ts
 * const m = readClientMessage('{"type":"ping","t":12}'); // { kind: "ping", t: 12 }
 * if (m.kind === "invalid") invalid(conn, m.reason);
 * ```
 */
export function readClientMessage(message: string | ArrayBuffer | ArrayBufferView): ClientMessage {
  if (typeof message !== "string") return { kind: "invalid", reason: "Send JSON text frames; binary frames are not accepted." };
  let msg: unknown;
  try {
    msg = JSON.parse(message);
  } catch {
    return { kind: "invalid", reason: "Malformed JSON." };
  }
  if (Array.isArray(msg)) return { kind: "input", frame: msg };
  if (typeof msg === "object" && msg !== null && typeof (msg as { type?: unknown }).type === "string") {
    const m = msg as { type: string } & Record<string, unknown>;
    if (m.type === "leave") return { kind: "leave" };
    if (m.type === "ping") return { kind: "ping", t: typeof m.t === "number" && Number.isFinite(m.t) ? m.t : 0 };
    return { kind: "custom", message: m };
  }
  return { kind: "invalid", reason: 'Expected an input frame [seq, input] or an object with a "type".' };
}

/**
 * The sequence number and raw input of an input frame, or why it is not one.
 *
 * @example
 * ```ts
 * const r = readInput([3, { dx: 1 }]); // { seq: 3, input: { dx: 1 } }
 * if ("reason" in r) invalid(conn, r.reason);
 * ```
 */
export function readInput(frame: unknown[]): { seq: number; input: unknown } | { reason: string } {
  if (frame.length !== 2) return { reason: "An input frame is [seq, input]." };
  const seq = frame[0];
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 1 || seq > MAX_SEQ) return { reason: "seq must be a positive integer." };
  return { seq, input: frame[1] };
}

/**
 * Tells a client whose messages are dropped (over its input rate) why, at
 * most once a second per connection.
 *
 * @example
 * ```ts
 * const notices = new ThrottleNotices();
 * if (!rate.take(conn)) return notices.tell(conn, 60, Date.now());
 * ```
 */
export class ThrottleNotices {
  readonly #lastSent = new WeakMap<object, number>();

  /** Sends the `throttled` notice unless this connection got one less than a second ago. */
  tell(conn: Connection, perSecond: number, now: number): void {
    if (now - (this.#lastSent.get(conn) ?? -Infinity) < 1000) return;
    this.#lastSent.set(conn, now);
    const reason = `Too many messages: at most ${perSecond} per second. Extra messages are dropped.`;
    sendQuietly(conn, JSON.stringify({ type: "throttled", reason } satisfies ControlMessage));
  }
}
