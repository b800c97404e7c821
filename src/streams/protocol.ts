/**
 * The Durable Streams protocol's vocabulary: header names, the offset token
 * format, cursors, and the parsers for client-supplied header values. Pure
 * functions only; nothing here touches storage.
 * @module
 */

/** Protocol headers (lower case: `Headers` compares case-insensitively). */
export const H = {
  nextOffset: "stream-next-offset",
  upToDate: "stream-up-to-date",
  closed: "stream-closed",
  cursor: "stream-cursor",
  ttl: "stream-ttl",
  expiresAt: "stream-expires-at",
  seq: "stream-seq",
  forkedFrom: "stream-forked-from",
  forkOffset: "stream-fork-offset",
  forkSubOffset: "stream-fork-sub-offset",
  sseEncoding: "stream-sse-data-encoding",
  producerId: "producer-id",
  producerEpoch: "producer-epoch",
  producerSeq: "producer-seq",
  producerExpectedSeq: "producer-expected-seq",
  producerReceivedSeq: "producer-received-seq",
} as const;

/** Every protocol header, for CORS `Access-Control-Expose-Headers`. */
export const EXPOSED_HEADERS = [
  H.nextOffset,
  H.upToDate,
  H.closed,
  H.cursor,
  H.ttl,
  H.expiresAt,
  H.sseEncoding,
  H.producerEpoch,
  H.producerSeq,
  H.producerExpectedSeq,
  H.producerReceivedSeq,
  "etag",
  "location",
].join(", ");

const DIGITS = 16;
const OFFSET_RE = /^(\d{16})_(\d{16})$/;

/**
 * Offsets are `0000000000000000_<position>`, both parts 16 decimal digits, so
 * they sort lexicographically. The position counts bytes (JSON streams:
 * messages); forks share their source's positions. The first part is kept at
 * zero: it is the format the protocol's reference server mints, so an offset
 * from either server reads the same.
 *
 * @example
 * formatOffset(5) // "0000000000000000_0000000000000005"
 */
export function formatOffset(position: number): string {
  return `${"0".repeat(DIGITS)}_${String(position).padStart(DIGITS, "0")}`;
}

/** A parsed `offset` query value: a position, the stream start (`-1`) or the tail (`now`). */
export type OffsetQuery = { kind: "position"; position: number } | { kind: "start" } | { kind: "now" };

/**
 * Parses an `offset` query value; `null` when it is malformed (→ 400).
 *
 * @example
 * parseOffset("-1") // { kind: "start" }
 */
export function parseOffset(raw: string): OffsetQuery | null {
  if (raw === "-1") return { kind: "start" };
  if (raw === "now") return { kind: "now" };
  const m = OFFSET_RE.exec(raw);
  if (!m) return null;
  const position = Number(m[2]);
  return Number.isSafeInteger(position) ? { kind: "position", position } : null;
}

/** Interval length and epoch of server-generated cursors (PROTOCOL.md §10.1). */
const CURSOR_INTERVAL_MS = 20_000;
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);

/**
 * The `Stream-Cursor` for a live response: the current 20-second interval,
 * or, when the client's cursor is already there or ahead, a value strictly
 * greater (plus 1–3600 s of jitter) so CDN cache keys never cycle.
 *
 * @example
 * nextCursor(null) // e.g. "5046"
 */
export function nextCursor(clientCursor: string | null, now = Date.now()): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
  const client = clientCursor !== null && /^\d{1,15}$/.test(clientCursor) ? Number(clientCursor) : -1;
  if (client < current) return String(current);
  const jitterIntervals = Math.max(1, Math.ceil((1 + Math.floor(Math.random() * 3600)) / (CURSOR_INTERVAL_MS / 1000)));
  return String(client + jitterIntervals);
}

/**
 * `Stream-Closed` counts only when it is exactly `true`, case-insensitively (§4.1).
 *
 * @example
 * isTrue("TRUE") // true; isTrue("yes") // false
 */
export function isTrue(value: string | null): boolean {
  return value !== null && value.toLowerCase() === "true";
}

/**
 * Parses `Stream-TTL`: a non-negative decimal integer without sign, leading
 * zeros, point or exponent. `undefined` when absent, `null` when invalid.
 *
 * @example
 * parseTtl("3600") // 3600
 */
export function parseTtl(raw: string | null): number | null | undefined {
  if (raw === null) return undefined;
  if (!/^(0|[1-9]\d{0,11})$/.test(raw)) return null;
  return Number(raw);
}

/**
 * Parses `Stream-Expires-At` (RFC 3339) to epoch milliseconds; `null` when invalid.
 *
 * @example
 * parseExpiresAt("2030-01-01T00:00:00Z") // 1893456000000
 */
export function parseExpiresAt(raw: string | null): number | null | undefined {
  if (raw === null) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(raw)) return null;
  const ms = Date.parse(raw.replace(" ", "T"));
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A non-negative integer ≤ 2^53−1 in plain decimal (producer epochs and sequences); null otherwise.
 *
 * @example
 * parseSafeInt("42") // 42; parseSafeInt("042") // null
 */
export function parseSafeInt(raw: string): number | null {
  if (!/^(0|[1-9]\d*)$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * The media type without parameters, lower-cased: what stream content types are compared by.
 *
 * @example
 * mediaType("Application/JSON; charset=utf-8") // "application/json"
 */
export function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

/**
 * JSON mode (§9.1) applies to `application/json` streams.
 *
 * @example
 * isJsonType("application/json; charset=utf-8") // true
 */
export function isJsonType(contentType: string): boolean {
  return mediaType(contentType) === "application/json";
}

/**
 * SSE carries `text/*` and JSON as text; every other type is base64-encoded (§5.8).
 *
 * @example
 * isTextType("text/plain") // true; isTextType("image/png") // false
 */
export function isTextType(contentType: string): boolean {
  const t = mediaType(contentType);
  return t.startsWith("text/") || t === "application/json";
}

/** Browser security headers every response carries (§12.7). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "cross-origin",
};
