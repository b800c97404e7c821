/**
 * Errors, close codes and the rule that details go to the log, never to a client.
 * @module
 */

/**
 * An error roomkit raises for a misuse it can name precisely (bad config, oversized state, ...).
 *
 * @example
 * ```ts
 * try { conn.setState(hugeValue); } catch (e) { if (e instanceof RoomkitError) console.warn(e.message); }
 * ```
 */
export class RoomkitError extends Error {
  override name = "RoomkitError";
}

/** WebSocket close codes roomkit sends. 1000–1015 are RFC 6455; 4000–4999 are application codes. */
export const CloseCode = {
  /** Normal closure. */
  Normal: 1000,
  /** The server is going away (room shut down). */
  GoingAway: 1001,
  /** A message the room cannot accept (bad type or encoding). */
  UnsupportedData: 1003,
  /** A message broke the room's rules (e.g. rate limit). */
  PolicyViolation: 1008,
  /** A message larger than the room's limit. */
  MessageTooBig: 1009,
  /** The room failed while handling this connection; details are in the log. */
  InternalError: 1011,
  /** The room is full. */
  TryAgainLater: 1013,
} as const;

/** The only reason a client is ever told when a hook throws. */
export const INTERNAL_ERROR_REASON = "Internal server error";

/**
 * Logs a hook failure with everything a developer needs; nothing of it is sent to clients.
 *
 * @example
 * ```ts
 * logError("Chat main/lobby onMessage", error); // [roomkit] Chat main/lobby onMessage threw: …
 * ```
 */
export function logError(where: string, error: unknown): void {
  console.error(`[roomkit] ${where} threw:`, error);
}

/**
 * The response a client gets when a hook throws: generic by design.
 *
 * @example
 * ```ts
 * catch (e) { logError(where, e); return internalErrorResponse(); }
 * ```
 */
export function internalErrorResponse(): Response {
  return new Response(INTERNAL_ERROR_REASON, { status: 500, headers: { "content-type": "text/plain" } });
}

/**
 * A short plain-text error response with a precise, client-safe reason.
 *
 * @example
 * ```ts
 * return errorResponse(426, "This room only accepts WebSocket connections.", { upgrade: "websocket" });
 * ```
 */
export function errorResponse(status: number, reason: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "text/plain; charset=utf-8");
  return new Response(reason, { status, headers: h });
}

/** The longest close reason a close frame carries, in bytes of UTF-8 (RFC 6455: 125 minus the code). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Closes a socket without throwing if it is already closing or closed. The
 * reason is cut to 123 bytes of UTF-8 at a code point boundary, so a long or
 * non-ASCII reason can never make the close itself fail.
 *
 * @example
 * ```ts
 * closeQuietly(conn, CloseCode.PolicyViolation, "Rate limit exceeded.");
 * ```
 */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    // 1005/1006 describe a missing close frame; they are not allowed in close().
    ws.close(code === 1005 || code === 1006 ? CloseCode.Normal : code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
  } catch {
    // Already closed: nothing to do.
  }
}

/**
 * The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`,
 * never splitting a code point (a lone surrogate counts as the 3 bytes of U+FFFD).
 *
 * @example
 * ```ts
 * truncateUtf8("ééé", 5); // "éé"
 * ```
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // UTF-8 needs at most 3 bytes per UTF-16 unit
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
