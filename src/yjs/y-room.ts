/**
 * `YRoom`: a roomkit server that hosts one Yjs document and speaks the
 * y-websocket protocol, so y-websocket's `WebsocketProvider`, y-partykit's
 * `YPartyKitProvider` and y-partyserver's `YProvider` connect unchanged.
 *
 * This module is the protocol adapter: it reads y-websocket frames (and
 * y-partykit's chunked messages, and y-partyserver's custom messages),
 * enforces the per-connection limits, relays presence, and answers HTTP. The
 * document itself — durable in SQLite, written before it is shared — is the
 * engine in `document.ts`; the options and their defaults are in
 * `options.ts`. Presence (awareness) bookkeeping lives in each connection's
 * state, so nothing per-connection has to survive in memory across
 * hibernation.
 * @module
 */
import * as Y from "yjs";
import { CloseCode, INTERNAL_ERROR_REASON, RoomkitError, closeQuietly, logError } from "../errors.js";
import { sendQuietly } from "../sockets.js";
import type { Connection, ConnectionContext, Request as PartyRequest, Room, Server, ServerOptions } from "../types.js";
import { RateLimiter } from "../limits.js";
import { AwarenessRegistry, decodeAwarenessUpdate, encodeAwarenessUpdate, utf8Length, type AwarenessEntry } from "./awareness.js";
import { ChunkedReceiver } from "./chunked.js";
import { DurableDocument, type YDocumentSource } from "./document.js";
import { serveDocument } from "./http.js";
import { resolveYRoomOptions, type ResolvedYRoomOptions, type YRoomOptions } from "./options.js";
import {
  ProtocolError,
  YCloseCode,
  decodeClientMessage,
  encodeAwareness,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  isEmptyUpdate,
} from "./protocol.js";

/** The tag that marks a read-only connection (set from `isReadOnly` at connect time; tags cannot change afterwards). */
export const READ_ONLY_TAG = "yjs:read-only";
/** Prefix of custom text messages, as y-partyserver's provider sends and expects them. */
export const CUSTOM_MESSAGE_PREFIX = "__YPS:";
/** What a read-only client is told (a y-protocols "permission denied" message) the first time it tries to write. */
export const READ_ONLY_REASON = "This connection is read-only: its changes are neither saved nor shared.";

/** Transaction origin of edits posted over HTTP (broadcast to every connection). */
export const HTTP_ORIGIN = Symbol("roomkit/yjs http");

/**
 * A Yjs document room. Extend it and export it with `party()`.
 *
 * Subclasses that override a `Party.Server` hook (`onStart`, `onConnect`,
 * `onMessage`, `onClose`, `onError`, `onRequest`, `getConnectionTags`) must
 * call the `super` method.
 *
 * @example
 * ```ts
 * import { YRoom } from "roomkit/yjs";
 * export default class Doc extends YRoom {}          // hibernating, persisted
 *
 * // with hooks
 * export class Notes extends YRoom {
 *   constructor(room: Party.Room) { super(room, { saveDelay: 10_000 }); }
 *   async onLoad() { return (await this.room.env.BUCKET.get(this.room.id))?.arrayBuffer(); }
 *   async onSave(doc: Y.Doc) { await this.room.env.BUCKET.put(this.room.id, Y.encodeStateAsUpdate(doc)); }
 *   isReadOnly(req: Party.Request) { return new URL(req.url).searchParams.get("mode") === "view"; }
 * }
 * ```
 */
export class YRoom implements Server {
  /**
   * Yjs rooms hibernate by default: no per-connection memory is needed
   * between messages. Frames may be as large as the default `maxMessageBytes`,
   * and there is no per-connection message rate limit: Yjs clients send one
   * frame per transaction, and scripts or replays legitimately send bursts.
   * Set `limits` (see roomkit's limits) in your subclass to restrict them.
   */
  // closeOnError: a failed write or a throwing onCustomMessage closes the connection (1011), so its provider reconnects and resends.
  static options: ServerOptions = { hibernate: true, closeOnError: true, limits: { maxMessageBytes: 8 * 1024 * 1024, messagesPerSecond: Infinity } };

