/**
 * The durable document engine behind `YRoom`: one Yjs document, kept in
 * memory while the room is awake and rebuilt from SQLite after every wake.
 *
 * Each change (from a client, HTTP or server code) is captured as the
 * *effective* update Yjs reports — never a re-encoding of the document —,
 * grouped into a batch, appended to the update log, and only then handed on
 * to be broadcast (the output gate also holds the frames until the write is
 * durable). Memory never runs ahead of storage: an update that fails to
 * apply or to be written makes the engine rebuild the document from storage.
 * The log is folded into a chunked snapshot when it outgrows the snapshot,
 * `compactDelay` after its first row (in a document of `compactMinBytes` or
 * more: a smaller one is as cheap to build from its log, and not worth a
 * wake-up), and when the last client leaves; the
 * optional external save runs `saveDelay` after a change. Both are wake-ups
 * with no timer row (Scheduler.wake): the log rows and the save flag already
 * say the work is pending, so a room that starts and finds them arms it again
 * for when the platform alarm, which outlives the instance, is due. The snapshot is the V1 encoding clients
 * speak, deflated (`deflate.ts`): compressing is asynchronous, so updates
 * written meanwhile stay in the log, after the snapshot.
 *
 * A room that wakes with its document compacted into one snapshot (the usual
 * case) does not build the `Y.Doc` until something needs it: a joining
 * client's state vector and sync reply, and HTTP reads, are served from the
 * stored snapshot after one native inflate, with no Yjs decoding. The first
 * edit, `document`, a save or a compaction builds it.
 * The engine knows nothing of the wire protocol: what to send is the
 * adapter's business (`y-room.ts`).
 * @module
 */
import * as Y from "yjs";
import { RoomkitError, logError } from "../errors.js";
import { Flusher } from "../flusher.js";
import { requireHooks } from "../room-hooks.js";
import type { Room } from "../types.js";
import { WriteBatch, type PendingUpdate } from "./batch.js";
import type { ResolvedYRoomOptions } from "./options.js";
import { deflateRaw, inflateRaw } from "./deflate.js";
import { ProtocolError, YCloseCode, isEmptyStateVector, isEmptyUpdate } from "./protocol.js";
import { DocStore, type StoredDocument, type StoredUpdate } from "./store.js";

/**
 * A written batch at least this large (V1 bytes) is stored in the V2 encoding:
 * Yjs's conversion has a fixed cost (tens of µs) that a keystroke's update
 * would pay for nothing (its V2 form is larger), while a merged batch shrinks
 * by a third or more.
 */
export const V2_MIN_BYTES = 512;

/** What `onLoad` may return: a Yjs update, a document to copy, or nothing. */
export type YDocumentSource = Uint8Array | ArrayBuffer | Y.Doc | null | undefined;

/** What the engine tells the room it serves. */
export type DocumentEvents = {
  /** An update is written (several from the same origin may be merged into one): share it with everyone but `origin`. */
  committed(update: Uint8Array, origin: unknown): void;
  /** Writing this origin's update failed and it was dropped: its sender must send it again. */
  lost(origin: unknown): void;
  /** `room.storage.deleteAll()` replaced the document with a new, empty one. */
  reset(doc: Y.Doc): void;
};

const LOAD_ORIGIN = Symbol("roomkit/yjs load");

/**
 * A Yjs document that is durable in the room's own storage.
 *
 * @example
 * ```ts
 * const engine = new DurableDocument(room, resolveYRoomOptions({}), undefined, {
 *   committed: (update, origin) => broadcast(encodeUpdate(update), origin),
 *   lost: (origin) => closeSender(origin),
 *   reset: (doc) => askEveryoneToSync(doc),
 * });
 * await engine.open(() => null);         // in onStart
 * await engine.apply(updateFromClient, connection);
 * ```
 */
