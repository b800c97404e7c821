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
 *
 * Batches are bounded for the whole room, not only per message: the sizes
 * announced by every batch in progress together may not pass `maxPendingBytes`
 * (a new one is refused with 1013, "try again later"), and a batch not
 * finished within `timeoutMs` is dropped and its sender closed with 1008, so a
 * client that starts batches and never ends them cannot hold the room's memory.
 * @module
 */
import type { Connection } from "../types.js";
import { ProtocolError, YCloseCode } from "./protocol.js";

/** Prefix of y-partykit's batch markers. */
export const BATCH_SENTINEL = "y-pk-batch#";

type Marker = { id: string; type: "start" | "end"; size: number; count: number };
type Batch = { marker: Marker; parts: Uint8Array[]; bytes: number; timer: ReturnType<typeof setTimeout> };

/** Bounds of the chunked messages a room receives at once. */
export type ChunkLimits = {
  /** Longest time a batch may take from its start marker to its end marker, in ms. */
  timeoutMs: number;
  /** Announced bytes of all batches in progress in the room, together. */
  maxPendingBytes: number;
  /** Called when a batch timed out (it is already dropped): close its sender. */
  onTimeout: (conn: Connection, error: ProtocolError) => void;
};

/**
 * Reassembles y-partykit's chunked messages, one batch per connection at most.
 *
 * @example
 * ```ts
 * const chunks = new ChunkedReceiver({ timeoutMs: 30_000, maxPendingBytes: 16 << 20, onTimeout: (c, e) => c.close(e.code, e.reason) });
 * if (typeof msg === "string" && ChunkedReceiver.isMarker(msg)) whole = chunks.marker(conn, msg, maxBytes);
 * else if (chunks.chunk(conn, bytes)) return; // a part of a batch
 * ```
 */
export class ChunkedReceiver {
  readonly #batches = new WeakMap<Connection, Batch>();
  #pendingBytes = 0;

  constructor(private readonly limits: ChunkLimits) {}

  /** Announced bytes of the batches in progress (for tests and diagnostics). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

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
      if (this.#pendingBytes + marker.size > this.limits.maxPendingBytes) {
        throw new ProtocolError(YCloseCode.TryAgainLater, "The room is receiving too many large messages at once; reconnect and try again.");
      }
      const timer = setTimeout(() => {
        if (this.#batches.get(conn)?.timer !== timer) return;
        this.forget(conn);
        const seconds = this.limits.timeoutMs / 1000;
        this.limits.onTimeout(conn, new ProtocolError(YCloseCode.PolicyViolation, `Chunked message not completed within ${seconds} s.`));
      }, this.limits.timeoutMs);
      this.#batches.set(conn, { marker, parts: [], bytes: 0, timer });
      this.#pendingBytes += marker.size;
      return undefined;
    }
    this.forget(conn);
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
      this.forget(conn);
      throw new ProtocolError(YCloseCode.InvalidPayload, "Chunked message is larger than announced.");
    }
    open.parts.push(bytes);
    return true;
  }

  /** Drops any batch in progress (the connection closed). */
  forget(conn: Connection): void {
    const open = this.#batches.get(conn);
    if (!open) return;
    clearTimeout(open.timer);
    this.#pendingBytes -= open.marker.size;
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