  /**
   * Called once per room, when its storage holds no document yet: return the
   * initial content from an external store. Not called again once the room
   * has stored a document (even an empty one).
   */
  onLoad?(): YDocumentSource | Promise<YDocumentSource>;

  /**
   * Saves the document to an external store. Called at most `saveDelay` ms
   * after a change, and when the last client leaves; runs from the room's
   * persisted timers, so a pending save survives eviction. Throw to have it
   * retried (with backoff; the failure is logged). The document is safe in
   * the room's own storage whatever happens here.
   */
  onSave?(doc: Y.Doc): void | Promise<void>;

  readonly #options: ResolvedYRoomOptions;
  readonly #awareness: AwarenessRegistry;
  readonly #chunks: ChunkedReceiver;
  readonly #bytesRate: RateLimiter;
  readonly #engine: DurableDocument;
  readonly #readOnlyDecision = new WeakMap<object, boolean>();
  readonly #toldReadOnly = new WeakSet<object>();
  /** Connections this room closed itself (a limit, bad input, a lost write). */
  readonly #closedByRoom = new WeakSet<object>();

  constructor(
    readonly room: Room,
    options: YRoomOptions = {},
  ) {
    this.#options = resolveYRoomOptions(options);
    // Methods, not arrows: see "Per-room objects" in README.md.
    const yroom = this;
    this.#awareness = new AwarenessRegistry({
      clientsPerConnection: this.#options.maxAwarenessClients,
      bytesPerConnection: this.#options.maxAwarenessBytesPerConnection,
      roomBytes: this.#options.maxAwarenessBytes,
    });
    this.#chunks = new ChunkedReceiver({
      timeoutMs: this.#options.chunkTimeoutMs,
      maxPendingBytes: this.#options.maxPendingChunkBytes,
      onTimeout(conn, error) {
        yroom.#reject(conn, error);
      },
    });
    this.#bytesRate = new RateLimiter(this.#options.bytesPerSecond, this.#options.bytesBurst);
    // The engine registers its timers now, so a pending compaction/save fires after a wake.
    this.#engine = new DurableDocument(room, this.#options, typeof this.onSave === "function" ? (doc) => this.onSave!(doc) : undefined, {
      committed(update, origin) {
        yroom.#broadcast(encodeUpdate(update), origin);
      },
      // Make the sender reconnect, so its provider sends the lost update again.
      lost(origin) {
        if (isConnection(origin)) yroom.#close(origin, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      },
      // Connected clients still hold the old content: ask them to sync again.
      reset(doc) {
        const step1 = encodeSyncStep1(Y.encodeStateVector(doc));
        for (const conn of yroom.room.getConnections()) sendQuietly(conn, step1);
      },
    });
  }

  /**
   * The room's document. Available from `onStart` on (after `super.onStart()`).
   * Edits made to it from server code are persisted and broadcast like
   * client edits. If a malformed client update ever made Yjs throw halfway,
   * the document is rebuilt from storage and this returns the new instance.
   */
  get document(): Y.Doc {
    return this.#engine.document;
  }

  /**
   * Writes (and broadcasts) updates waiting in the group-commit window now.
   * The room does this itself before anything that shows document state to
   * a client; call it before your own code sends document contents (e.g. in
   * a custom message) if those must never include an unwritten update.
   */
  flush(): void {
    this.#engine.flush();
  }

  /**
   * Decides whether a client may only read. Called with the WebSocket
   * upgrade request (and the connection) at connect time, and with the
   * request for HTTP `POST`s. Writes from a read-only connection are dropped
   * and the client gets a y-protocols "permission denied" message once; HTTP
   * writes get `403`. Default: everyone may write.
   */
  isReadOnly(_request: PartyRequest, _connection?: Connection): boolean | Promise<boolean> {
    return false;
  }

  /**
   * A custom text message arrived on a Yjs connection (any text frame except
   * y-partykit's chunk markers; y-partyserver's `__YPS:` prefix is removed).
   */
  onCustomMessage(_message: string, _sender: Connection): void | Promise<void> {}

  /** Sends a custom text message (prefixed `__YPS:`, as y-partyserver's provider expects). */
  sendCustomMessage(connection: Connection, message: string): void {
    sendQuietly(connection, CUSTOM_MESSAGE_PREFIX + message);
  }

  /** Sends a custom text message to every connection, except `without` (a connection or connection ids). */
  broadcastCustomMessage(message: string, without?: Connection | readonly string[]): void {
    const skipIds = Array.isArray(without) ? new Set(without) : undefined;
    const data = CUSTOM_MESSAGE_PREFIX + message;
    for (const c of this.room.getConnections()) {
      if (c === without || skipIds?.has(c.id)) continue;
      sendQuietly(c, data);
    }
  }

  // ----- Party.Server hooks -----

  async onStart(): Promise<void> {
    await this.#engine.open(() => this.onLoad?.());
    // Read here, not in the constructor: a subclass's instance `options` field is set after super() returns.
    const ctor = this.constructor as { options?: ServerOptions };
    this.#awareness.persist = Boolean((this as { options?: ServerOptions }).options?.hibernate ?? ctor.options?.hibernate ?? false);
    for (const conn of this.room.getConnections()) this.#awareness.restore(conn);
  }

  async getConnectionTags(connection: Connection, ctx: ConnectionContext): Promise<string[]> {
    const readOnly = Boolean(await this.isReadOnly(ctx.request as PartyRequest, connection));
    this.#readOnlyDecision.set(connection, readOnly);
    return readOnly ? [READ_ONLY_TAG] : [];
  }

  async onConnect(connection: Connection, ctx: ConnectionContext): Promise<void> {
    const readOnly = this.#readOnlyDecision.get(connection) ?? Boolean(await this.isReadOnly(ctx.request as PartyRequest, connection));
    if (readOnly && !connection.tags.includes(READ_ONLY_TAG)) {
      // A getConnectionTags override dropped our tag: refuse rather than let a read-only client write.
      logError(
        `YRoom ${this.room.name}/${this.room.id}`,
        new RoomkitError(
          `connection "${connection.id}" is read-only but lacks the "${READ_ONLY_TAG}" tag: getConnectionTags overrides must include super.getConnectionTags(conn, ctx).`,
        ),
      );
      this.#close(connection, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      return;
    }
    // From the stored snapshot when the document is not built yet: a joining client never waits for that.
    sendQuietly(connection, encodeSyncStep1(this.#engine.stateVector()));
    const everyone = this.#awareness.encodeAll();
    if (everyone) sendQuietly(connection, encodeAwareness(everyone));
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Connection): Promise<void> {
    // Closed by the room (a limit, bad input): what it still sent is dropped. Not a check of
    // readyState: a socket the peer is closing is CLOSING too, and what the peer sent before
    // its close (e.g. its last edit) must still be applied.
    if (this.#closedByRoom.has(sender)) return;
    try {
      const size = typeof message === "string" ? utf8Length(message) : message.byteLength;
      if (!this.#bytesRate.take(sender, Date.now(), size)) {
        throw new ProtocolError(YCloseCode.PolicyViolation, `Sending more than ${this.#options.bytesPerSecond} bytes per second.`);
      }
      if (typeof message === "string") {
        await this.#onText(message, sender);
        return;
      }
      const bytes = toBytes(message);
      if (bytes.byteLength > this.#options.maxMessageBytes) {
        throw new ProtocolError(
          YCloseCode.MessageTooBig,
          `Message of ${bytes.byteLength} bytes exceeds the room's limit of ${this.#options.maxMessageBytes} bytes.`,
        );
      }
      if (this.#chunks.chunk(sender, bytes)) return;
      await this.#onFrame(bytes, sender);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.#reject(sender, e);
    }
  }

  async onClose(connection: Connection): Promise<void> {
    this.#leave(connection);
  }

  async onError(connection: Connection, _error: Error): Promise<void> {
    this.#leave(connection);
  }

  /** `GET`/`HEAD`: the document as a Yjs update, with an ETag; `POST`: apply a Yjs update. */
  async onRequest(request: PartyRequest): Promise<Response> {
    return serveDocument(request as unknown as Request, {
      etag: () => this.#engine.etag(),
      state: () => this.#engine.encodedState(),
      apply: (update) => this.#engine.apply(update, HTTP_ORIGIN),
      readOnly: async (req) => Boolean(await this.isReadOnly(req as unknown as PartyRequest)),
      maxBytes: this.#options.maxMessageBytes,
    });
  }

  // ----- messages -----

  async #onText(text: string, sender: Connection): Promise<void> {
    if (ChunkedReceiver.isMarker(text)) {
      const whole = this.#chunks.marker(sender, text, this.#options.maxMessageBytes);
      if (whole) await this.#onFrame(whole, sender);
      return;
    }
    await this.onCustomMessage(text.startsWith(CUSTOM_MESSAGE_PREFIX) ? text.slice(CUSTOM_MESSAGE_PREFIX.length) : text, sender);
  }

  async #onFrame(frame: Uint8Array, sender: Connection): Promise<void> {
    const message = decodeClientMessage(frame);
    switch (message.type) {
      case "sync-step1": {
        // Writes the batch first (never reveal an update that is not written yet); a new client gets the cached whole state.
        sendQuietly(sender, encodeSyncStep2(this.#engine.missing(message.stateVector)));
        return;
      }
      case "sync-step2":
      case "update": {
        if (sender.tags.includes(READ_ONLY_TAG)) {
          if (!isEmptyUpdate(message.update) && !this.#toldReadOnly.has(sender)) {
            this.#toldReadOnly.add(sender);
            sendQuietly(sender, encodePermissionDenied(READ_ONLY_REASON));
          }
          return;
        }
        await this.#engine.apply(message.update, sender);
        return;
      }
      case "awareness": {
        const entries = decodeAwarenessUpdate(message.update, this.#awareness.limitsCheck(sender));
        const accepted = this.#awareness.apply(entries, sender);
        if (accepted.length === 0) return;
        const relay = accepted.length === entries.length ? message.update : encodeAwarenessUpdate(accepted);
        this.#broadcast(encodeAwareness(relay), sender);
        return;
      }
      case "query-awareness": {
        const everyone = this.#awareness.encodeAll();
        if (everyone) sendQuietly(sender, encodeAwareness(everyone));
        return;
      }
    }
  }

  /** Bad input: close this connection alone, with a precise code and reason. */
  #reject(connection: Connection, error: ProtocolError): void {
    console.warn(`[roomkit] YRoom ${this.room.name}/${this.room.id}: closing connection "${connection.id}" (${error.code}): ${error.reason}`);
    this.#leave(connection);
    this.#close(connection, error.code, error.reason);
  }

  #close(connection: Connection, code: number, reason: string): void {
    this.#closedByRoom.add(connection);
    closeQuietly(connection, code, reason);
  }

  #leave(connection: Connection): void {
    this.#engine.flush();
    this.#chunks.forget(connection);
    const removals = this.#awareness.removeConnection(connection);
    if (removals.length > 0) this.#broadcast(encodeAwareness(encodeAwarenessUpdate(removals)), connection);
  }

  #broadcast(message: Uint8Array, except: unknown): void {
    for (const c of this.room.getConnections()) {
      if (c !== except) sendQuietly(c, message);
    }
  }
}

function isConnection(origin: unknown): origin is Connection {
  return typeof origin === "object" && origin !== null && typeof (origin as Connection).send === "function" && "id" in origin;
}

function toBytes(message: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (message instanceof Uint8Array) return message;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
}

export type { AwarenessEntry, YDocumentSource, YRoomOptions };
