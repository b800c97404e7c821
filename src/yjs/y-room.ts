/**
 * `YRoom`: a roomkit server that hosts one Yjs document and speaks the
 * y-websocket protocol, so y-websocket's `WebsocketProvider`, y-partykit's
 * `YPartyKitProvider` and y-partyserver's `YProvider` connect unchanged.
 *
 * Design, in one paragraph: the document lives in memory only while the room
 * is awake and is rebuilt from SQLite in `onStart` after every wake. Each
 * update a client sends is applied, and if it changed the document the
 * *effective* update (what Yjs reports, never a re-encoding of the document) is
 * appended to the update log and then broadcast; the output gate holds the
 * broadcast until the append is durable. The log is folded into a chunked
 * snapshot when it outgrows the snapshot, by a timer, and when the last client
 * leaves. Presence (awareness) bookkeeping lives in each connection's state,
 * so nothing per-connection has to survive in memory across hibernation.
 * @module
 */
import * as Y from "yjs";
import { CloseCode, INTERNAL_ERROR_REASON, RoomkitError, closeQuietly, logError } from "../errors.js";
import { Flusher } from "../flusher.js";
import { definedOnly } from "../defined.js";
import { requireHooks } from "../room-hooks.js";
import { sendQuietly } from "../sockets.js";
import type { Connection, ConnectionContext, Request as PartyRequest, Room, Server, ServerOptions } from "../types.js";
import { RateLimiter } from "../limits.js";
import { AwarenessRegistry, decodeAwarenessUpdate, encodeAwarenessUpdate, utf8Length, type AwarenessEntry } from "./awareness.js";
import { ChunkedReceiver } from "./chunked.js";
import { WriteBatch, type PendingUpdate } from "./batch.js";
import { serveDocument } from "./http.js";
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
import { DocStore } from "./store.js";

/** Options of a {@link YRoom}, passed to its constructor. */
export type YRoomOptions = {
  /** Yjs garbage collection of deleted content. Turn off to keep full history (e.g. for snapshots/versions). Default `true`. */
  gc?: boolean;
  /** Largest accepted message (or chunked message, or HTTP update), in bytes. Larger ones close the connection with 1009 / answer 413. Default 8 MiB. */
  maxMessageBytes?: number;
  /** Longest time an update stays only in the update log before the log is compacted into the snapshot, in ms. Default 30 000. */
  compactDelay?: number;
  /** The log is also compacted as soon as it holds more than this many bytes *and* more bytes than the snapshot. Default 1 MiB. */
  compactLogBytes?: number;
  /** ... or more than this many updates. Default 10 000. */
  compactLogUpdates?: number;
  /** Longest time a change waits before `onSave` is called, in ms (only if the class defines `onSave`). Default 5 000. */
  saveDelay?: number;
  /**
   * Group commit: longest time an update waits so that updates arriving
   * together are written as one log row and broadcast together, in ms. `0`
   * writes and broadcasts each update on its own. Default 10: invisible to
   * people typing, and a burst of edits costs one storage commit, not one per
   * keystroke.
   */
  batchDelay?: number;
  /**
   * Largest document, in bytes of its encoded state (`Y.encodeStateAsUpdate`).
   * A client or HTTP update that would grow it past this is refused: the
   * connection is closed with 1009 (HTTP: 413) and the stored document is
   * left as it was. Edits made by server code are not limited. Default 32 MiB
   * (a room's memory is 128 MB, and a loaded Yjs document takes several times
   * its encoded size).
   */
  maxDocumentBytes?: number;
  /** Client ids one connection may set presence (awareness) for — its own, typically one. One more closes it with 1008. Default 4. */
  maxAwarenessClients?: number;
  /** UTF-8 bytes of the presence states one connection sets, together. More closes it with 1008. Default 64 KiB. */
  maxAwarenessBytesPerConnection?: number;
  /** UTF-8 bytes of every presence state in the room, together; new states past it are ignored (not stored, not relayed). Default 1 MiB. */
  maxAwarenessBytes?: number;
  /** Sustained bytes per second one connection may send (every frame counts). Faster senders are closed with 1008. Default 1 MiB. */
  bytesPerSecond?: number;
  /** Bytes one connection may send at once above that rate. Default 2 × `maxMessageBytes` (so the largest initial sync fits). */
  bytesBurst?: number;
  /** Longest time a y-partykit chunked message may take from start to end marker, in ms. Slower ones close the sender with 1008. Default 30 000. */
  chunkTimeoutMs?: number;
  /** Announced bytes of all chunked messages in progress in the room, together; one more is refused with 1013. Default 2 × `maxMessageBytes`. */
  maxPendingChunkBytes?: number;
};

