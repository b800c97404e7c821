/**
 * One stream's durable state in its Durable Object's SQLite: the metadata
 * row, the data rows and the idempotent producers. Every method is
 * synchronous, so a caller's sequence of writes without an `await` between
 * them commits as one transaction (the platform coalesces them), and a
 * response sent after them is held until they are durable.
 * @module
 */

/** A stream's configuration and state. Positions count bytes (JSON streams: messages). */
export type StreamMeta = {
  /** Random per creation: ETags of a re-created stream never match the old one's. */
  incarnation: string;
  contentType: string;
  /** Sliding TTL in seconds, or null. */
  ttl: number | null;
  /** Absolute expiry (epoch ms), or null. */
  expiresAt: number | null;
  closed: boolean;
  /** `producerId|epoch|seq` of the append that closed the stream, for idempotent retries. */
  closedBy: string | null;
  tail: number;
  /** Stream name of the fork source, or null. */
  forkSource: string | null;
  /** Positions below this are read from the source. */
  forkPoint: number;
  /** The fork request as made (offset position and sub-offset), for idempotent re-creation. */
  forkOffset: number | null;
  forkSub: number;
  /** Forks that read through to this stream. */
  refs: number;
  softDeleted: boolean;
  /** Last `Stream-Seq` accepted. */
  lastSeq: string | null;
  lastAccess: number;
  /** The creation request's TTL, expiry and fork headers, canonical: a repeated PUT must match it. */
  config: string;
  /** The Durable Object binding of this stream's party, to reach sources and forks. */
  binding: string;
  /** The party name roomkit routes this stream's object under. */
  party: string;
};

/** A stored unit: one append's bytes or messages (or a part of one, when read clipped). `batchEnd` is where its append ends. */
export type Row = { start: number; end: number; batchEnd: number; data: Uint8Array | string };

type MetaRow = Record<string, SqlStorageValue>;

/**
 * SQLite rows of a stream. Construct once per object; tables are created on first use.
 *
 * @example
 * const store = new StreamStore(ctx.storage.sql);
 * const rows = store.read(0, store.meta!.tail, 1 << 20);
 */
export class StreamStore {
  #meta: StreamMeta | null | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS _stream_meta (k INTEGER PRIMARY KEY CHECK (k = 1), v TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS _stream_data (start INTEGER PRIMARY KEY, "end" INTEGER NOT NULL, batch_end INTEGER NOT NULL, bytes BLOB, text TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS _stream_producers (id TEXT PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL)`);
  }

  /** The stream's metadata, or null when no stream exists here. Cached in memory. */
  get meta(): StreamMeta | null {
    if (this.#meta === undefined) {
      const row = this.sql.exec<MetaRow>(`SELECT v FROM _stream_meta WHERE k = 1`).toArray()[0];
      const meta = row ? (JSON.parse(row.v as string) as StreamMeta) : null;
      // The stored tail lags behind appends that only moved it (see advance()); the last row has the real one.
      const last = meta && this.sql.exec<MetaRow>(`SELECT "end" FROM _stream_data ORDER BY start DESC LIMIT 1`).toArray()[0];
      if (meta && last) meta.tail = Math.max(meta.tail, last.end as number);
      this.#meta = meta;
    }
    return this.#meta;
  }

  /** Writes the metadata (whole: it is one small row). */
  saveMeta(meta: StreamMeta): void {
    this.sql.exec(`INSERT OR REPLACE INTO _stream_meta (k, v) VALUES (1, ?)`, JSON.stringify(meta));
    this.#meta = meta;
  }

  /**
   * Takes metadata that differs from the stored one in its tail alone, after
   * inserting the rows that end there: the rows are the durable record of the
   * tail (the getter reads it back), so an ordinary append writes one row, not two.
   */
  advance(meta: StreamMeta): void {
    this.#meta = meta;
  }

  /** Appends rows and moves the tail; the caller saves the metadata in the same turn. */
  insert(rows: Row[]): void {
    for (const r of rows) {
      if (typeof r.data === "string") {
        this.sql.exec(`INSERT INTO _stream_data (start, "end", batch_end, text) VALUES (?, ?, ?, ?)`, r.start, r.end, r.batchEnd, r.data);
      } else {
        this.sql.exec(`INSERT INTO _stream_data (start, "end", batch_end, bytes) VALUES (?, ?, ?, ?)`, r.start, r.end, r.batchEnd, r.data);
      }
    }
  }

  /**
   * Rows overlapping [from, to), at most about `maxBytes` (always at least one row),
   * the first and last clipped to the range.
   */
  read(from: number, to: number, maxBytes: number): Row[] {
    const out: Row[] = [];
    let bytes = 0;
    const cursor = this.sql.exec<MetaRow>(
      `SELECT start, "end", batch_end, bytes, text FROM _stream_data WHERE "end" > ? AND start < ? ORDER BY start`,
      from,
      to,
    );
    for (const r of cursor) {
      const row = clip(
        {
          start: r.start as number,
          end: r.end as number,
          batchEnd: r.batch_end as number,
          data: r.text !== null ? (r.text as string) : new Uint8Array(r.bytes as ArrayBuffer),
        },
        from,
        to,
      );
      const size = typeof row.data === "string" ? row.data.length : row.data.byteLength;
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(row);
      bytes += size;
    }
    return out;
  }

  /** The producer's state, or undefined for a producer never seen on this stream. */
  producer(id: string): { epoch: number; seq: number } | undefined {
    const r = this.sql.exec<MetaRow>(`SELECT epoch, seq FROM _stream_producers WHERE id = ?`, id).toArray()[0];
    return r ? { epoch: r.epoch as number, seq: r.seq as number } : undefined;
  }

  setProducer(id: string, epoch: number, seq: number): void {
    this.sql.exec(`INSERT OR REPLACE INTO _stream_producers (id, epoch, seq) VALUES (?, ?, ?)`, id, epoch, seq);
  }

  /** Removes the stream: data, producers and metadata. */
  purge(): void {
    this.sql.exec(`DELETE FROM _stream_data`);
    this.sql.exec(`DELETE FROM _stream_producers`);
    this.sql.exec(`DELETE FROM _stream_meta`);
    this.#meta = null;
  }
}

/**
 * Cuts a row to [from, to): bytes of a binary row, messages of a JSON row.
 *
 * @example
 * clip({ start: 0, end: 3, batchEnd: 3, data: '1\n2\n3' }, 1, 2).data // "2"
 */
export function clip(row: Row, from: number, to: number): Row {
  if (row.start >= from && row.end <= to) return row;
  const start = Math.max(row.start, from);
  const end = Math.min(row.end, to);
  const data =
    typeof row.data === "string"
      ? row.data
          .split(MESSAGE_SEPARATOR)
          .slice(start - row.start, end - row.start)
          .join(MESSAGE_SEPARATOR)
      : row.data.subarray(start - row.start, end - row.start);
  return { start, end, batchEnd: row.batchEnd, data };
}

/**
 * A JSON append is one row: its messages, compact JSON, joined by a newline
 * (compact JSON never contains a raw one). Positions count messages.
 */
export const MESSAGE_SEPARATOR = "\n";

/**
 * The messages of JSON rows, as JSON texts.
 *
 * @example
 * messageTexts([{ start: 0, end: 2, batchEnd: 2, data: '{"a":1}\n[2]' }]) // ['{"a":1}', "[2]"]
 */
export function messageTexts(rows: Row[]): string[] {
  return rows.flatMap((r) => (r.data as string).split(MESSAGE_SEPARATOR));
}
