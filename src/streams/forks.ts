/**
 * Forks (§5.7): a fork is a new stream whose positions below its fork point
 * are read through to its source's object. Both ends live here: the fork
 * registering with its source and reading from it, and the source counting
 * the forks that read from it (a deleted source is only soft-deleted while
 * any remain) and answering their reads.
 * @module
 */
import { logError } from "../errors.js";
import { drainUnreadBody } from "../unread-body.js";
import type { StreamObject } from "./engine.js";
import { authorize } from "./hooks.js";
import { mediaType } from "./protocol.js";
import { problem } from "./responses.js";
import type { Row, StreamMeta } from "./store.js";
import { INTERNAL_ORIGIN, decodeRows, encodeRows, sendToStream, type WireRow } from "./wire.js";

/**
 * Fork side of a create: registers the fork with its source's object and
 * returns the inherited configuration (content type, expiry, fork point) and
 * the rows of a sub-offset fork's partial first append; or the source's refusal.
 *
 * @example
 * const fork = await forkFrom(stream, request, meta, source, forkOffset, sub, requestedType);
 * if (fork instanceof Response) return fork;
 */
export async function forkFrom(
  stream: StreamObject,
  request: Request,
  meta: StreamMeta,
  source: string,
  offset: number | null,
  sub: number,
  requestedType: string | null,
): Promise<{ meta: StreamMeta; prefix: Row[] } | Response> {
  // The fork request's headers go along: the source's authorize hook decides whether this client may read it.
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  const res = await sendToStream(
    stream.room.env,
    meta.binding,
    meta.party,
    source,
    new Request(`${INTERNAL_ORIGIN}/__fork`, { method: "POST", headers, body: JSON.stringify({ offset, sub, contentType: requestedType }) }),
  );
  if (res.status !== 200) return problem(res.status, await res.text());
  const src = (await res.json()) as { contentType: string; ttl: number | null; expiresAt: number | null; point: number; prefix: WireRow[] };
  const prefix = decodeRows(src.prefix).map((r) => ({ ...r, batchEnd: src.point + sub }));
  const inherit = meta.ttl === null && meta.expiresAt === null;
  return {
    meta: {
      ...meta,
      contentType: requestedType ?? src.contentType,
      ttl: inherit ? src.ttl : meta.ttl,
      expiresAt: inherit ? src.expiresAt : meta.expiresAt,
      forkSource: source,
      forkPoint: src.point,
      tail: src.point + sub,
    },
    prefix,
  };
}

/**
 * Source side of a fork (`/__fork`): checks the fork point and counts the new reference.
 *
 * @example
 * case "/__fork": return registerFork(stream, request);
 */
export async function registerFork(stream: StreamObject, request: Request): Promise<Response> {
  // Forking reads the source: it needs read access to it, as the client that asks.
  const denied = await authorize(stream.hooks, request, "read");
  if (denied) {
    await drainUnreadBody(request);
    return denied;
  }
  const meta = stream.current();
  if (!meta) return problem(404, "The stream to fork from does not exist.");
  if (meta.softDeleted) return problem(409, "The stream to fork from has been deleted.");
  const { offset, sub, contentType } = (await request.json()) as { offset: number | null; sub: number; contentType: string | null };
  if (contentType !== null && mediaType(contentType) !== mediaType(meta.contentType)) {
    return problem(409, `Content-Type ${mediaType(contentType)} does not match the source stream's ${mediaType(meta.contentType)}.`);
  }
  const point = offset ?? meta.tail;
  if (point > meta.tail) return problem(400, "Stream-Fork-Offset is beyond the source stream's tail.");
  let prefix: Row[] = [];
  if (sub > 0) {
    prefix = await readAll(stream, meta, point, point + sub);
    const got = prefix.reduce((n, r) => n + (r.end - r.start), 0);
    if (got !== sub || prefix.some((r) => r.batchEnd < point + sub) || prefix[0]?.start !== point) {
      return problem(400, "Stream-Fork-Sub-Offset names a position past the next data boundary.");
    }
  }
  const current = stream.store.meta;
  if (!current || current.softDeleted) return problem(409, "The stream to fork from has been deleted.");
  stream.store.saveMeta({ ...current, refs: current.refs + 1 });
  return Response.json({ contentType: meta.contentType, ttl: meta.ttl, expiresAt: meta.expiresAt, point, prefix: encodeRows(prefix) });
}

