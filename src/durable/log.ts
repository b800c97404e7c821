/**
 * A room's history: durable messages in the room's SQLite, stored with the
 * stream engine's row store (`roomkit/streams`' `_stream_data` table, one
 * row per message, positions counting messages), plus what a room needs on
 * top: who each message was for (tag / `without`), the log's epoch, the
 * trimmed-below position (`floor`) and time marks for `maxAge`.
 *
 * Every method is synchronous: a broadcast's write and its sends happen in
 * one turn, so the output gate holds the frames until the write is durable
 * and no client ever holds an offset a crash could take back.
 * @module
 */
import { StreamStore, type Row } from "../streams/store.js";
import { randomId } from "../random-id.js";
import { countFloor, MARK_INTERVAL_MS, type Retention } from "./retention.js";

/** Who a durable message is for; absent fields mean everyone. */
export type Audience = { tag?: string; without?: readonly string[] };

/** A stored message with its position and audience. */
export type Entry = { position: number; data: string | Uint8Array; audience: Audience | undefined };

/** Most bytes read from SQLite per step of a catch-up. */
const READ_CHUNK_BYTES = 1 << 20;

type SqlRow = Record<string, SqlStorageValue>;

/**
 * One room's durable messages in its SQLite (see the module comment).
 *
 * @example
 * ```ts
 * const log = new HistoryLog(ctx.storage.sql, resolveRetention({ maxMessages: 500 })!);
 * const position = log.append("hello", { tag: "red" }, Date.now());
 * for (const entry of log.read(position)) console.log(entry.position, entry.data, entry.audience);
 * ```
 */
export class HistoryLog {
  #sql: SqlStorage;
  #store!: StreamStore;
  #epoch!: string;
  #floor!: number;
  #tail!: number;
  #lastMark!: number;
  #open = false;

  constructor(
    sql: SqlStorage,
    private readonly retention: Retention,
  ) {
    this.#sql = sql;
  }

  /** The log's epoch: a random id minted when the log is created. */
  get epoch(): string {
    this.#ensureOpen();
    return this.#epoch;
  }
  /** Position after the newest message. */
  get tail(): number {
    this.#ensureOpen();
    return this.#tail;
  }
  /** Lowest position still stored: offsets below it are beyond the retention. */
  get floor(): number {
    this.#ensureOpen();
    return this.#floor;
  }

  /** Forget the open state (after `storage.deleteAll()` dropped every table): the next use starts a new epoch. */
  reopen(): void {
    this.#open = false;
  }

  /** Stores one message; returns its position. */
  append(data: string | Uint8Array, audience: Audience | undefined, now: number): number {
    this.#ensureOpen();
    const position = this.#tail;
    const row: Row = { start: position, end: position + 1, batchEnd: position + 1, data };
    this.#store.insert([row]);
    if (audience) {
      this.#sql.exec(
        `INSERT OR REPLACE INTO _roomkit_history_audience (pos, tag, without) VALUES (?, ?, ?)`,
        position,
        audience.tag ?? null,
        audience.without ? JSON.stringify(audience.without) : null,
      );
    }
    if (now - this.#lastMark >= MARK_INTERVAL_MS) {
      this.#sql.exec(`INSERT OR REPLACE INTO _roomkit_history_marks (pos, at) VALUES (?, ?)`, position, now);
      this.#lastMark = now;
    }
    this.#tail = position + 1;
    const floor = countFloor(this.retention, this.#floor, this.#tail);
    if (floor !== null) this.#trim(floor);
    return position;
  }

  /** Drops what is older than `maxAge` (called before a catch-up; appends trim by count). */
  expire(now: number): void {
    this.#ensureOpen();
    if (this.retention.maxAge === Infinity) return;
    const cutoff = now - this.retention.maxAge;
    // Every message before a mark is at least as old as the mark.
    const mark = this.#sql.exec<SqlRow>(`SELECT pos, at FROM _roomkit_history_marks WHERE at <= ? ORDER BY pos DESC LIMIT 1`, cutoff).toArray()[0];
    // Messages after the newest mark were appended within MARK_INTERVAL_MS of it.
    const newest = this.#sql.exec<SqlRow>(`SELECT at FROM _roomkit_history_marks ORDER BY pos DESC LIMIT 1`).toArray()[0];
    if (newest && (newest.at as number) + MARK_INTERVAL_MS <= cutoff) this.#trim(this.#tail);
    else if (mark && (mark.pos as number) > this.#floor) this.#trim(mark.pos as number);
  }

  /** Every message in [from, tail), in order. */
  *read(from: number): Iterable<Entry> {
    this.#ensureOpen();
    const to = this.#tail;
    const audiences = new Map<number, Audience>();
    for (const r of this.#sql.exec<SqlRow>(`SELECT pos, tag, without FROM _roomkit_history_audience WHERE pos >= ? AND pos < ?`, from, to)) {
      audiences.set(r.pos as number, {
        tag: (r.tag as string | null) ?? undefined,
        without: r.without === null ? undefined : (JSON.parse(r.without as string) as string[]),
      });
    }
    for (let at = Math.max(from, this.#floor); at < to; ) {
      const rows = this.#store.read(at, to, READ_CHUNK_BYTES);
      if (rows.length === 0) break;
      for (const row of rows) yield { position: row.start, data: row.data, audience: audiences.get(row.start) };
      at = rows[rows.length - 1]!.end;
    }
  }

  #trim(floor: number): void {
    this.#sql.exec(`DELETE FROM _stream_data WHERE start < ?`, floor);
    this.#sql.exec(`DELETE FROM _roomkit_history_audience WHERE pos < ?`, floor);
    // The newest mark at or below the floor still dates the messages after it.
    this.#sql.exec(`DELETE FROM _roomkit_history_marks WHERE pos < (SELECT COALESCE(MAX(pos), 0) FROM _roomkit_history_marks WHERE pos <= ?)`, floor);
    this.#sql.exec(`UPDATE _roomkit_history SET floor = ? WHERE k = 1`, floor);
    this.#floor = floor;
  }

  #ensureOpen(): void {
    if (this.#open) return;
    const sql = this.#sql;
    this.#store = new StreamStore(sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS _roomkit_history (k INTEGER PRIMARY KEY CHECK (k = 1), epoch TEXT NOT NULL, floor INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS _roomkit_history_audience (pos INTEGER PRIMARY KEY, tag TEXT, without TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS _roomkit_history_marks (pos INTEGER PRIMARY KEY, at INTEGER NOT NULL)`);
    let meta = sql.exec<SqlRow>(`SELECT epoch, floor FROM _roomkit_history WHERE k = 1`).toArray()[0];
    if (!meta) {
      meta = { epoch: newEpoch(), floor: 0 };
      sql.exec(`INSERT INTO _roomkit_history (k, epoch, floor) VALUES (1, ?, ?)`, meta.epoch, meta.floor);
    }
    this.#epoch = meta.epoch as string;
    this.#floor = meta.floor as number;
    const end = sql.exec<SqlRow>(`SELECT MAX("end") AS e FROM _stream_data`).toArray()[0]?.e as number | null;
    this.#tail = Math.max(end ?? 0, this.#floor);
    const mark = sql.exec<SqlRow>(`SELECT MAX(at) AS at FROM _roomkit_history_marks`).toArray()[0]?.at as number | null;
    this.#lastMark = mark ?? -Infinity;
    this.#open = true;
  }
}

/** Eight random base-36 characters. */
function newEpoch(): string {
  return randomId(8);
}
