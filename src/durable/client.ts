/**
 * The client side of durable broadcasts: remembers the offset of the last
 * durable message this client saw and sends it (as `_rk_offset`) each time
 * partysocket connects, through partysocket's `query` function; unwraps the
 * room's frames so the app sees its own messages, each exactly once.
 * @module
 */
import { OFFSET_PARAM, parseToken, readFrame, type Offset } from "./wire.js";

/** Somewhere to keep the offset across page loads (e.g. `localStorage`). */
export type OffsetStore = { getItem(key: string): string | null; setItem(key: string, value: string): void };

/** Options of {@link DurableHistory}. */
export type DurableHistoryOptions = {
  /**
   * Where a client with no offset yet starts: `"now"` (default: only
   * messages from its first connection on) or `"start"` (everything the room
   * still retains).
   */
  from?: "now" | "start";
  /** Keep the offset in `store` under `key`, so a reload resumes too. */
  store?: OffsetStore;
  key?: string;
};

/** Information about one received message. */
export type MessageInfo = {
  /** Whether the room stored it (it is replayed to a client that missed it). */
  durable: boolean;
  /** A durable message's offset. */
  offset?: string;
  /** True while catching up (a replayed message), false once live. */
  replayed: boolean;
};

/** What {@link DurableHistory.listen} calls. */
export type HistoryHandlers = {
  /** Every message: durable ones exactly once and in order, others as they come. */
  message(data: string | ArrayBuffer, info: MessageInfo): void;
  /**
   * The room could not resume this client (it was away longer than the
   * room's retention, or the room's history was wiped): start over from
   * `state` (when the room provides one, see `historyState`).
   */
  reset?(state: string | undefined): void;
  /** Caught up: every missed durable message was delivered; live messages follow. */
  ready?(): void;
};

/** The few things of a PartySocket (or WebSocket) that the helper uses. */
export type SocketLike = {
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: () => void): void;
  binaryType: string;
};

/**
 * Durable broadcasts in a client: pass `history.query` to PartySocket and
 * read messages through `history.listen`.
 *
 * @example
 * ```ts
 * import PartySocket from "partysocket";
 * import { DurableHistory } from "roomkit/durable";
 *
 * const history = new DurableHistory({ store: localStorage, key: "feed:abc" });
 * const socket = new PartySocket({ host: location.host, room: "abc", query: history.query });
 * history.listen(socket, {
 *   message: (data) => addToFeed(JSON.parse(data as string)),
 *   reset: (state) => replaceFeed(state ? JSON.parse(state) : []),
 * });
 * ```
 */
export class DurableHistory {
  #offset: Offset | undefined;
  #token: string | undefined;
  #catchingUp = true;
  readonly #options: DurableHistoryOptions;

  constructor(options: DurableHistoryOptions = {}) {
    this.#options = options;
    const saved = options.store && options.key ? options.store.getItem(options.key) : null;
    if (saved !== null) this.#remember(saved);
  }

  /** The offset of the last durable message seen (what the next connection sends), if any. */
  get offset(): string | undefined {
    return this.#token;
  }

  /** partysocket's `query` option: evaluated on every (re)connect. */
  readonly query = (): Record<string, string> => ({
    [OFFSET_PARAM]: this.#token ?? (this.#options.from === "start" ? "-1" : "now"),
  });

  /** Reads `socket`'s messages (binary ones as ArrayBuffer) and calls `handlers`. */
  listen(socket: SocketLike, handlers: HistoryHandlers): void {
    socket.binaryType = "arraybuffer";
    socket.addEventListener("close", () => {
      this.#catchingUp = true;
    });
    socket.addEventListener("message", (event) => {
      const data = event.data;
      if (typeof data !== "string" && !(data instanceof ArrayBuffer)) return;
      this.receive(data, handlers);
    });
  }

  /** Handles one received message (what {@link listen} does per message; for sockets wired by hand). */
  receive(data: string | ArrayBuffer, handlers: HistoryHandlers): void {
    const frame = readFrame(data);
    switch (frame.kind) {
      case "plain":
        handlers.message(frame.data, { durable: false, replayed: false });
        return;
      case "ready":
        this.#advance(frame.offset);
        this.#catchingUp = false;
        handlers.ready?.();
        return;
      case "reset":
        this.#offset = undefined;
        this.#remember(frame.offset);
        handlers.reset?.(frame.state);
        return;
      case "message":
        // Only ever newer than what was seen: a stray repeat (e.g. from a socket being replaced) is dropped.
        if (!this.#advance(frame.offset)) return;
        handlers.message(frame.data, { durable: true, offset: frame.offset, replayed: this.#catchingUp });
    }
  }

  /** Moves the offset forward; false when `token` is not newer than the current one. */
  #advance(token: string): boolean {
    const next = parseToken(token);
    if (!next) return false;
    const current = this.#offset;
    if (current && current.epoch === next.epoch && next.position <= current.position) return false;
    this.#remember(token);
    return true;
  }

  #remember(token: string): void {
    const parsed = parseToken(token);
    if (!parsed) return;
    this.#offset = parsed;
    this.#token = token;
    const { store, key } = this.#options;
    if (store && key) store.setItem(key, token);
  }
}
