/**
 * Durable broadcasts for one room (`options.history`): every durable
 * broadcast is stored in the room's log, then sent; a client that connects
 * with `_rk_offset` gets what it missed, exactly once and in order, before
 * any newer message.
 *
 * How a join stays gap- and duplicate-free: the resuming socket is *held*
 * from the moment it is accepted — durable broadcasts skip it, though they
 * are logged — until `onConnect` has finished. The catch-up then reads the
 * log up to its tail and sends it, and releases the socket, all in one
 * synchronous turn, so every durable message is either in the replay or
 * sent live, never both, never neither.
 * @module
 */
import { asConnection } from "../connection.js";
import { RoomkitError, logError } from "../errors.js";
import type { Connection } from "../types.js";
import { HistoryLog, type Audience } from "./log.js";
import type { Retention } from "./retention.js";
import { MAX_OFFSET_LENGTH, OFFSET_PARAM, formatToken, messageFrame, parseToken, readyFrame, resetFrame } from "./wire.js";

/** Where a resuming client wants to start. */
export type Resume = { kind: "now" } | { kind: "start" } | { kind: "offset"; epoch: string; position: number };

/** The room's answer to "what is the current state?" for a client that was reset. */
export type StateProvider = (connection: Connection) => string | undefined | void | Promise<string | undefined | void>;

/** Largest durable message: a SQLite row holds at most 2 MB. */
export const MAX_DURABLE_MESSAGE_BYTES = 1 << 20;

const OPEN = 1;
/** Catch-ups that lost their starting point to a trim while the state was read (see catchUp) before giving up. */
const RESET_ATTEMPTS = 3;

/**
 * Durable broadcasts of one room: what the host calls around a join and what
 * `room.broadcast` calls in a room with `options.history` (src/durable/attach.ts wires it).
 *
 * @example
 * ```ts
 * const resume = history.resumeOf(new URL(request.url)); // undefined, a Resume, or a reason (→ 400)
 * if (resume && typeof resume !== "string") history.hold(ws);
 * await server.onConnect?.(conn, ctx);
 * if (resume && typeof resume !== "string") await history.catchUp(conn, resume);
 * history.broadcast("hello", undefined, sockets); // stored, then sent (framed to resuming clients)
 * ```
 */
export class RoomHistory {
  readonly #log: HistoryLog;
  /** Resuming sockets between accept and the end of their catch-up. */
  readonly #held = new WeakSet<WebSocket>();
  /** Whether a socket asked to resume (memo of its URI). */
  readonly #resuming = new WeakMap<WebSocket, boolean>();

  constructor(
    sql: SqlStorage,
    retention: Retention,
    private readonly state: StateProvider | undefined,
  ) {
    this.#log = new HistoryLog(sql, retention);
  }

  /** After `storage.deleteAll()`: a new, empty log with a new epoch (old offsets get a reset). */
  reset(): void {
    this.#log.reopen();
  }

  /**
   * Reads `_rk_offset` from a connect URL: `undefined` for a client that did
   * not ask to resume, a reason string (→ 400) for a malformed value.
   */
  resumeOf(url: URL): Resume | string | undefined {
    const raw = url.searchParams.get(OFFSET_PARAM);
    if (raw === null) return undefined;
    if (raw === "now") return { kind: "now" };
    if (raw === "-1") return { kind: "start" };
    const token = raw.length <= MAX_OFFSET_LENGTH ? parseToken(raw) : null;
    if (!token) return `Invalid ${OFFSET_PARAM}: expected "now", "-1" or an offset this room sent (e.g. "k3x9a2ab.42").`;
    return { kind: "offset", ...token };
  }

  /** Durable broadcasts skip `ws` until {@link catchUp} releases it. Call right after accepting it. */
  hold(ws: WebSocket): void {
    this.#held.add(ws);
    this.#resuming.set(ws, true);
  }