export class DurableDocument {
  readonly #room: Room;
  readonly #options: ResolvedYRoomOptions;
  readonly #events: DocumentEvents;
  readonly #onSave: ((doc: Y.Doc) => void | Promise<void>) | undefined;
  readonly #compactor: Flusher;
  readonly #saver: Flusher | undefined;
  readonly #batch: WriteBatch;
  #store: DocStore | undefined;
  #doc: Y.Doc | undefined;
  #capture: Uint8Array[] | undefined;
  /** Set while the in-memory document may hold part of a rejected update (until it is rebuilt). */
  #halfApplied = false;
  #compactArmed = false;
  /** The compaction running now (it compresses asynchronously), if any. */
  #compacting: Promise<void> | undefined;
  /** Set while the document is being rebuilt from a stored snapshot that must be inflated first (see #reload). */
  #reloading = false;
  #saveArmed = false;
  #stateCache: { version: number; bytes: Uint8Array } | undefined;
  /** The stored snapshot, while it is the whole document and #doc is not built from it yet. */
  #unbuilt: StoredUpdate | undefined;
  /** The state vector of #unbuilt: stored with it, or read from it once asked for. */
  #unbuiltVector: Uint8Array | undefined;
  /**
   * An upper bound of the stored document's V1 encoded size (what
   * `maxDocumentBytes` limits), or `undefined` when unknown: after loading V2
   * rows, until the first update measures it (see #sizeBound).
   */
  #v1Bound: number | undefined;
  readonly #onUpdate: (update: Uint8Array, origin: unknown) => void = this.#documentChanged.bind(this);

