/**
 * What a stream's Worker handler and its Durable Object (and one stream's
 * object and another's, for forks) say to each other: internal headers, the
 * encoded rows of internal reads, the subscription messages, and how to reach
 * the object of a stream by name.
 * @module
 */
import { addressTo } from "../identity.js";
import { fromBase64, toBase64 } from "../base64.js";
import type { Row } from "./store.js";

/** Internal headers: set by the handler only (it strips any a client sends). */
export const INTERNAL = {
  /** The decoded stream name of `Stream-Forked-From`. */
  source: "x-roomkit-stream-source",
  /** The Durable Object binding and party of the stream's class, so objects can reach each other. */
  binding: "x-roomkit-stream-binding",
  party: "x-roomkit-stream-party",
  /** On a long-poll answer: nothing to return yet; subscribe from this position. */
  wait: "x-roomkit-stream-wait",
} as const;

/** Every header name the handler removes from client requests. */
export const INTERNAL_PREFIX = "x-roomkit-stream-";

/** The base URL of requests to stream objects (they never see a public URL). */
export const INTERNAL_ORIGIN = "https://stream.internal";

/** A row as JSON: `[start, end, batchEnd, data]`, binary data in base64 (`b` prefix) and text as is (`t`). */
export type WireRow = [number, number, number, string];

/**
 * Rows as JSON-safe tuples, for an internal read between objects.
 *
 * @example
 * encodeRows([{ start: 0, end: 2, batchEnd: 2, data: "x\ny" }]) // [[0, 2, 2, "tx\ny"]]
 */
export function encodeRows(rows: Row[]): WireRow[] {
  return rows.map((r) => [r.start, r.end, r.batchEnd, typeof r.data === "string" ? `t${r.data}` : `b${toBase64(r.data)}`]);
}

/**
 * The inverse of `encodeRows`.
 *
 * @example
 * decodeRows([[0, 1, 1, "bAQ=="]])[0].data // Uint8Array [1]
 */
export function decodeRows(rows: WireRow[]): Row[] {
  return rows.map(([start, end, batchEnd, d]) => ({ start, end, batchEnd, data: d[0] === "t" ? d.slice(1) : fromBase64(d.slice(1)) }));
}

/**
 * A message from a stream's object to a subscriber socket. `data` events carry
 * one append (JSON streams: the messages comma-joined, without brackets;
 * others: base64); `ready` says the subscriber has everything up to `next`.
 */
export type SubscriberMessage = { t: "data"; next: number; data: string; closed: boolean } | { t: "ready"; next: number; closed: boolean } | { t: "gone" };

/**
 * Sends `request` to the object of stream `name`, telling it who it is (as roomkit's router does for rooms).
 *
 * @example
 * await sendToStream(env, "STREAMS", "streams", "chat/lobby", new Request(`${INTERNAL_ORIGIN}/?offset=-1`));
 */
export function sendToStream(env: Record<string, unknown>, binding: string, party: string, name: string, request: Request): Promise<Response> {
  const ns = env[binding] as DurableObjectNamespace | undefined;
  if (!ns || typeof ns.idFromName !== "function") {
    throw new Error(`roomkit/streams: env.${binding} is not a Durable Object namespace (wrangler.toml: [[durable_objects.bindings]] name = "${binding}").`);
  }
  const forward = addressTo(request, { party, room: name, rest: "" });
  forward.headers.set(INTERNAL.binding, binding);
  forward.headers.set(INTERNAL.party, party);
  return ns.get(ns.idFromName(name)).fetch(forward as never) as unknown as Promise<Response>;
}
