/**
 * Standard base64 (RFC 4648) without Node's Buffer: streams' SSE binary events
 * and the JSON messages between a stream's Worker and its object, and the state
 * vector in a Yjs document's metadata row.
 * @module
 */

const CHUNK = 0x8000;

/**
 * Encodes bytes as base64.
 *
 * @example
 * toBase64(new Uint8Array([1, 2, 3])) // "AQID"
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // String.fromCharCode takes arguments: bounded chunks keep the call stack small.
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * Decodes base64 to bytes.
 *
 * @example
 * fromBase64("AQID") // Uint8Array [1, 2, 3]
 */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