  /**
   * Create it in the room's constructor: its timers must be registered
   * there, so a pending compaction or save fires after a wake. `onSave`, if
   * given, writes the document to an external store.
   */
  constructor(room: Room, options: ResolvedYRoomOptions, onSave: ((doc: Y.Doc) => void | Promise<void>) | undefined, events: DocumentEvents) {
    this.#room = room;
    this.#options = options;
    this.#events = events;
    this.#onSave = onSave;
    // pendingIn "storage": the log and the save flag record the work, so no timer row is kept (see open()).
    // The flush functions are arguments, which esbuild's keepNames leaves alone (see "Per-room objects" in README.md).
    this.#compactor = storageFlusher(room, "yjs-compact", options.compactDelay, () => this.#compactFromTimer());
    if (onSave) this.#saver = storageFlusher(room, "yjs-save", options.saveDelay, () => this.#save());
    // Methods, not arrows: see "Per-room objects" in README.md.
    const engine = this;
    this.#batch = new WriteBatch({
      delay: options.batchDelay,
      maxBytes: options.compactLogBytes,
      durable() {
        return room.storage.sync();
      },
      write(batch) {
        engine.#write(batch);
      },
      onError(e) {
        logError(`${engine.#where()} writing updates`, e);
      },
    });
    const hooks = requireHooks(room, "YRoom");
    hooks.onStorageReset(() => this.#storageReset());
    // A log the timer does not wait for (compactMinBytes) is folded when the room empties; a timed one, by the compactor.
    hooks.onLastConnectionLeft(() => (this.#compactArmed || !this.#store?.logRows ? undefined : this.#compact()));
  }

  /**
   * Loads the document from storage; the first time a room has none, from
   * `load` (the room's `onLoad`). Arms again the work an eviction or crash
   * interrupted.
   */
  async open(load: () => YDocumentSource | Promise<YDocumentSource>): Promise<void> {
    this.#store = new DocStore(this.#room.storage);
    const stored = await inflated(this.#store.load());
    this.#v1Bound = stored.v1Bytes;
    if (!stored.exists) {
      const doc = this.#build(stored);
      const initial = toUpdate(await load());
      if (initial) Y.applyUpdate(doc, initial, LOAD_ORIGIN);
      this.#store.create(initial ? { stateV2: Y.encodeStateAsUpdateV2(doc), vector: Y.encodeStateVector(doc) } : null);
      this.#v1Bound = initial ? undefined : 0;
      this.#use(doc);
    } else this.#useStored(stored);
    // Work an earlier instance left pending (evicted, or crashed): its wake-up
    // died with it, the platform alarm did not; due when that alarm is.
    if (this.#worthTimedCompaction()) {
      this.#compactArmed = true;
      await this.#compactor.resume();
    }
    if (stored.saveDirty && this.#saver) {
      this.#saveArmed = true;
      await this.#saver.resume();
    }
  }

  /** The document, once {@link open} has loaded it (built now if it was only stored until now). */
  get document(): Y.Doc {
    if (this.#doc) return this.#doc;
    if (!this.#unbuilt) {
      if (this.#reloading) {
        throw new RoomkitError("YRoom: the document is being rebuilt from storage after a rejected update; it is back before the room handles its next event.");
      }
      throw new RoomkitError("YRoom: the document is loaded in onStart; if you override onStart, call `await super.onStart()` first.");
    }
    const cache = this.#stateCache; // the same content at the same version: still valid
    this.#use(this.#build({ snapshot: this.#unbuilt, updates: [] }));
    this.#stateCache = cache;
    return this.#doc!;
  }

  /**
   * The document's state vector (what a sync step 1 carries), read from the
   * stored snapshot while the document is not built.
   */
  stateVector(): Uint8Array {
    const stored = this.#unbuilt;
    if (!stored) return Y.encodeStateVector(this.document);
    this.#unbuiltVector ??= (stored.v2 ? Y.encodeStateVectorFromUpdateV2 : Y.encodeStateVectorFromUpdate)(stored.bytes);
    return this.#unbuiltVector;
  }

  /**
   * What a peer with `stateVector` lacks, as one V1 update (a sync step 2's
   * payload); writes the batch first. A new client (empty state vector) gets
   * the cached whole state. Throws a ProtocolError (1007) for a malformed
   * state vector.
   */
  missing(stateVector: Uint8Array): Uint8Array {
    if (isEmptyStateVector(stateVector)) return this.encodedState();
    this.#batch.flush();
    const stored = this.#unbuilt;
    try {
      if (!stored) return Y.encodeStateAsUpdate(this.document, stateVector);
      return stored.v2 ? Y.convertUpdateFormatV2ToV1(Y.diffUpdateV2(stored.bytes, stateVector)) : Y.diffUpdate(stored.bytes, stateVector);
    } catch {
      throw new ProtocolError(YCloseCode.InvalidPayload, "Invalid state vector in sync step 1.");
    }
  }

  /** Writes (and hands on) the updates waiting in the group-commit window now. */
  flush(): void {
    this.#batch.flush();
  }

  /** The document's version as an HTTP ETag (writes the batch first). */
  etag(): string {
    this.#batch.flush();
    const store = this.#store!;
    return `"${store.epoch}.${store.version}"`;
  }

  /** The whole document as one Yjs update, cached per version (writes the batch first). */
  encodedState(): Uint8Array {
    this.#batch.flush();
    const version = this.#store!.version;
    if (this.#stateCache?.version !== version) {
      const stored = this.#unbuilt;
      const bytes = !stored ? Y.encodeStateAsUpdate(this.document) : stored.v2 ? Y.convertUpdateFormatV2ToV1(stored.bytes) : stored.bytes;
      this.#stateCache = { version, bytes };
    }
    return this.#stateCache.bytes;
  }

  /**
   * Applies an update from a client or HTTP. Effective changes are captured
   * and committed only if Yjs finished without throwing: a malformed update
   * never reaches storage or peers, and the document is rebuilt from storage
   * in case Yjs had integrated part of it. Throws a ProtocolError (1007, or
   * 1009 past `maxDocumentBytes`).
   */
  async apply(update: Uint8Array, origin: unknown): Promise<void> {
    // The empty update (the sync step 2 every new client answers the room's sync step 1 with) changes
    // nothing: it must not build a document that is only stored, nor measure its size.
    if (isEmptyUpdate(update)) return;
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
   * An upper bound of the document's V1 encoded size, without encoding it:
   * the last exact measure (or, for a document stored in V1, the snapshot and
   * log as stored) plus the V1 size of every update written since, plus what
   * waits in the batch. Unknown (infinite) after loading V2 rows: the first
   * update measures it, so cold loads never pay for a V1 encoding.
   */
  #sizeBound(): number {
    return (this.#v1Bound ?? Number.POSITIVE_INFINITY) + this.#batch.bytes;
  }

  /** The document's exact V1 encoded size (writes the batch first). */
  #measure(): number {
    const bytes = this.encodedState().byteLength;
    this.#v1Bound = bytes;
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
    // Captured and broadcast as V1 (what clients speak); stored as V2 when that pays (see V2_MIN_BYTES).
    const v2 = store.format === 2 && merged.byteLength >= V2_MIN_BYTES;
    try {
      store.append(v2 ? Y.convertUpdateFormatV1ToV2(merged) : merged, v2);
    } catch (e) {
      // Memory must never run ahead of storage: drop the unwritten changes, and make
      // their senders reconnect so their providers send them again.
      this.#reload();
      for (const { origin } of batch) this.#events.lost(origin);
      throw e;
    }
    this.#stateCache = undefined;
    if (this.#v1Bound !== undefined) this.#v1Bound += merged.byteLength;
    const origin = batch[0]!.origin;
    if (batch.every((p) => p.origin === origin)) this.#events.committed(merged, origin);
    else for (const p of batch) this.#events.committed(p.update, p.origin);

    const o = this.#options;
    if (store.logRows >= o.compactLogUpdates || (store.logBytes > o.compactLogBytes && store.logBytes > store.snapshotBytes)) {
      // The updates are written; compaction is only tidying up, and its timer tries again.
      this.#compact().catch((e) => logError(`${this.#where()} compacting`, e));
    }
    const arming: Promise<void>[] = [];
    if (!this.#compactArmed && this.#worthTimedCompaction()) arming.push(this.#armCompaction());
    if (this.#saver && !this.#saveArmed) {
      this.#saveArmed = true;
      store.setSaveDirty(true);
      // If arming fails, the next write tries again (the flag must never claim a timer that is not there).
      arming.push(this.#saver.markDirty().catch((e) => ((this.#saveArmed = false), Promise.reject(e))));
    }
    // The log row and the save flag are written already; arming only sets the alarm, not awaited here.
    if (arming.length > 0) Promise.all(arming).catch((e) => logError(`${this.#where()} timers`, e));
  }

  /** Whether the log waits for the compaction timer: it has rows, in a document of `compactMinBytes` or more as stored. */
  #worthTimedCompaction(): boolean {
    const store = this.#store!;
    return store.logRows > 0 && store.logBytes + store.snapshotBytes >= this.#options.compactMinBytes;
  }

  #armCompaction(): Promise<void> {
    this.#compactArmed = true;
    return this.#compactor.markDirty().catch((e) => {
      this.#compactArmed = false;
      throw e;
    });
  }

  async #compactFromTimer(): Promise<void> {
    this.#compactArmed = false;
    // A compaction already running folds only the log up to where it started: fold the rest too.
    await this.#compacting?.catch(() => undefined); // its own caller reports its failure
    await this.#compact();
  }

  /** Folds the update log into the snapshot; one compaction at a time (a second caller waits for the one running). */
  #compact(): Promise<void> {
    this.#compacting ??= this.#compactOnce().finally(() => (this.#compacting = undefined));
    return this.#compacting;
  }

  async #compactOnce(): Promise<void> {
    const store = this.#store;
    const doc = this.#doc;
    if (!store || !doc || this.#halfApplied) return;
    this.#batch.flush();
    if (store.logRows === 0) return;
    // The document as it is at this version: what is written while it is compressed stays in the log.
    const version = store.version;
    const vector = Y.encodeStateVector(doc);
    const snapshot = await deflateRaw(Y.encodeStateAsUpdate(doc));
    // A storage reset meanwhile replaced the store: this snapshot belongs to the old document.
    if (this.#store !== store) return;
    // The content is unchanged: #v1Bound still holds.
    store.compact(snapshot, vector, version);
  }

  async #save(): Promise<void> {
    this.#saveArmed = false;
    const store = this.#store!;
    this.#batch.flush(); // the external copy never runs ahead of the room's own storage
    const version = store.version;
    await this.#onSave!(this.document);
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
    this.#v1Bound = 0;
    if (!this.#store) return; // not started: onStart will find empty storage
    this.#store = new DocStore(this.#room.storage);
    this.#store.load();
    this.#store.create(null);
    const old = this.#doc;
    const doc = new Y.Doc({ gc: this.#options.gc });
    this.#use(doc);
    old?.destroy();
    this.#events.reset(doc);
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

  /**
   * Rebuilds the document from storage, the source of truth. #v1Bound still
   * holds: it bounds what is stored. A deflated snapshot is inflated
   * asynchronously: until then the room takes no other event
   * (`blockConcurrencyWhile`), so none sees the document missing.
   */
  #reload(): void {
    const old = this.#doc;
    const stored = this.#store!.load();
    if (stored.snapshot?.deflated) {
      this.#detach();
      this.#reloading = true;
      const store = this.#store;
      void this.#room.blockConcurrencyWhile(async () => {
        const ready = await inflated(stored);
        // A storage reset meanwhile started a new document: keep it.
        if (this.#store === store) this.#useStored(ready);
        this.#reloading = false;
      });
    } else this.#useStored(stored);
    old?.destroy();
  }

  /** Takes what is stored as the document: built now, or, when it is one snapshot, when first needed. */
  #useStored(stored: StoredDocument): void {
    if (stored.snapshot && stored.updates.length === 0) {
      this.#detach();
      this.#unbuilt = stored.snapshot;
      this.#unbuiltVector = stored.snapshotVector; // undefined for snapshots stored without it: read from the snapshot when asked
    } else this.#use(this.#build(stored));
  }

  /** A document from a snapshot (inflated: see {@link inflated}) and the updates after it. */
  #build({ snapshot, updates }: { snapshot: StoredUpdate | null; updates: StoredUpdate[] }): Y.Doc {
    const doc = new Y.Doc({ gc: this.#options.gc });
    // One apply per stored row: measured faster than one big transaction, and far faster than Y.mergeUpdates.
    if (snapshot) (snapshot.v2 ? Y.applyUpdateV2 : Y.applyUpdate)(doc, snapshot.bytes, LOAD_ORIGIN);
    for (const u of updates) (u.v2 ? Y.applyUpdateV2 : Y.applyUpdate)(doc, u.bytes, LOAD_ORIGIN);
    return doc;
  }

  #use(doc: Y.Doc): void {
    this.#detach();
    this.#doc = doc;
    this.#unbuilt = undefined;
    this.#unbuiltVector = undefined;
    doc.on("update", this.#onUpdate);
  }

  /** Lets go of the in-memory document (its replacement is set by the caller). */
  #detach(): void {
    this.#doc?.off("update", this.#onUpdate);
    this.#doc = undefined;
    this.#stateCache = undefined;
  }

  #where(): string {
    return `YRoom ${this.#room.name}/${this.#room.id}`;
  }
}

/** `stored` with its snapshot inflated, if it was stored deflated. */
async function inflated(stored: StoredDocument): Promise<StoredDocument> {
  const snapshot = stored.snapshot;
  if (!snapshot?.deflated) return stored;
  return { ...stored, snapshot: { bytes: await inflateRaw(snapshot.bytes), v2: false, deflated: false } };
}

function toUpdate(source: YDocumentSource): Uint8Array | undefined {
  if (source === null || source === undefined) return undefined;
  if (source instanceof Y.Doc) return Y.encodeStateAsUpdate(source);
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof Uint8Array) return source;
  throw new RoomkitError("YRoom.onLoad must return a Yjs update (Uint8Array/ArrayBuffer), a Y.Doc, or null.");
}

/** A flusher whose pending work the document's own rows record (`pendingIn: "storage"`). */
function storageFlusher(room: Room, name: string, every: number, flush: () => Promise<void>): Flusher {
  return new Flusher(room, { name, every, pendingIn: "storage", flush });
}
