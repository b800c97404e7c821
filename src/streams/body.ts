/**
 * Request bodies of creates and appends: bounded reading, JSON mode's
 * message framing (one level of array flattening, §9.1), and the rows a body
 * is stored as.
 * @module
 */
import { concatBytes } from "../bytes.js";
import { isJsonType } from "./protocol.js";
import { MESSAGE_SEPARATOR, type Row, type StreamMeta } from "./store.js";

/** Past this many bytes an oversized upload is cut off instead of drained. */
const DRAIN_LIMIT = 32 * 1024 * 1024;

/**
 * A body larger than the limit (→ 413).
 *
 * @example
 * try { await readBody(request, limit); } catch (e) { if (e instanceof TooLarge) return problem(413, "Too large."); throw e; }
 */
export class TooLarge extends Error {}

/**
 * Reads a request body, refusing more than `limit` bytes without buffering them.
 *
 * @example
 * const bytes = await readBody(request, 1 << 20);
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size <= limit) {
      parts.push(value);
      continue;
    }
    // Drain an oversized upload (up to a bound) rather than cut it: a client
    // still sending would see a reset connection instead of the 413.
    parts.length = 0;
    if (size > DRAIN_LIMIT) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  if (size > limit) throw new TooLarge();
  return parts.length === 0 ? new Uint8Array(0) : concatBytes(parts);
}

/**
 * JSON mode's messages of a body: an array is flattened one level, any other
 * value is one message. Each message is re-serialised compactly. `null` when
 * the body is not valid JSON.
 *
 * @example
 * jsonMessages(new TextEncoder().encode('[{"a":1},[2]]')) // ['{"a":1}', '[2]']
 */
export function jsonMessages(body: Uint8Array): string[] | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true } as TextDecoderConstructorOptions).decode(body));
  } catch {
    return null;
  }
  return Array.isArray(value) ? value.map((m) => JSON.stringify(m)) : [JSON.stringify(value)];
}

/**
 * Splits a body into the rows it is stored as, from position `start`: one row
 * per append (a JSON append's messages joined by `MESSAGE_SEPARATOR`). A
 * reason string when the body is not acceptable.
 *
 * @example
 * const rows = frameRows(meta, body, meta.tail, true);
 * if (typeof rows === "string") return problem(400, rows);
 */
export function frameRows(meta: StreamMeta, body: Uint8Array, start: number, isAppend: boolean): Row[] | string {
  if (body.byteLength === 0) return [];
  if (!isJsonType(meta.contentType)) return [{ start, end: start + body.byteLength, batchEnd: start + body.byteLength, data: body }];
  const messages = jsonMessages(body);
  if (messages === null) return "The body is not valid JSON.";
  if (messages.length === 0 && isAppend) return "An empty JSON array appends nothing.";
  const end = start + messages.length;
  return messages.length ? [{ start, end, batchEnd: end, data: messages.join(MESSAGE_SEPARATOR) }] : [];
}

/** Re-exported for the stream modules that import it from here. */
export { concatBytes };
