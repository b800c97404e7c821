/**
 * y-partykit's chunked messages: its provider splits a message over 1 MB into
 * a text marker `y-pk-batch#{"id","type":"start","size","count"}`, the binary
 * chunks, and an `end` marker. This reassembles them (bounded by the room's
 * size limit) so large initial syncs from YPartyKitProvider work.
 *
 * A batch in progress lives in memory: if the room is evicted in the middle of
 * one (which needs the platform to evict while frames are still arriving), the
 * remaining chunks are rejected as malformed and the client reconnects and
 * syncs again.
 * @module
 */
import type { Connection } from "../types.js";
import { ProtocolError, YCloseCode } from "./protocol.js";

/** Prefix of y-partykit's batch markers. */
export const BATCH_SENTINEL = "y-pk-batch#";

type Marker = { id: string; type: "start" | "end"; size: number; count: number };
type Batch = { marker: Marker; parts: Uint8Array[]; bytes: number };

export class ChunkedReceiver {
  readonly #batches = new WeakMap<Connection, Batch>();

  /** Whether a text frame is a batch marker. */
  static isMarker(text: string): boolean {
    return text.startsWith(BATCH_SENTINEL);
  }

  /** Handles a marker; returns the reassembled message at the `end` marker. */
  marker(conn: Connection, text: string, maxBytes: number): Uint8Array | undefined {
    const marker = parseMarker(text);
    const open = this.#batches.get(conn);
    if (marker.type === "start") {
      if (open) throw new ProtocolError(YCloseCode.InvalidPayload, "Chunked message started while another was in progress.");
      if (marker.size > maxBytes) {
        throw new ProtocolError(YCloseCode.MessageTooBig, `Chunked message of ${marker.size} bytes exceeds the room's limit of ${maxBytes} bytes.`);
      }
      this.#batches.set(conn, { marker, parts: [], bytes: 0 });
      return undefined;
    }
    this.#batches.delete(conn);
    if (!open) throw new ProtocolError(YCloseCode.InvalidPayload, "Chunked message ended without a start marker.");
    const m = open.marker;
    if (m.id !== marker.id || m.count !== marker.count || m.size !== marker.size || open.parts.length !== m.count || open.bytes !== m.size) {
      throw new ProtocolError(YCloseCode.InvalidPayload, "Chunked message is incomplete or its markers disagree.");
    }
    const out = new Uint8Array(open.bytes);
    let offset = 0;
    for (const p of open.parts) {
      out.set(p, offset);
      offset += p.byteLength;
    }
    return out;
  }

  /** Takes a binary frame if a batch is open on `conn`; returns whether it did. */
  chunk(conn: Connection, bytes: Uint8Array): boolean {
    const open = this.#batches.get(conn);
    if (!open) return false;
    open.bytes += bytes.byteLength;
    if (open.bytes > open.marker.size || open.parts.length >= open.marker.count) {
      this.#batches.delete(conn);
      throw new ProtocolError(YCloseCode.InvalidPayload, "Chunked message is larger than announced.");
    }
    open.parts.push(bytes);
    return true;
  }

  /** Drops any batch in progress (the connection closed). */
  forget(conn: Connection): void {
    this.#batches.delete(conn);
  }
}

function parseMarker(text: string): Marker {
  let m: Partial<Marker> | null = null;
  try {
    m = JSON.parse(text.slice(BATCH_SENTINEL.length)) as Partial<Marker>;
  } catch {
    // handled below
  }
  if (
    !m ||
    typeof m !== "object" ||
    (m.type !== "start" && m.type !== "end") ||
    typeof m.id !== "string" ||
    !Number.isSafeInteger(m.size) ||
    !Number.isSafeInteger(m.count) ||
    m.size! < 0 ||
    m.count! < 0
  ) {
    throw new ProtocolError(YCloseCode.InvalidPayload, "Malformed chunked-message marker.");
  }
  return m as Marker;
}
