/**
 * Durable storage of one Yjs document in the room's SQLite database.
 *
 * - `_roomkit_yjs_log`: every document update since the last snapshot, one row
 *   per update (split into parts when larger than a chunk), in arrival order.
 * - `_roomkit_yjs_snapshot`: the compacted document (`Y.encodeStateAsUpdate`),
 *   split into chunks, so documents far larger than one storage value work.
 * - `_roomkit_yjs_meta`: the document's epoch (a random id chosen when the
 *   document is first created, part of its ETag), the version the snapshot
 *   covers, and whether an external save is pending.
 *
 * Writes are synchronous SQL statements: they join the Durable Object's
 * implicit transaction, and the platform's output gate holds back every
 * message the room sends (broadcasts, HTTP responses) until that transaction
 * is durable. Compaction replaces snapshot and log in one explicit transaction.
 * @module
 */
import { RoomkitError } from "../errors.js";
import { concatBytes } from "../bytes.js";

/** Largest part of one row: well below the platform's 2 MB row limit. */
export const CHUNK_BYTES = 1 << 20;

const LOG = "_roomkit_yjs_log";
const SNAPSHOT = "_roomkit_yjs_snapshot";
const META = "_roomkit_yjs_meta";

/** What a room finds in storage when it starts. */
export type StoredDocument = {
  /** Whether a document was ever created in this room (even if empty). */
  exists: boolean;
  /** The compacted document, or `null`. */
  snapshot: Uint8Array | null;
  /** Updates since the snapshot, oldest first. */
  updates: Uint8Array[];
  /** The latest version (one per persisted update, never reused). */
  version: number;
  epoch: string;
  /** Bytes of `updates` in total. */
  logBytes: number;
  saveDirty: boolean;
};

/**
 * A Yjs document in the room's SQLite storage: a chunked snapshot, a log of updates since, and the version and epoch behind its ETag.
 *
 * @example
 * ```ts
 * const store = new DocStore(room.storage);
 * const { exists, snapshot, updates } = store.load();
 * if (!exists) store.create(null);
 * store.append(update);                     // one log row
 * store.compact(Y.encodeStateAsUpdate(doc)); // the log folded into the snapshot
 * ```
 */
export class DocStore {
  readonly #sql: SqlStorage;
  #version = 0;
  #epoch = "";
  #logBytes = 0;
  #logRows = 0;
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
    sql.exec(`CREATE TABLE IF NOT EXISTS ${LOG} (seq INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (seq, part))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ${SNAPSHOT} (part INTEGER PRIMARY KEY, data BLOB NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ${META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }

  /** The latest persisted version. */
  get version(): number {
    return this.#version;
  }
  /** Identifies this incarnation of the document (changes if storage is wiped). */
  get epoch(): string {
    return this.#epoch;
  }
  /** Bytes in the update log. */
  get logBytes(): number {
    return this.#logBytes;
  }
  /** Rows (updates) in the update log. */
  get logRows(): number {
    return this.#logRows;
  }
  /** Bytes of the last snapshot. */
  get snapshotBytes(): number {
    return this.#snapshotBytes;
  }

  /** Reads the whole document back. */
  load(): StoredDocument {
    const meta = new Map<string, string>();
    for (const row of this.#sql.exec<{ key: string; value: string }>(`SELECT key, value FROM ${META}`)) meta.set(row.key, row.value);

    const snapshotParts: Uint8Array[] = [];
    for (const row of this.#sql.exec<{ data: ArrayBuffer }>(`SELECT data FROM ${SNAPSHOT} ORDER BY part`)) {
      snapshotParts.push(new Uint8Array(row.data));
    }
    const snapshot = snapshotParts.length === 0 ? null : concatBytes(snapshotParts);

    const updates: Uint8Array[] = [];
    let logBytes = 0;
    let lastSeq = -1;
    let parts: Uint8Array[] = [];
    const flush = () => {
      if (parts.length === 0) return;
      const u = parts.length === 1 ? parts[0] : concatBytes(parts);
      updates.push(u);
      logBytes += u.byteLength;
      parts = [];
    };
    for (const row of this.#sql.exec<{ seq: number; data: ArrayBuffer }>(`SELECT seq, data FROM ${LOG} ORDER BY seq, part`)) {
      if (row.seq !== lastSeq) flush();
      lastSeq = row.seq;
      parts.push(new Uint8Array(row.data));
    }
    flush();

    const snapshotVersion = Number(meta.get("snapshotVersion") ?? 0);
    this.#version = Math.max(snapshotVersion, lastSeq);
    this.#epoch = meta.get("epoch") ?? "";
    this.#logBytes = logBytes;
    this.#logRows = updates.length;
    this.#snapshotBytes = snapshot?.byteLength ?? 0;
    return {
      exists: this.#epoch !== "",
      snapshot,
      updates,
      version: this.#version,
      epoch: this.#epoch,
      logBytes,
      saveDirty: meta.get("saveDirty") === "1",
    };
  }

  /** Marks the document as created (choosing its epoch), optionally with initial content as the snapshot. */
  create(initial: Uint8Array | null): void {
    const epoch = crypto.randomUUID().slice(0, 8);
    this.storage.transactionSync(() => {
      if (initial) this.#writeSnapshot(initial, 0);
      this.#setMeta("epoch", epoch);
    });
    this.#epoch = epoch;
  }

  /** Appends one update to the log and returns its version. */
  append(update: Uint8Array): number {
    const seq = this.#version + 1;
    if (update.byteLength <= CHUNK_BYTES) {
      this.#sql.exec(`INSERT INTO ${LOG} (seq, part, data) VALUES (?, 0, ?)`, seq, blob(update));
    } else {
      this.storage.transactionSync(() => {
        for (let i = 0, part = 0; i < update.byteLength; i += CHUNK_BYTES, part++) {
          this.#sql.exec(`INSERT INTO ${LOG} (seq, part, data) VALUES (?, ?, ?)`, seq, part, blob(update.subarray(i, i + CHUNK_BYTES)));
        }
      });
    }
    this.#version = seq;
    this.#logBytes += update.byteLength;
    this.#logRows++;
    return seq;
  }

  /** Replaces snapshot and log with `state`, the full document at the current version. */
  compact(state: Uint8Array): void {
    const version = this.#version;
    this.storage.transactionSync(() => {
      this.#writeSnapshot(state, version);
      this.#sql.exec(`DELETE FROM ${LOG} WHERE seq <= ?`, version);
    });
    this.#logBytes = 0;
    this.#logRows = 0;
  }

  /** Records whether an external save is pending (survives restarts). */
  setSaveDirty(dirty: boolean): void {
    if (dirty) this.#setMeta("saveDirty", "1");
    else this.#sql.exec(`DELETE FROM ${META} WHERE key = 'saveDirty'`);
  }

  #writeSnapshot(state: Uint8Array, version: number): void {
    this.#sql.exec(`DELETE FROM ${SNAPSHOT}`);
    for (let i = 0, part = 0; i < state.byteLength || part === 0; i += CHUNK_BYTES, part++) {
      this.#sql.exec(`INSERT INTO ${SNAPSHOT} (part, data) VALUES (?, ?)`, part, blob(state.subarray(i, i + CHUNK_BYTES)));
    }
    this.#setMeta("snapshotVersion", String(version));
    this.#snapshotBytes = state.byteLength;
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec(`INSERT INTO ${META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
  }
}

/** SQL binds ArrayBuffers as BLOBs: pass exactly the bytes of the view. */
function blob(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}
