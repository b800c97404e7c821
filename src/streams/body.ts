/**
 * Request bodies of creates and appends: bounded reading, and JSON mode's
 * message framing (one level of array flattening, §9.1).
 * @module
 */
import { concatBytes } from "../bytes.js";

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

/** Re-exported for the stream modules that import it from here. */
export { concatBytes };
