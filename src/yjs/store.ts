/**
 * Durable storage of one Yjs document in the room's SQLite database.
 *
 * Format 2 (every new document): one table, `_roomkit_ydoc (id, v2, data)`,
 * keyed by `id = seq × 65536 + part` (an integer key: no separate index).
 * - `seq = -1`: the metadata, one JSON row: `format` (2), the document's
 *   `epoch` (a random id chosen when it is first created, part of its ETag),
 *   the `snapshotVersion` the snapshot covers, the snapshot's state `vector`
 *   (base64, written with it: a joining client is sent it without decoding
 *   the snapshot), and `saveDirty` (an external save is pending).
 * - `seq = 0`: the compacted document, in parts: `Y.encodeStateAsUpdate` (V1,
 *   what clients are sent) compressed with raw DEFLATE (`v2 = 2`), or, as
 *   earlier releases and `onLoad`'s initial content wrote it, V2 (`v2 = 1`).
 * - `seq ≥ 1`: every written batch since the snapshot, in arrival order, each
 *   in parts when larger than a chunk; `v2` says its encoding (V2 for merged
 *   batches, V1 for small ones, whose conversion would cost more than it saves).
 *
 * The `v2` column is the row's encoding: 0 V1, 1 V2, 2 V1 deflated (see
 * `deflate.ts`, and {@link StoredSnapshot}).
 *
 * Format 1 (documents written before format 2): three tables of V1 updates,
 * `_roomkit_yjs_log`, `_roomkit_yjs_snapshot` and `_roomkit_yjs_meta`. Such a
 * document loads and takes appends as it is, and its next compaction moves it
 * to format 2 in the same transaction that writes the snapshot.
 *
 * One table instead of three: each table costs every loaded object its own
 * schema in memory (see docs/yjs.md, idle memory).
 *
 * Writes are synchronous SQL statements: they join the Durable Object's
 * implicit transaction, and the platform's output gate holds back every
 * message the room sends (broadcasts, HTTP responses) until that transaction
 * is durable. Compaction replaces snapshot and log in one explicit transaction.
 * @module
 */
import { RoomkitError } from "../errors.js";
import { concatBytes } from "../bytes.js";
import { tableExists } from "../sql-tables.js";
import { fromBase64, toBase64 } from "../base64.js";

/** Largest part of one row: well below the platform's 2 MB row limit. */
export const CHUNK_BYTES = 1 << 20;

const TABLE = "_roomkit_ydoc";
const META_SEQ = -1;
const SNAPSHOT_SEQ = 0;
/** Parts per row sequence number in a row id (65536 parts of 1 MiB: far more than a room's memory). */
const PARTS = 65536;
const V1_LOG = "_roomkit_yjs_log";
const V1_SNAPSHOT = "_roomkit_yjs_snapshot";
const V1_META = "_roomkit_yjs_meta";

/** Stored bytes and their Yjs update encoding. */
export type StoredUpdate = { bytes: Uint8Array; v2: boolean };

/** The stored snapshot: a Yjs update, or (`deflated`) a V1 update compressed with raw DEFLATE, to be inflated before use. */
export type StoredSnapshot = StoredUpdate & { deflated: boolean };

/** The row encodings of the `v2` column. */
const V1 = 0;
const V2 = 1;
const V1_DEFLATED = 2;

/** What a room finds in storage when it starts. */
export type StoredDocument = {
  /** Whether a document was ever created in this room (even if empty). */
  exists: boolean;
  /** The compacted document, or `null`. */
  snapshot: StoredSnapshot | null;
  /** The snapshot's state vector (`Y.encodeStateVector` of the document it encodes), when it was stored with it. */
  snapshotVector: Uint8Array | undefined;
  /** Updates since the snapshot, oldest first. */
  updates: StoredUpdate[];
  /** The latest version (one per persisted update, never reused). */
  version: number;
  epoch: string;
  saveDirty: boolean;
  /** An upper bound of the document's V1 encoded size when everything stored is uncompressed V1 (snapshot plus updates); otherwise unknown. */
  v1Bytes: number | undefined;
};

type Meta = { format: 2; epoch: string; snapshotVersion: number; vector?: string; saveDirty?: boolean };

