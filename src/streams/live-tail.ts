/**
 * The WebSocket live tail (a roomkit extension of the protocol): one socket,
 * e.g. a partysocket, reads a stream from an offset, receives every later
 * append with its offsets, and appends with idempotent-producer semantics.
 * The message format is in docs/streams.md.
 * @module
 */
import type { Connection } from "../types.js";
import { toBase64 } from "../base64.js";
import { concatBytes } from "./body.js";
import type { StreamEngine } from "./engine.js";
import { H, formatOffset, isJsonType, isTextType, parseOffset } from "./protocol.js";
import { messageTexts, type Row, type StreamMeta } from "./store.js";
import { INTERNAL_ORIGIN } from "./wire.js";

/** What a live-tail socket remembers (it survives hibernation). */
type TailState = { ready: boolean; headers: [string, string][] };

/** A client's append over the socket. */
type AppendMessage = {
  type: "append";
  /** Echoed in the `ack` / `error` answer. */
  id?: string | number;
  /** JSON streams: any JSON value (an array appends its elements); text streams: a string. */
  data?: unknown;
  /** Binary streams: the bytes in base64. */
  base64?: string;
  producer?: { id: string; epoch: number; seq: number };
  close?: boolean;
};

/** Headers of the upgrade request that appends over the socket carry on (credentials, for `authorize`). */
const CARRIED = ["authorization", "cookie"];

/**
 * The live-tail sockets of one stream (used by `StreamRoom`).
 *
 * @example
 * const tail = new LiveTail(engine);
 * await tail.open(conn, request); // then tail.message(conn, frame) for each frame
 */
export class LiveTail {
  static readonly tag = "stream-tail";

  constructor(private readonly engine: StreamEngine) {
    engine.onPublish = (meta, rows) => this.#publish(meta, rows);
    engine.onGone = () => {
      for (const conn of this.#sockets()) {
        sendJson(conn, { type: "error", status: 404, message: "The stream was deleted." });
        conn.close(4404, "Stream deleted");
      }
    };
  }

  /** A socket opened at `?offset=`: catch up, then go live. */
  async open(conn: Connection, request: Request): Promise<void> {
    const denied = await this.engine.authorizeSocket(request);
    if (denied) return refuse(conn, denied.status, (await denied.text()).slice(0, 200) || "Forbidden");
    let meta = this.engine.current();
    if (!meta || meta.softDeleted) return refuse(conn, 404, "Stream not found.");
    const raw = new URL(request.url).searchParams.get("offset") ?? "-1";
    const offset = parseOffset(raw);
    if (!offset) return refuse(conn, 400, "Malformed offset.");
    const headers = CARRIED.flatMap((k) => (request.headers.has(k) ? [[k, request.headers.get(k)!] as [string, string]] : []));
    conn.setState({ ready: false, headers } satisfies TailState);
    let pos = offset.kind === "start" ? 0 : offset.kind === "now" ? meta.tail : offset.position;
    if (pos > meta.tail) return refuse(conn, 400, "The offset is beyond the stream's tail.");
    // Inherited data (a fork's source) needs awaits; this stream's own rows are read
    // without one, together with becoming ready, so no append falls in between.
    while (pos < meta.forkPoint) {
      const rows = await this.engine.readRange(meta, pos, meta.forkPoint, this.engine.maxReadBytes);
      if (rows.length === 0) break;
      sendJson(conn, dataMessage(meta, rows, false));
      pos = rows[rows.length - 1]!.end;
      meta = this.engine.current();
      if (!meta) return refuse(conn, 404, "Stream not found.");
    }
    for (;;) {
      const rows = this.engine.readOwn(pos, meta.tail, this.engine.maxReadBytes);
      if (rows.length === 0) break;
      pos = rows[rows.length - 1]!.end;
      sendJson(conn, dataMessage(meta, rows, false));
    }
    conn.setState({ ready: true, headers } satisfies TailState);
    sendJson(conn, { type: "up-to-date", next: formatOffset(meta.tail), closed: meta.closed });
  }