  /**
   * Sends `conn` every durable message meant for it after its offset (or a
   * reset, with the room's state, when the offset is no longer in the log),
   * then the "ready" frame, and releases it to live broadcasts.
   */
  async catchUp(conn: Connection, resume: Resume): Promise<void> {
    const ws = conn as unknown as WebSocket;
    try {
      this.#log.expire(Date.now());
      let from = this.#startOf(resume);
      for (let attempt = 0; from === null; attempt++) {
        if (attempt === RESET_ATTEMPTS) {
          conn.close(1013, "History moved on while the room's state was read; reconnect.");
          return;
        }
        const at = this.#log.tail;
        const state = this.state ? await this.state(conn) : undefined;
        // Broadcasts made while the state was read may have trimmed `at` away: then try again.
        if (at < this.#log.floor) continue;
        if (state !== undefined && typeof state !== "string") {
          throw new RoomkitError("historyState() must return a string (e.g. JSON) or undefined.");
        }
        send(ws, resetFrame(formatToken({ epoch: this.#log.epoch, position: at }), state ?? undefined));
        from = at;
      }
      for (const entry of this.#log.read(from)) {
        if (!isFor(conn, entry.audience)) continue;
        send(ws, messageFrame(formatToken({ epoch: this.#log.epoch, position: entry.position + 1 }), entry.data));
      }
      send(ws, readyFrame(formatToken({ epoch: this.#log.epoch, position: this.#log.tail })));
    } finally {
      this.#held.delete(ws);
    }
  }

  /** The position to replay from, or `null` when the client must be reset. */
  #startOf(resume: Resume): number | null {
    switch (resume.kind) {
      case "now":
        return this.#log.tail;
      case "start":
        return this.#log.floor;
      case "offset":
        if (resume.epoch !== this.#log.epoch) return null;
        if (resume.position < this.#log.floor || resume.position > this.#log.tail) return null;
        return resume.position;
    }
  }

  /**
   * Logs `msg`, then sends it to `sockets` (already narrowed to the tag, if
   * any): resuming clients get it framed with its offset, others unchanged.
   */
  broadcast(msg: string | ArrayBuffer | ArrayBufferView, audience: Audience | undefined, sockets: Iterable<WebSocket>): void {
    const data = typeof msg === "string" ? msg : toBytes(msg);
    const size = typeof data === "string" ? data.length * 3 : data.byteLength;
    if (size > MAX_DURABLE_MESSAGE_BYTES && (typeof data !== "string" || new TextEncoder().encode(data).byteLength > MAX_DURABLE_MESSAGE_BYTES)) {
      throw new RoomkitError(
        `A durable broadcast holds at most ${MAX_DURABLE_MESSAGE_BYTES} bytes; send larger data as several messages or keep it in storage.`,
      );
    }
    const position = this.#log.append(data, audience, Date.now());
    const frame = messageFrame(formatToken({ epoch: this.#log.epoch, position: position + 1 }), data);
    const skip = audience?.without && audience.without.length > 0 ? new Set(audience.without) : undefined;
    for (const ws of sockets) {
      if (ws.readyState !== OPEN) continue;
      if (skip) {
        const conn = asConnection(ws);
        if (!conn || skip.has(conn.id)) continue;
      }
      const resuming = this.#isResuming(ws);
      if (resuming && this.#held.has(ws)) continue;
      try {
        ws.send(resuming ? frame : msg);
      } catch {
        // Closed between the check and the send; its close handler cleans up.
      }
    }
  }

  #isResuming(ws: WebSocket): boolean {
    let resuming = this.#resuming.get(ws);
    if (resuming === undefined) {
      const uri = asConnection(ws)?.uri;
      resuming = uri !== undefined && new URL(uri).searchParams.has(OFFSET_PARAM);
      this.#resuming.set(ws, resuming);
    }
    return resuming;
  }
}

/** Whether a logged message was meant for `conn` (a connection's id counts as one of its tags). */
function isFor(conn: Connection, audience: Audience | undefined): boolean {
  if (!audience) return true;
  if (audience.without?.includes(conn.id)) return false;
  if (audience.tag !== undefined && audience.tag !== conn.id && !conn.tags.includes(audience.tag)) return false;
  return true;
}

function toBytes(msg: ArrayBuffer | ArrayBufferView): Uint8Array {
  // A copy: the caller may reuse its buffer after broadcast() returns, the log must not change with it.
  if (msg instanceof ArrayBuffer) return new Uint8Array(msg.slice(0));
  return new Uint8Array(msg.buffer.slice(msg.byteOffset, msg.byteOffset + msg.byteLength));
}

function send(ws: WebSocket, frame: string | Uint8Array): void {
  try {
    ws.send(frame);
  } catch (e) {
    // The client left during its catch-up: it resumes from its last offset next time.
    if (ws.readyState === OPEN) logError("history catch-up send", e);
  }
}
