/**
 * The answer to a client's permessage-deflate offer (RFC 7692): compression
 * stays on in both directions, but each message a client sends is compressed
 * on its own (`client_no_context_takeover`).
 *
 * Why: with context takeover a client must compress every message, however
 * small, through one shared deflate stream. Node's `ws` (partysocket and
 * y-websocket in Node, bots, load tests) then queues each send behind an
 * asynchronous zlib call, one per event-loop turn, so a client typing fast
 * falls behind its own socket by over a thousand frames (docs/benchmarks.md,
 * "Client compression"). Without context takeover `ws` sends messages under
 * 1 KiB uncompressed and at once; browsers compress each message with a fresh
 * window. Messages to clients (document loads, broadcasts) keep the full
 * context, where compression pays. RFC 7692 §7.1.1.2 lets a server add this
 * parameter to an offer that lacks it, so every conforming client accepts it.
 * @module
 */

/**
 * The `Sec-WebSocket-Extensions` value for a 101 answering `offered` (the
 * request's header), or `undefined` to leave the negotiation to the runtime.
 * Only the offer browsers and `ws` make is answered: a first
 * permessage-deflate offer with no parameters but `client_max_window_bits`
 * and `client_no_context_takeover`. An offer with `server_*` parameters (or
 * any other) is the runtime's to accept or decline, since an answer must
 * echo those and the runtime's compressor must then honour them.
 *
 * @example
 * ```ts
 * acceptDeflate("permessage-deflate; client_max_window_bits");
 * // "permessage-deflate; client_no_context_takeover"
 * acceptDeflate("permessage-deflate; server_max_window_bits=10"); // undefined
 * acceptDeflate(null); // undefined
 * ```
 */
export function acceptDeflate(offered: string | null): string | undefined {
  if (offered === null) return undefined;
  // Offers are in order of preference: the first permessage-deflate one is what the runtime would take.
  for (const extension of offered.split(",")) {
    const [name, ...params] = extension.split(";");
    if (name!.trim().toLowerCase() !== "permessage-deflate") continue;
    return params.every(isClientParam) && !hasRepeats(params) ? ANSWER : undefined;
  }
  return undefined;
}

const ANSWER = "permessage-deflate; client_no_context_takeover";

/** `client_no_context_takeover`, or `client_max_window_bits` with no value or 8–15: the client's own side. */
function isClientParam(param: string): boolean {
  return /^\s*(client_no_context_takeover|client_max_window_bits(\s*=\s*"?(8|9|1[0-5])"?)?)\s*$/i.test(param);
}

/** A parameter named twice makes the offer invalid (RFC 7692 §7): the runtime declines it. */
function hasRepeats(params: readonly string[]): boolean {
  const names = params.map((p) => p.split("=")[0]!.trim().toLowerCase());
  return new Set(names).size !== names.length;
}