  /** An append sent over the socket: the same checks and answers as an HTTP POST. */
  async message(conn: Connection, message: string | ArrayBuffer | ArrayBufferView): Promise<void> {
    let msg: AppendMessage;
    try {
      msg = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message as ArrayBuffer)) as AppendMessage;
    } catch {
      return sendJson(conn, { type: "error", status: 400, message: "Messages must be JSON." });
    }
    if (msg?.type !== "append")
      return sendJson(conn, { type: "error", id: msg?.id, status: 400, message: 'Unknown message type: send {"type":"append",...}.' });
    const meta = this.engine.current();
    if (!meta) return sendJson(conn, { type: "error", id: msg.id, status: 404, message: "Stream not found." });
    const headers = new Headers((conn.state as TailState | null)?.headers ?? []);
    let body: BodyInit | null = null;
    if (msg.base64 !== undefined) body = Uint8Array.from(atob(String(msg.base64)), (c) => c.charCodeAt(0));
    else if (msg.data !== undefined) body = isJsonType(meta.contentType) ? JSON.stringify(msg.data) : String(msg.data);
    if (body !== null) headers.set("content-type", meta.contentType);
    if (msg.close) headers.set(H.closed, "true");
    if (msg.producer) {
      headers.set(H.producerId, String(msg.producer.id));
      headers.set(H.producerEpoch, String(msg.producer.epoch));
      headers.set(H.producerSeq, String(msg.producer.seq));
    }
    const res = await this.engine.handle(new Request(`${INTERNAL_ORIGIN}/`, { method: "POST", headers, body }));
    const answer: Record<string, unknown> = { type: res.ok ? "ack" : "error", id: msg.id, status: res.status };
    const next = res.headers.get(H.nextOffset);
    if (next) answer.next = next;
    for (const h of [H.producerEpoch, H.producerSeq, H.producerExpectedSeq, H.producerReceivedSeq, H.closed]) {
      const v = res.headers.get(h);
      if (v !== null) answer[camel(h)] = v;
    }
    if (!res.ok) answer.message = await res.text();
    else await res.body?.cancel();
    sendJson(conn, answer);
  }

  #publish(meta: StreamMeta, rows: Row[]): void {
    // Built for the first ready socket only: most appends have none, and the frame parses every message.
    let text: string | undefined;
    for (const conn of this.#sockets()) {
      if (!(conn.state as TailState | null)?.ready) continue;
      text ??= JSON.stringify(rows.length ? dataMessage(meta, rows, meta.closed) : { type: "up-to-date", next: formatOffset(meta.tail), closed: meta.closed });
      try {
        conn.send(text);
      } catch {
        // Gone: nothing to deliver.
      }
    }
  }

  *#sockets(): Iterable<Connection> {
    yield* this.engine.room.getConnections(LiveTail.tag);
  }
}

/** One batch of rows as the socket sends it: offsets, then messages (JSON), text or base64. */
function dataMessage(meta: StreamMeta, rows: Row[], closed: boolean): Record<string, unknown> {
  const msg: Record<string, unknown> = { type: "data", offset: formatOffset(rows[0]!.start), next: formatOffset(rows[rows.length - 1]!.end) };
  if (isJsonType(meta.contentType)) msg.messages = messageTexts(rows).map((m) => JSON.parse(m));
  else {
    const bytes = concatBytes(rows.map((r) => r.data as Uint8Array));
    if (isTextType(meta.contentType)) msg.text = new TextDecoder().decode(bytes);
    else msg.base64 = toBase64(bytes);
  }
  if (closed) msg.closed = true;
  return msg;
}

function sendJson(conn: Connection, msg: unknown): void {
  conn.send(JSON.stringify(msg));
}

/** Tells the client why, then closes: 4000 + the HTTP status (4400, 4403, 4404). */
function refuse(conn: Connection, status: number, message: string): void {
  sendJson(conn, { type: "error", status, message });
  conn.close(4000 + (status % 1000), message.slice(0, 120));
}

/** `producer-expected-seq` → `producerExpectedSeq`. */
function camel(header: string): string {
  return header.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