/** What `onLoad` may return: a Yjs update, a document to copy, or nothing. */
export type YDocumentSource = Uint8Array | ArrayBuffer | Y.Doc | null | undefined;

/** The tag that marks a read-only connection (set from `isReadOnly` at connect time; tags cannot change afterwards). */
export const READ_ONLY_TAG = "yjs:read-only";
/** Prefix of custom text messages, as y-partyserver's provider sends and expects them. */
export const CUSTOM_MESSAGE_PREFIX = "__YPS:";
/** What a read-only client is told (a y-protocols "permission denied" message) the first time it tries to write. */
export const READ_ONLY_REASON = "This connection is read-only: its changes are neither saved nor shared.";

const MIB = 1024 * 1024;
const DEFAULTS = {
  gc: true,
  maxMessageBytes: 8 * MIB,
  compactDelay: 30_000,
  compactLogBytes: MIB,
  compactLogUpdates: 10_000,
  saveDelay: 5_000,
  batchDelay: 10,
  maxDocumentBytes: 32 * MIB,
  maxAwarenessClients: 4,
  maxAwarenessBytesPerConnection: 64 * 1024,
  maxAwarenessBytes: MIB,
  bytesPerSecond: MIB,
  chunkTimeoutMs: 30_000,
} satisfies Omit<Required<YRoomOptions>, "bytesBurst" | "maxPendingChunkBytes">;

/** Transaction origin of edits posted over HTTP (broadcast to every connection). */
export const HTTP_ORIGIN = Symbol("roomkit/yjs http");
const LOAD_ORIGIN = Symbol("roomkit/yjs load");

