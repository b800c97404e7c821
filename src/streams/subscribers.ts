/**
 * Subscriber sockets: the Worker's long-poll and SSE readers hold one each to
 * the stream's object, which sends them what they missed, then every append as
 * it is stored, then `gone` when the stream is deleted or expires.
 * @module
 */
import type { Connection, Room } from "../types.js";
import { toBase64 } from "../base64.js";
import { concatBytes } from "./body.js";
import type { StreamObject } from "./engine.js";
import { isJsonType } from "./protocol.js";
import { MESSAGE_SEPARATOR, type Row, type StreamMeta } from "./store.js";
import type { SubscriberMessage } from "./wire.js";

/** Tags subscriber sockets so appends reach them (and only them). */
export const SUBSCRIBER_TAG = "stream-sub";

/**
 * A subscriber socket joined at `from`: it gets what it is missing, then every
 * append as it is stored. Runs without an `await`, so no append can slip
 * between catch-up and live.
 *
 * @example
 * subscribe(stream, conn, Number(url.searchParams.get("subscribe")));
 */
export function subscribe(stream: StreamObject, conn: Connection, from: number): void {
  const meta = stream.current();
  if (!meta || meta.softDeleted || from > meta.tail || from < meta.forkPoint) {
    send(conn, { t: "gone" });
    conn.close(1000, "gone");
    return;
  }
  const rows = stream.store.read(from, meta.tail, Infinity);
  if (rows.length) send(conn, { t: "data", next: meta.tail, data: wireData(meta, rows), closed: meta.closed });
  send(conn, { t: "ready", next: meta.tail, closed: meta.closed });
}

/**
 * Sends a stored append (or, with no rows, the new state of a close-only
 * append) to every subscriber socket.
 *
 * @example
 * store.insert(rows); store.saveMeta(next);
 * publishToSubscribers(room, next, rows);
 */
export function publishToSubscribers(room: Room, meta: StreamMeta, rows: Row[]): void {
  // Most appends have no reader waiting: the message is only built for one.
  const subscribers = [...room.getConnections(SUBSCRIBER_TAG)];
  if (subscribers.length === 0) return;
  const msg: SubscriberMessage = rows.length
    ? { t: "data", next: meta.tail, data: wireData(meta, rows), closed: meta.closed }
    : { t: "ready", next: meta.tail, closed: meta.closed };
  notify(subscribers, msg, false);
}

/**
 * Tells every subscriber socket the stream is gone, and closes it.
 *
 * @example
 * goneToSubscribers(room); // the stream was deleted or expired
 */
export function goneToSubscribers(room: Room): void {
  notify(room.getConnections(SUBSCRIBER_TAG), { t: "gone" }, true);
}

function notify(subscribers: Iterable<Connection>, msg: SubscriberMessage, close: boolean): void {
  const text = JSON.stringify(msg);
  for (const conn of subscribers) {
    try {
      conn.send(text);
      if (close) conn.close(1000, "gone");
    } catch {
      // A subscriber that went away: nothing to deliver.
    }
  }
}

/** A subscriber message's payload: JSON messages comma-joined, other streams' bytes in base64. */
function wireData(meta: StreamMeta, rows: Row[]): string {
  if (isJsonType(meta.contentType)) return rows.map((r) => (r.data as string).replaceAll(MESSAGE_SEPARATOR, ",")).join(",");
  return toBase64(concatBytes(rows.map((r) => r.data as Uint8Array)));
}

function send(conn: Connection, msg: SubscriberMessage): void {
  conn.send(JSON.stringify(msg));
}