/**
 * A Yjs document in the room's SQLite storage: a chunked snapshot, a log of updates since, and the version and epoch behind its ETag.
 *
 * @example
 * ```ts
 * const store = new DocStore(room.storage);
 * const { exists, snapshot, updates } = store.load();
 * if (!exists) store.create(null);
 * store.append(update, false);                  // one log row, V1
 * const version = store.version;
 * const snapshot = await deflateRaw(Y.encodeStateAsUpdate(doc));
 * store.compact(snapshot, Y.encodeStateVector(doc), version); // the log up to `version` folded into the snapshot
 * ```
 */
export class DocStore {
  readonly #sql: SqlStorage;
  /** 1: the three tables of V1 updates; 2: one table, V2 snapshot. */
  #format: 1 | 2;
  #tableExists: boolean;
  #meta: Meta = { format: 2, epoch: "", snapshotVersion: 0 };
  #version = 0;
  /** Stored size of each log row since the snapshot, oldest first (their versions follow the snapshot's). */
  #logSizes: number[] = [];
  #logBytes = 0;
  #snapshotBytes = 0;

  constructor(private readonly storage: DurableObjectStorage) {
    let sql: SqlStorage | undefined;
    try {
      sql = storage.sql;
    } catch {
      sql = undefined;
    }
    if (!sql) {
      throw new RoomkitError("YRoom needs a SQLite-backed Durable Object: declare its class under `new_sqlite_classes` in a wrangler.toml migration.");
    }
    this.#sql = sql;
    // The statement the scheduler asks with too (one prepared statement per object, not two).
    this.#format = tableExists(sql, V1_META) ? 1 : 2;
    this.#tableExists = tableExists(sql, TABLE);
  }

  /** The storage format: 1 (V1 updates, from earlier releases, until the next compaction) or 2. */
  get format(): 1 | 2 {
    return this.#format;
  }
  /** The latest persisted version. */
  get version(): number {
    return this.#version;
  }
  /** Identifies this incarnation of the document (changes if storage is wiped). */
  get epoch(): string {
    return this.#meta.epoch;
  }
  /** Bytes in the update log, as stored. */
  get logBytes(): number {
    return this.#logBytes;
  }
  /** Rows (updates) in the update log. */
  get logRows(): number {
    return this.#logSizes.length;
  }
  /** Bytes of the last snapshot, as stored. */
  get snapshotBytes(): number {
    return this.#snapshotBytes;
  }