/**
 * Fork side of a removal: tells the source one fork fewer reads from it. Never throws (a failure is logged).
 *
 * @example
 * store.purge();
 * if (meta.forkSource) void releaseSource(stream, meta);
 */
export async function releaseSource(stream: StreamObject, meta: StreamMeta): Promise<void> {
  try {
    const res = await sendToStream(stream.room.env, meta.binding, meta.party, meta.forkSource!, new Request(`${INTERNAL_ORIGIN}/__unref`, { method: "POST" }));
    await res.body?.cancel();
  } catch (e) {
    logError(`stream ${stream.room.id}: releasing fork source ${meta.forkSource}`, e);
  }
}

/**
 * Source side of a removal (`/__unref`): one fork fewer; a soft-deleted source
 * with none left is removed now (and releases its own source).
 *
 * @example
 * case "/__unref": return releaseFork(stream);
 */
export async function releaseFork(stream: StreamObject): Promise<Response> {
  const meta = stream.store.meta;
  if (!meta) return new Response(null, { status: 204 });
  const next = { ...meta, refs: Math.max(0, meta.refs - 1) };
  if (next.softDeleted && next.refs === 0) {
    stream.store.purge();
    if (next.forkSource) await releaseSource(stream, next);
  } else {
    stream.store.saveMeta(next);
  }
  return new Response(null, { status: 204 });
}

/**
 * Rows in [from, to): the source's below the fork point, this stream's own above it.
 *
 * @example
 * const rows = await readRange(stream, meta, from, meta.tail, stream.limits.maxReadBytes);
 */
export async function readRange(stream: StreamObject, meta: StreamMeta, from: number, to: number, maxBytes: number): Promise<Row[]> {
  if (meta.forkSource !== null && from < meta.forkPoint) {
    const end = Math.min(to, meta.forkPoint);
    const res = await sendToStream(
      stream.room.env,
      meta.binding,
      meta.party,
      meta.forkSource,
      new Request(`${INTERNAL_ORIGIN}/__read?from=${from}&to=${end}&max=${maxBytes}`),
    );
    if (!res.ok) throw new Error(`fork source ${meta.forkSource} answered ${res.status} to a read`);
    const inherited = decodeRows((await res.json()) as WireRow[]);
    const reached = inherited.length ? inherited[inherited.length - 1]!.end : from;
    const size = inherited.reduce((n, r) => n + (typeof r.data === "string" ? r.data.length : r.data.byteLength), 0);
    // One response stitches the inherited part and the fork's own rows when the budget allows.
    if (reached < meta.forkPoint || to <= meta.forkPoint || size >= maxBytes) return inherited;
    return inherited.concat(stream.store.read(meta.forkPoint, Math.min(to, meta.tail), maxBytes - size));
  }
  return stream.store.read(from, Math.min(to, meta.tail), maxBytes);
}

/** Every row in [from, to), however many reads that takes. */
async function readAll(stream: StreamObject, meta: StreamMeta, from: number, to: number): Promise<Row[]> {
  const out: Row[] = [];
  for (let at = from; at < to; ) {
    const rows = await readRange(stream, meta, at, to, stream.limits.maxReadBytes);
    if (rows.length === 0) break;
    out.push(...rows);
    at = rows[rows.length - 1]!.end;
  }
  return out;
}

/**
 * Source side of a read-through (`/__read`): no TTL refresh (only clients'
 * reads count), allowed while soft-deleted.
 *
 * @example
 * case "/__read": return serveForkRead(stream, url);
 */
export async function serveForkRead(stream: StreamObject, url: URL): Promise<Response> {
  const meta = stream.store.meta;
  if (!meta) return problem(410, "The fork's source stream is gone.");
  const from = Number(url.searchParams.get("from"));
  const to = Number(url.searchParams.get("to"));
  const max = Number(url.searchParams.get("max"));
  return Response.json(encodeRows(await readRange(stream, meta, from, to, max)));
}