/**
 * A Yjs document room. Extend it and export it with `party()`:
 *
 * @example
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
 *
 * Subclasses that override a `Party.Server` hook (`onStart`, `onConnect`,
 * `onMessage`, `onClose`, `onError`, `onRequest`, `getConnectionTags`) must
 * call the `super` method.
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

  readonly #options: Required<YRoomOptions>;
  readonly #awareness: AwarenessRegistry;
  readonly #chunks: ChunkedReceiver;
  readonly #bytesRate: RateLimiter;
  readonly #compactor: Flusher;
  readonly #saver: Flusher | undefined;
  readonly #batch: WriteBatch;
  readonly #readOnlyDecision = new WeakMap<object, boolean>();
  readonly #toldReadOnly = new WeakSet<object>();
  #store: DocStore | undefined;
  #doc: Y.Doc | undefined;
  #capture: Uint8Array[] | undefined;
  /** Set while the in-memory document may hold part of a rejected update (until it is rebuilt). */
  #halfApplied = false;
  #compactArmed = false;
  #saveArmed = false;
  #stateCache: { version: number; bytes: Uint8Array } | undefined;
  /** The document's exact encoded size when last measured, and the log's size then (see #sizeBound). */
  #measured: { bytes: number; logBytes: number } | undefined;
  readonly #onUpdate = (update: Uint8Array, origin: unknown) => this.#documentChanged(update, origin);

  constructor(
    readonly room: Room,
    options: YRoomOptions = {},
  ) {
    const o = { ...DEFAULTS, ...definedOnly(options) };
    this.#options = { bytesBurst: 2 * o.maxMessageBytes, maxPendingChunkBytes: 2 * o.maxMessageBytes, ...o };
    checkOptions(this.#options);
    this.#awareness = new AwarenessRegistry({
      clientsPerConnection: this.#options.maxAwarenessClients,
      bytesPerConnection: this.#options.maxAwarenessBytesPerConnection,
      roomBytes: this.#options.maxAwarenessBytes,
    });
    this.#chunks = new ChunkedReceiver({
      timeoutMs: this.#options.chunkTimeoutMs,
      maxPendingBytes: this.#options.maxPendingChunkBytes,
      onTimeout: (conn, error) => this.#reject(conn, error),
    });
    this.#bytesRate = new RateLimiter(this.#options.bytesPerSecond, this.#options.bytesBurst);
    // Flushers register their timers now, so a pending compaction/save fires after a wake.
    this.#compactor = new Flusher(room, { name: "yjs-compact", every: this.#options.compactDelay, flush: () => this.#compactFromTimer() });
    if (typeof this.onSave === "function") {
      this.#saver = new Flusher(room, { name: "yjs-save", every: this.#options.saveDelay, flush: () => this.#save() });
    }
    this.#batch = new WriteBatch(this.#options.batchDelay, this.#options.compactLogBytes, (batch) => this.#write(batch), (e) =>
      logError(`YRoom ${this.room.name}/${this.room.id} writing updates`, e),
    );
    requireHooks(room, "YRoom").onStorageReset(() => this.#storageReset());
  }

  /**
   * The room's document. Available from `onStart` on (after `super.onStart()`).
   * Edits made to it from server code are persisted and broadcast like
   * client edits. If a malformed client update ever made Yjs throw halfway,
   * the document is rebuilt from storage and this returns the new instance.
   */
  get document(): Y.Doc {
    if (!this.#doc) {
      throw new RoomkitError("YRoom: the document is loaded in onStart; if you override onStart, call `await super.onStart()` first.");
    }
    return this.#doc;
  }

  /**
   * Writes (and broadcasts) updates waiting in the group-commit window now.
   * The room does this itself before anything that shows document state to
   * a client; call it before your own code sends document contents (e.g. in
   * a custom message) if those must never include an unwritten update.
   */
  flush(): void {
    this.#batch.flush();
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
    this.#store = new DocStore(this.room.storage);
    const stored = this.#store.load();
    const doc = this.#build(stored.snapshot, stored.updates);
    if (!stored.exists) {
      const initial = toUpdate(await this.onLoad?.());
      if (initial) Y.applyUpdate(doc, initial, LOAD_ORIGIN);
      this.#store.create(initial ? Y.encodeStateAsUpdate(doc) : null);
    }
    this.#use(doc);
    // Read here, not in the constructor: a subclass's instance `options` field is set after super() returns.
    const ctor = this.constructor as { options?: ServerOptions };
    this.#awareness.persist = Boolean((this as { options?: ServerOptions }).options?.hibernate ?? ctor.options?.hibernate ?? false);
    for (const conn of this.room.getConnections()) this.#awareness.restore(conn);
    // Work interrupted by an eviction or crash: arm its timers again (a no-op if they are still pending).
    if (this.#store.logRows > 0) await this.#armCompaction();
    if (stored.saveDirty && this.#saver) {
      this.#saveArmed = true;
      await this.#saver.markDirty();
    }
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
        new RoomkitError(`connection "${connection.id}" is read-only but lacks the "${READ_ONLY_TAG}" tag: getConnectionTags overrides must include super.getConnectionTags(conn, ctx).`),
      );
      closeQuietly(connection, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      return;
    }
    const doc = this.document;
    sendQuietly(connection, encodeSyncStep1(Y.encodeStateVector(doc)));
    const everyone = this.#awareness.encodeAll();
    if (everyone) sendQuietly(connection, encodeAwareness(everyone));
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Connection): Promise<void> {
    if (sender.readyState !== 1) return; // closed by the room (a limit): what it still sent is dropped
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
        throw new ProtocolError(YCloseCode.MessageTooBig, `Message of ${bytes.byteLength} bytes exceeds the room's limit of ${this.#options.maxMessageBytes} bytes.`);
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
      etag: () => this.#etag(),
      state: () => this.#encodedState(),
      apply: async (update) => {
        await this.#applyUpdate(update, HTTP_ORIGIN);
      },
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
        this.#batch.flush(); // never reveal an update that is not written yet
        let diff: Uint8Array;
        try {
          diff = Y.encodeStateAsUpdate(this.document, message.stateVector);
        } catch {
          throw new ProtocolError(YCloseCode.InvalidPayload, "Invalid state vector in sync step 1.");
        }
        sendQuietly(sender, encodeSyncStep2(diff));
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
        await this.#applyUpdate(message.update, sender);
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
    closeQuietly(connection, error.code, error.reason);
  }

  #leave(connection: Connection): void {
    this.#batch.flush();
    this.#chunks.forget(connection);
    const removals = this.#awareness.removeConnection(connection);
    if (removals.length > 0) this.#broadcast(encodeAwareness(encodeAwarenessUpdate(removals)), connection);
  }

  // ----- the document -----

  #build(snapshot: Uint8Array | null, updates: readonly Uint8Array[]): Y.Doc {
    const doc = new Y.Doc({ gc: this.#options.gc });
    // One apply per stored row: measured faster than one big transaction, and far faster than Y.mergeUpdates.
    if (snapshot) Y.applyUpdate(doc, snapshot, LOAD_ORIGIN);
    for (const u of updates) Y.applyUpdate(doc, u, LOAD_ORIGIN);
    return doc;
  }

  #use(doc: Y.Doc): void {
    this.#doc?.off("update", this.#onUpdate);
    this.#doc = doc;
    this.#stateCache = undefined;
    doc.on("update", this.#onUpdate);
  }

  /**
   * Applies an update from a client or HTTP. Effective changes are captured
   * and committed only if Yjs finished without throwing: a malformed update
   * never reaches storage or peers, and the document is rebuilt from storage
   * in case Yjs had integrated part of it.
   */
  async #applyUpdate(update: Uint8Array, origin: unknown): Promise<void> {
    const max = this.#options.maxDocumentBytes;
    // Measured exactly only when a cheap upper bound says the update might not fit.
    const before = this.#sizeBound() + update.byteLength > max ? this.#measure() : undefined;
    const doc = this.document;
    const captured: Uint8Array[] = [];
    this.#capture = captured;
    try {
      Y.applyUpdate(doc, update, origin);
    } catch {
      this.#capture = undefined;
      // Earlier, valid updates waiting in the batch are kept: write them, but do not compact
      // now — a snapshot of the in-memory document would include what Yjs half-applied.
      this.#halfApplied = true;
      try {
        this.#batch.flush();
      } finally {
        this.#halfApplied = false;
      }
      this.#reload();
      throw new ProtocolError(YCloseCode.InvalidPayload, "Invalid Yjs update.");
    }
    this.#capture = undefined;
    if (before !== undefined) {
      let grown = 0;
      for (const effective of captured) grown += effective.byteLength;
      if (grown > 0 && before + grown > max) {
        // Nothing of it was written (the batch was flushed by #measure): rebuild from storage.
        this.#reload();
        throw new ProtocolError(
          YCloseCode.MessageTooBig,
          `This update would grow the document past its limit of ${max} bytes (maxDocumentBytes); it was not applied.`,
        );
      }
    }
    for (const effective of captured) this.#batch.add(effective, origin);
  }

  /**
   * An upper bound of the document's encoded size, without encoding it: the
   * snapshot plus every update since (or the last exact measure plus updates
   * since), plus what waits in the batch.
   */
  #sizeBound(): number {
    const store = this.#store!;
    let stored = store.snapshotBytes + store.logBytes;
    if (this.#measured && store.logBytes >= this.#measured.logBytes) {
      stored = Math.min(stored, this.#measured.bytes + store.logBytes - this.#measured.logBytes);
    }
    return stored + this.#batch.bytes;
  }

  /** The document's exact encoded size (writes the batch first). */
  #measure(): number {
    const bytes = this.#encodedState().byteLength;
    this.#measured = { bytes, logBytes: this.#store!.logBytes };
    return bytes;
  }

  /** Every change to the document ends up here (client, HTTP or server code). */
  #documentChanged(update: Uint8Array, origin: unknown): void {
    if (this.#capture) {
      this.#capture.push(update);
      return;
    }
    if (origin === LOAD_ORIGIN) return;
    this.#batch.add(update, origin);
  }

  /**
   * Persist, then broadcast: one log row per batch, written before any
   * frame goes out (the output gate also holds the frames until the write is
   * durable).
   */
  #write(batch: PendingUpdate[]): void {
    const store = this.#store!;
    const merged = batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((p) => p.update));
    try {
      store.append(merged);
    } catch (e) {
      // Memory must never run ahead of storage: drop the unwritten changes, and make
      // their senders reconnect so their providers send them again.
      this.#reload();
      for (const { origin } of batch) {
        if (isConnection(origin)) closeQuietly(origin, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      }
      throw e;
    }
    this.#stateCache = undefined;
    const origin = batch[0]!.origin;
    if (batch.every((p) => p.origin === origin)) this.#broadcast(encodeUpdate(merged), origin);
    else for (const p of batch) this.#broadcast(encodeUpdate(p.update), p.origin);

    const o = this.#options;
    if (store.logRows >= o.compactLogUpdates || (store.logBytes > o.compactLogBytes && store.logBytes > store.snapshotBytes)) {
      try {
        this.#compact();
      } catch (e) {
        // The updates are written; compaction is only tidying up, and its timer tries again.
        logError(`YRoom ${this.room.name}/${this.room.id} compacting`, e);
      }
    }
    const arming: Promise<void>[] = [];
    if (store.logRows > 0 && !this.#compactArmed) arming.push(this.#armCompaction());
    if (this.#saver && !this.#saveArmed) {
      this.#saveArmed = true;
      store.setSaveDirty(true);
      // If arming fails, the next write tries again (the flag must never claim a timer that is not there).
      arming.push(this.#saver.markDirty().catch((e) => ((this.#saveArmed = false), Promise.reject(e))));
    }
    // Arming persists the timer row synchronously; only the alarm update is awaited here.
    if (arming.length > 0) Promise.all(arming).catch((e) => logError(`YRoom ${this.room.name}/${this.room.id} timers`, e));
  }

  #armCompaction(): Promise<void> {
    this.#compactArmed = true;
    return this.#compactor.markDirty().catch((e) => {
      this.#compactArmed = false;
      throw e;
    });
  }

  #compactFromTimer(): void {
    this.#compactArmed = false;
    this.#compact();
  }

  /** Folds the update log into the snapshot. */
  #compact(): void {
    const store = this.#store;
    if (!store || !this.#doc || this.#halfApplied) return;
    this.#batch.flush();
    if (store.logRows === 0) return;
    store.compact(Y.encodeStateAsUpdate(this.#doc));
    this.#measured = undefined; // the snapshot is now the exact size
  }

  async #save(): Promise<void> {
    this.#saveArmed = false;
    const store = this.#store!;
    this.#batch.flush(); // the external copy never runs ahead of the room's own storage
    const version = store.version;
    await this.onSave!(this.document);
    // Changes made while saving were not necessarily included: they armed a new save.
    if (store.version === version) store.setSaveDirty(false);
  }

  /**
   * `room.storage.deleteAll()` dropped the document's tables (and every
   * timer): start again from a new, empty document with a new epoch (so ETags
   * change), without calling `onLoad` — the app asked for a reset. Updates
   * waiting in the batch belonged to the old document and are dropped.
   * Connected clients still hold the old content; they are asked to sync
   * again (a Yjs replica cannot be emptied from the server), so whatever they
   * send is integrated and they keep editing.
   */
  async #storageReset(): Promise<void> {
    this.#batch.discard();
    this.#compactArmed = false;
    this.#saveArmed = false;
    this.#halfApplied = false;
    this.#measured = undefined;
    if (!this.#store) return; // not started: onStart will find empty storage
    this.#store = new DocStore(this.room.storage);
    this.#store.load();
    this.#store.create(null);
    const old = this.#doc;
    const doc = new Y.Doc({ gc: this.#options.gc });
    this.#use(doc);
    old?.destroy();
    const step1 = encodeSyncStep1(Y.encodeStateVector(doc));
    for (const conn of this.room.getConnections()) sendQuietly(conn, step1);
    if (this.#saver) {
      // The external copy follows the room: it is told the document is empty now.
      this.#saveArmed = true;
      this.#store.setSaveDirty(true);
      try {
        await this.#saver.markDirty();
      } catch (e) {
        this.#saveArmed = false;
        throw e;
      }
    }
  }

  /** Rebuilds the document from storage, the source of truth. */
  #reload(): void {
    const old = this.#doc;
    const stored = this.#store!.load();
    this.#use(this.#build(stored.snapshot, stored.updates));
    this.#measured = undefined;
    old?.destroy();
  }

  #etag(): string {
    this.#batch.flush();
    const store = this.#store!;
    return `"${store.epoch}.${store.version}"`;
  }

  #encodedState(): Uint8Array {
    this.#batch.flush();
    const version = this.#store!.version;
    if (this.#stateCache?.version !== version) this.#stateCache = { version, bytes: Y.encodeStateAsUpdate(this.document) };
    return this.#stateCache.bytes;
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

function toUpdate(source: YDocumentSource): Uint8Array | undefined {
  if (source === null || source === undefined) return undefined;
  if (source instanceof Y.Doc) return Y.encodeStateAsUpdate(source);
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof Uint8Array) return source;
  throw new RoomkitError("YRoom.onLoad must return a Yjs update (Uint8Array/ArrayBuffer), a Y.Doc, or null.");
}

function checkOptions(o: Required<YRoomOptions>): void {
  for (const key of ["maxMessageBytes", "compactDelay", "compactLogBytes", "compactLogUpdates", "saveDelay", "chunkTimeoutMs"] as const) {
    if (!(Number.isFinite(o[key]) && o[key] > 0)) throw new RoomkitError(`YRoom option \`${key}\` must be a positive number, got ${String(o[key])}.`);
  }
  // Limits may be switched off with Infinity.
  for (const key of [
    "maxDocumentBytes",
    "maxAwarenessClients",
    "maxAwarenessBytesPerConnection",
    "maxAwarenessBytes",
    "bytesPerSecond",
    "bytesBurst",
    "maxPendingChunkBytes",
  ] as const) {
    if (!(o[key] > 0)) throw new RoomkitError(`YRoom option \`${key}\` must be a positive number (or Infinity), got ${String(o[key])}.`);
  }
  if (!(Number.isFinite(o.batchDelay) && o.batchDelay >= 0)) {
    throw new RoomkitError(`YRoom option \`batchDelay\` must be 0 or a positive number of milliseconds, got ${String(o.batchDelay)}.`);
  }
}

export type { AwarenessEntry };
