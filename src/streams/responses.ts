/**
 * Responses of the streams protocol: every one carries the browser security
 * headers (§12.7), errors are short plain text with a precise reason, and
 * nothing internal ever reaches a client.
 * @module
 */
import { H, SECURITY_HEADERS, formatOffset } from "./protocol.js";
import type { StreamMeta } from "./store.js";

/**
 * A response with the security headers added.
 *
 * @example
 * streamResponse(204, { "stream-next-offset": offset })
 */
export function streamResponse(status: number, headers: Record<string, string> = {}, body: BodyInit | null = null): Response {
  // One plain object, one copy into the Response (header names here are all lower case, so the spread overrides like set()).
  return new Response(status === 204 || status === 304 ? null : body, { status, headers: { ...headers, ...SECURITY_HEADERS } });
}

/**
 * A protocol error: the status and a one-line reason a client may see.
 *
 * @example
 * problem(409, "Content-Type text/plain does not match the stream's application/json.")
 */
export function problem(status: number, reason: string, headers: Record<string, string> = {}): Response {
  return streamResponse(status, { ...headers, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }, reason);
}

/**
 * Headers describing a stream (PUT and HEAD answers): its type, tail, expiry and whether it is closed.
 *
 * @example
 * streamResponse(200, { ...describeStream(meta), "cache-control": "no-store" })
 */
export function describeStream(meta: StreamMeta): Record<string, string> {
  const h: Record<string, string> = { "content-type": meta.contentType, [H.nextOffset]: formatOffset(meta.tail) };
  if (meta.ttl !== null) h[H.ttl] = String(meta.ttl);
  if (meta.expiresAt !== null) h[H.expiresAt] = new Date(meta.expiresAt).toISOString();
  if (meta.closed) h[H.closed] = "true";
  return h;
}
