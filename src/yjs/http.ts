/**
 * The document over HTTP: `GET`/`HEAD` return it as one Yjs update with an
 * ETag (and `304` when `If-None-Match` matches), `POST` applies a Yjs update
 * through the same path as an edit from a socket.
 * @module
 */
import { errorResponse } from "../errors.js";
import { ProtocolError, YCloseCode } from "./protocol.js";

/** What the HTTP handler needs from the room. */
export interface HttpDocument {
  /** The current ETag (strong, quoted). */
  etag(): string;
  /** The whole document as a Yjs update. */
  state(): Uint8Array;
  /** Applies an update as an edit; throws a ProtocolError for invalid updates. */
  apply(update: Uint8Array): Promise<void>;
  /** Whether this request may only read. */
  readOnly(request: Request): Promise<boolean>;
  /** Largest accepted update, in bytes. */
  maxBytes: number;
}

const ALLOW = "GET, HEAD, POST";

/**
 * Serves `GET`/`HEAD`/`POST` on a Yjs room; any other method gets `405`.
 *
 * @example
 * ```ts
 * return serveDocument(request, {
 *   etag: () => engine.etag(),
 *   state: () => engine.encodedState(),
 *   apply: (update) => engine.apply(update, HTTP_ORIGIN),
 *   readOnly: async () => false,
 *   maxBytes: 8 << 20,
 * });
 * ```
 */
export async function serveDocument(request: Request, doc: HttpDocument): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD") {
    const etag = doc.etag();
    const headers = new Headers({ etag, "cache-control": "no-cache" });
    if (etagMatches(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
    const body = doc.state();
    headers.set("content-type", "application/octet-stream");
    headers.set("content-length", String(body.byteLength));
    return new Response(method === "HEAD" ? null : body, { status: 200, headers });
  }
  if (method === "POST") {
    if (await doc.readOnly(request)) return refuse(request, 403, "This client may only read the document.");
    const body = await readLimited(request, doc.maxBytes);
    if (body === "too-large") return errorResponse(413, `The update exceeds the room's limit of ${doc.maxBytes} bytes.`);
    if (body.byteLength === 0) return errorResponse(400, "Expected a Yjs update (application/octet-stream) in the request body.");
    try {
      await doc.apply(body);
    } catch (e) {
      if (e instanceof ProtocolError) return errorResponse(e.code === YCloseCode.MessageTooBig ? 413 : 400, e.reason);
      throw e;
    }
    return new Response(null, { status: 204, headers: { etag: doc.etag() } });
  }
  return refuse(request, 405, `Method ${method} is not allowed on a Yjs document; use ${ALLOW}.`, { allow: ALLOW });
}

/** An error response to a request whose body is not wanted: the body is drained, not left hanging. */
async function refuse(request: Request, status: number, reason: string, headers?: HeadersInit): Promise<Response> {
  await drain(request);
  return errorResponse(status, reason, headers);
}

/** Reads and drops a body without buffering it, so the sender is never cut off mid-upload. */
async function drain(request: Request): Promise<void> {
  if (!request.body) return;
  const reader = request.body.getReader();
  try {
    while (!(await reader.read()).done);
  } catch {
    // the client went away
  }
}

/**
 * RFC 9110 weak comparison of `If-None-Match` against `etag`.
 *
 * @example
 * ```ts
 * etagMatches('W/"e1.4", "e1.5"', '"e1.5"'); // true
 * etagMatches("*", '"e1.5"');               // true
 * ```
 */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === bare);
}

/** Reads the body, giving up (without buffering the rest) once it exceeds `max` bytes. */
async function readLimited(request: Request, max: number): Promise<Uint8Array | "too-large"> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await drain(request);
    return "too-large";
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      while (!(await reader.read()).done); // drop the rest without keeping it
      return "too-large";
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
