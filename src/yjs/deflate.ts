/**
 * Raw DEFLATE (RFC 1951) through the platform's native `CompressionStream`:
 * how a Yjs snapshot is stored. A snapshot is kept in the V1 encoding that
 * clients speak, so a room that wakes can send it to a joining client after
 * one native inflate, with no Yjs decoding; deflated, it is also smaller
 * than the same document in Yjs's V2 encoding (a third of its V1 size on
 * real editing traces). Native and asynchronous: a JavaScript inflater would
 * run JIT-cold in a fresh isolate, exactly when a cold room is loading.
 * @module
 */

/**
 * The raw DEFLATE form of `bytes`.
 *
 * @example
 * ```ts
 * const stored = await deflateRaw(Y.encodeStateAsUpdate(doc));
 * ```
 */
export function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new CompressionStream("deflate-raw"));
}

/**
 * The bytes `deflated` (raw DEFLATE) encodes. Rejects on corrupt input.
 *
 * @example
 * ```ts
 * Y.applyUpdate(doc, await inflateRaw(stored));
 * ```
 */
export function inflateRaw(deflated: Uint8Array): Promise<Uint8Array> {
  return pipe(deflated, new DecompressionStream("deflate-raw"));
}

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const writer = transform.writable.getWriter();
  // Written and closed without awaiting: the readable side is drained below, which is what lets the write finish.
  const written = writer.write(bytes).then(() => writer.close());
  const [out] = await Promise.all([new Response(transform.readable).arrayBuffer(), written]);
  return new Uint8Array(out);
}
