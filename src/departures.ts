/**
 * Departures: how a connection leaves a room. Whatever ends it — the client
 * closing, the socket failing, roomkit closing it for breaking a rule — a
 * connection that completed `onConnect` gets `onError` at most once and then
 * `onClose` exactly once, and nothing after that, even when the close
 * arrives in a later life of a hibernating room.
 * @module
 */
import { asConnection, isEnded, markEnded } from "./connection.js";
import { closeQuietly } from "./errors.js";
import type { SocketStrategy } from "./sockets.js";
import type { Connection } from "./types.js";

// Reserved close codes: reported, never sent.
const NO_STATUS = 1005;
const CONNECTION_LOST = 1006;

/**
 * What a departure runs in the room that hosts it. Each returns a promise
 * only when it has something to wait for: most rooms have no async `onClose`
 * and nothing waiting for the last connection, and their closes then
 * complete in the turn the platform delivered them.
 */
export type DepartureHandlers = {
  /** Runs the server's `onClose` or `onError` for `conn` (its throws are the handler's to log). */
  run(hook: "onClose" | "onError", conn: Connection, error?: Error): Promise<void> | undefined;
  /** Called after every `onClose`. */
  departed(): Promise<void> | undefined;
  /** Called as a connection closes, with the close code (1005 when none). */
  closing?(id: string, code: number): void;
  /** Called once a departing socket is closed (or failed): a full room may have a place again. */
  left(): void;
};

/**
 * The departure rules of one room instance.
 *
 * @example
 * ```ts
 * const departures = new Departures(sockets, { run, departed: () => lastLeftCheck() });
 * async webSocketClose(ws, code, reason) { await departures.closed(ws, code, reason); }
 * ```
 */
export class Departures {
  /**
   * Sockets that have left the room (onClose ran) or never joined it
   * (onConnect failed): they get no further hooks. Per instance; a socket
   * roomkit itself closed is also marked in its attachment (markEnded), since
   * the client's answer may reach a later instance.
   */
  readonly #ended = new WeakSet<WebSocket>();
  /** Sockets whose onError already ran. */
  readonly #errored = new WeakSet<WebSocket>();
  /**
   * The connection of each socket seen in the room in this instance and not
   * gone: a message needs one lookup here instead of reading the ended set,
   * the attachment and the connection's definition each time. An entry is
   * dropped wherever a socket becomes gone (onClose, never joined).
   */
  readonly #present = new WeakMap<WebSocket, Connection>();

  constructor(
    private readonly sockets: SocketStrategy,
    private readonly handlers: DepartureHandlers,
  ) {}

  /** Whether `ws` has left (or never joined) the room: it gets no more hooks. */
  isGone(ws: WebSocket): boolean {
    return this.#ended.has(ws) || isEnded(ws);
  }

  /**
   * The connection of `ws` while it is in the room; `undefined` once it has
   * left (or never joined), and for a socket roomkit did not accept.
   *
   * @example
   * ```ts
   * const conn = departures.present(ws);
   * if (conn) await server.onMessage(message, conn);
   * ```
   */
  present(ws: WebSocket): Connection | undefined {
    const known = this.#present.get(ws);
    if (known !== undefined || this.isGone(ws)) return known;
    const conn = asConnection(ws);
    if (conn) this.#present.set(ws, conn);
    return conn;
  }

  /**
   * The client closed (platform event): run onClose once and complete the
   * handshake, after onClose (and in the same turn when nothing is awaited).
   */
  closed(ws: WebSocket, code: number, reason: string): Promise<void> | undefined {
    // Hibernating sockets need the closing handshake completed by hand.
    let pending: Promise<void> | undefined;
    try {
      pending = this.#depart(ws, "onClose", undefined, code);
    } finally {
      if (pending === undefined) this.#closeAndLeave(ws, code, reason);
    }
    return pending?.finally(() => this.#closeAndLeave(ws, code, reason));
  }

  /**
   * The socket failed. A peer that simply vanished is a departure like any
   * other (onClose only); a real error runs onError first. Either way onClose
   * runs, so presence cleanup written there is never skipped.
   */
  async failed(ws: WebSocket, error: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      if (!isPeerGone(ws, error)) await this.#depart(ws, "onError", err);
      await this.#depart(ws, "onClose", undefined, CONNECTION_LOST);
    } finally {
      this.handlers.left();
    }
  }

  /**
   * roomkit closes one connection for breaking a rule (or a hook throwing for
   * it): the connection leaves the room now, so onClose runs now, once.
   */
  async reject(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#closeAndLeave(ws, code, reason);
    await this.#depart(ws, "onClose", undefined, code);
    markEnded(ws);
  }

  /** `onConnect` failed: the connection never joined, so it gets no onClose, now or after a wake. */
  neverJoined(ws: WebSocket, code: number, reason: string): void {
    this.#ended.add(ws);
    this.#present.delete(ws);
    markEnded(ws);
    this.sockets.forget(ws);
    this.#closeAndLeave(ws, code, reason);
  }

  #closeAndLeave(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.handlers.left();
  }

  /**
   * Runs onError at most once and then onClose exactly once, for each
   * connection that completed onConnect; a promise only when a hook returned one.
   */
  #depart(ws: WebSocket, hook: "onClose" | "onError", error?: Error, code?: number): Promise<void> | undefined {
    this.sockets.forget(ws);
    if (hook === "onClose") this.#present.delete(ws);
    const done = hook === "onClose" ? this.#ended : this.#errored;
    if (done.has(ws) || this.isGone(ws)) return;
    done.add(ws);
    const conn = asConnection(ws);
    if (!conn) return;
    if (hook === "onClose") this.handlers.closing?.(conn.id, code ?? NO_STATUS);
    const ran = this.handlers.run(hook, conn, error);
    if (hook !== "onClose") return ran;
    return ran === undefined ? this.handlers.departed() : ran.then(() => this.handlers.departed());
  }
}

/** The runtime reports a vanished peer as an error on an already-closing socket. */
function isPeerGone(ws: WebSocket, error: unknown): boolean {
  if (ws.readyState !== 2 && ws.readyState !== 3) return false; // CLOSING, CLOSED
  const e = error as { retryable?: boolean; message?: unknown } | null;
  return e?.retryable === true || /Network connection lost|peer disconnected/i.test(String(e?.message ?? ""));
}