  /** Reads the whole document back. */
  load(): StoredDocument {
    const rows = this.#format === 1 ? this.#loadFormat1() : this.#loadFormat2();
    const { snapshot, updates, lastSeq } = rows;
    this.#version = Math.max(this.#meta.snapshotVersion, lastSeq);
    this.#logSizes = updates.map((u) => u.bytes.byteLength);
    this.#logBytes = 0;
    for (const n of this.#logSizes) this.#logBytes += n;
    this.#snapshotBytes = snapshot?.bytes.byteLength ?? 0;
    const allV1 = !snapshot?.v2 && !snapshot?.deflated && updates.every((u) => !u.v2);
    return {
      exists: this.#meta.epoch !== "",
      snapshot,
      snapshotVector: snapshot && this.#meta.vector !== undefined ? fromBase64(this.#meta.vector) : undefined,
      updates,
      version: this.#version,
      epoch: this.#meta.epoch,
      saveDirty: this.#meta.saveDirty === true,
      v1Bytes: allV1 ? this.#snapshotBytes + this.#logBytes : undefined,
    };
  }

  /** Marks the document as created (choosing its epoch), optionally with initial content (V2, and its state vector) as the snapshot (its next compaction deflates it). */
  create(initial: { stateV2: Uint8Array; vector: Uint8Array } | null): void {
    const epoch = crypto.randomUUID().slice(0, 8);
    this.storage.transactionSync(() => {
      // Format-1 tables without a document (a start that never finished creating one) are dropped.
      if (this.#format === 1) this.#dropFormat1();
      this.#createTable();
      this.#meta = { format: 2, epoch, snapshotVersion: 0 };
      if (initial) this.#writeSnapshot(initial.stateV2, V2, initial.vector, 0);
      this.#writeMeta(true);
    });
  }

  /**
   * Appends one update to the log and returns its version. `v2` gives its
   * encoding; a format-1 document takes only V1 (see {@link format}).
   */
  append(update: Uint8Array, v2: boolean): number {
    if (v2 && this.#format === 1) throw new RoomkitError("A format-1 Yjs document stores V1 updates until its next compaction.");
    const seq = this.#version + 1;
    const insert =
      this.#format === 1
        ? (part: number, data: Uint8Array) => this.#sql.exec(`INSERT INTO ${V1_LOG} (seq, part, data) VALUES (?, ?, ?)`, seq, part, blob(data))
        : (part: number, data: Uint8Array) => this.#insert(seq * PARTS + part, v2 ? V2 : V1, blob(data));
    if (update.byteLength <= CHUNK_BYTES) insert(0, update);
    else {
      this.storage.transactionSync(() => {
        for (let i = 0, part = 0; i < update.byteLength; i += CHUNK_BYTES, part++) insert(part, update.subarray(i, i + CHUNK_BYTES));
      });
    }
    this.#version = seq;
    this.#logBytes += update.byteLength;
    this.#logSizes.push(update.byteLength);
    return seq;
  }

  /**
   * Replaces the snapshot, and the log up to `version`, with `snapshot`: the
   * whole document as it was at `version` (`Y.encodeStateAsUpdate`, deflated
   * by `deflateRaw`), and its state `vector` (`Y.encodeStateVector`). Updates
   * appended after `version` (while it was being compressed) stay in the log.
   * A format-1 document moves to format 2 in the same transaction, and only
   * when nothing was appended meanwhile: returns `false` (nothing written)
   * otherwise, or when `version` is not newer than the snapshot.
   */
  compact(snapshot: Uint8Array, vector: Uint8Array, version: number): boolean {
    // Log rows the new snapshot includes (a format-1 log is folded whole or not at all).
    const covered = this.#format === 1 ? (version === this.#version ? this.#logSizes.length : 0) : version - this.#meta.snapshotVersion;
    if (covered <= 0 || covered > this.#logSizes.length) return false;
    this.storage.transactionSync(() => {
      if (this.#format === 1) {
        this.#dropFormat1();
        this.#createTable();
      } else {
        this.#sql.exec(`DELETE FROM ${TABLE} WHERE id >= ${SNAPSHOT_SEQ * PARTS} AND id < ?`, (version + 1) * PARTS);
      }
      this.#writeSnapshot(snapshot, V1_DEFLATED, vector, version);
      this.#writeMeta();
    });
    for (const n of this.#logSizes.splice(0, covered)) this.#logBytes -= n;
    return true;
  }

  /** Records whether an external save is pending (survives restarts). */
  setSaveDirty(dirty: boolean): void {
    if (this.#format === 1) {
      if (dirty) this.#sql.exec(`INSERT INTO ${V1_META} (key, value) VALUES ('saveDirty', '1') ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
      else this.#sql.exec(`DELETE FROM ${V1_META} WHERE key = 'saveDirty'`);
      this.#meta.saveDirty = dirty;
      return;
    }
    if ((this.#meta.saveDirty === true) === dirty) return;
    this.#meta.saveDirty = dirty;
    this.#writeMeta();
  }

  #loadFormat2(): { snapshot: StoredSnapshot | null; updates: StoredUpdate[]; lastSeq: number } {
    this.#meta = { format: 2, epoch: "", snapshotVersion: 0 };
    const updates: StoredUpdate[] = [];
    let snapshot: StoredSnapshot | null = null;
    if (!this.#tableExists) return { snapshot, updates, lastSeq: -1 };
    let seq = Number.NaN;
    let encoding = V1;
    let parts: Uint8Array[] = [];
    const flush = () => {
      if (parts.length === 0) return;
      const bytes = concatBytes(parts);
      if (seq === SNAPSHOT_SEQ) snapshot = { bytes, v2: encoding === V2, deflated: encoding === V1_DEFLATED };
      else updates.push({ bytes, v2: encoding === V2 });
      parts = [];
    };
    for (const row of this.#sql.exec<{ id: number; v2: number; data: ArrayBuffer | string }>(`SELECT id, v2, data FROM ${TABLE} ORDER BY id`)) {
      const rowSeq = Math.floor(row.id / PARTS);
      if (rowSeq === META_SEQ) {
        this.#meta = JSON.parse(row.data as string) as Meta;
        continue;
      }
      if (rowSeq !== seq) flush();
      seq = rowSeq;
      encoding = row.v2;
      parts.push(new Uint8Array(row.data as ArrayBuffer));
    }
    flush();
    return { snapshot, updates, lastSeq: updates.length > 0 ? seq : -1 };
  }

  #loadFormat1(): { snapshot: StoredSnapshot | null; updates: StoredUpdate[]; lastSeq: number } {
    const meta = new Map<string, string>();
    for (const row of this.#sql.exec<{ key: string; value: string }>(`SELECT key, value FROM ${V1_META}`)) meta.set(row.key, row.value);
    this.#meta = {
      format: 2,
      epoch: meta.get("epoch") ?? "",
      snapshotVersion: Number(meta.get("snapshotVersion") ?? 0),
      saveDirty: meta.get("saveDirty") === "1",
    };
    const snapshotParts: Uint8Array[] = [];
    for (const row of this.#sql.exec<{ data: ArrayBuffer }>(`SELECT data FROM ${V1_SNAPSHOT} ORDER BY part`)) snapshotParts.push(new Uint8Array(row.data));
    const snapshot = snapshotParts.length === 0 ? null : { bytes: concatBytes(snapshotParts), v2: false, deflated: false };
    const updates: StoredUpdate[] = [];
    let lastSeq = -1;
    let parts: Uint8Array[] = [];
    const flush = () => {
      if (parts.length > 0) updates.push({ bytes: concatBytes(parts), v2: false });
      parts = [];
    };
    for (const row of this.#sql.exec<{ seq: number; data: ArrayBuffer }>(`SELECT seq, data FROM ${V1_LOG} ORDER BY seq, part`)) {
      if (row.seq !== lastSeq) flush();
      lastSeq = row.seq;
      parts.push(new Uint8Array(row.data));
    }
    flush();
    return { snapshot, updates, lastSeq };
  }

  #createTable(): void {
    if (this.#tableExists) return;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER PRIMARY KEY, v2 INTEGER NOT NULL, data BLOB NOT NULL)`);
    this.#tableExists = true;
  }

  #dropFormat1(): void {
    for (const table of [V1_LOG, V1_SNAPSHOT, V1_META]) this.#sql.exec(`DROP TABLE IF EXISTS ${table}`);
    this.#format = 2;
  }

  /** Writes the snapshot in `encoding` (a `v2` column value); the caller writes the meta (with its vector) in the same transaction. */
  #writeSnapshot(bytes: Uint8Array, encoding: number, vector: Uint8Array, version: number): void {
    for (let i = 0, part = 0; i < bytes.byteLength || part === 0; i += CHUNK_BYTES, part++) {
      this.#insert(SNAPSHOT_SEQ * PARTS + part, encoding, blob(bytes.subarray(i, i + CHUNK_BYTES)));
    }
    this.#meta.snapshotVersion = version;
    this.#meta.vector = toBase64(vector);
    this.#snapshotBytes = bytes.byteLength;
  }

  /** Writes the metadata row; `created`: the document has none yet (a plain insert, the statement rows are written with). */
  #writeMeta(created = false): void {
    const { saveDirty, ...rest } = this.#meta;
    const json = JSON.stringify(saveDirty ? { ...rest, saveDirty } : rest);
    if (created) this.#insert(META_SEQ * PARTS, V1, json);
    else this.#sql.exec(`INSERT OR REPLACE INTO ${TABLE} (id, v2, data) VALUES (?, 0, ?)`, META_SEQ * PARTS, json);
  }

  /**
   * Inserts one row (a row that exists already is an error, never overwritten). Every row
   * goes through this one statement text: workerd keeps each distinct statement an object
   * ran prepared while the object is in memory.
   */
  #insert(id: number, encoding: number, data: ArrayBuffer | string): void {
    this.#sql.exec(`INSERT INTO ${TABLE} (id, v2, data) VALUES (?, ?, ?)`, id, encoding, data);
  }
}

/** SQL binds ArrayBuffers as BLOBs: pass exactly the bytes of the view. */
function blob(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}
