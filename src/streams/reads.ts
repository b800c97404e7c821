/**
 * Catch-up reads (GET, §5.5/§5.6): the offset and live-mode parameters, a
 * range of rows up to the read budget, and the ETag and `Cache-Control` that
 * let a CDN keep a range that can no longer change. A long-poll with nothing
 * to return hands the wait back to the Worker (the object may sleep meanwhile).
 * @module
 */
import { concatBytes } from "./body.js";
import type { StreamObject } from "./engine.js";
import { touch } from "./expiry.js";
import { readRange } from "./forks.js";
import { H, formatOffset, isJsonType, nextCursor, parseOffset } from "./protocol.js";
import { problem, streamResponse } from "./responses.js";
import { MESSAGE_SEPARATOR, type Row, type StreamMeta } from "./store.js";
import { INTERNAL } from "./wire.js";

/**
 * Answers a client's GET on the stream.
 *
 * @example
 * case "read": return catchUpRead(stream, request, new URL(request.url));
 */
export async function catchUpRead(stream: StreamObject, request: Request, url: URL): Promise<Response> {
  let meta = stream.current();
  if (!meta) return problem(404, "Stream not found.");
  if (meta.softDeleted) return problem(410, "This stream has been deleted.");
  const offsets = url.searchParams.getAll("offset");
  const live = url.searchParams.get("live");
  if (live !== null && live !== "long-poll" && live !== "sse") return problem(400, `Unknown live mode "${live.slice(0, 32)}": use long-poll or sse.`);
  if (offsets.length > 1) return problem(400, "Give one offset parameter.");
  if (live !== null && offsets.length === 0) return problem(400, "Live reads need an offset parameter.");
  const offset = offsets.length ? parseOffset(offsets[0]!) : { kind: "start" as const };
  if (!offset) return problem(400, "Malformed offset.");
  meta = touch(stream.store, meta);
  const json = isJsonType(meta.contentType);
  const cursor: Record<string, string> = live ? { [H.cursor]: nextCursor(url.searchParams.get("cursor")) } : {};

  if (offset.kind === "now") {
    if (live === "long-poll" && !meta.closed) return wait(meta, meta.tail);
    const headers: Record<string, string> = {
      "content-type": meta.contentType,
      [H.nextOffset]: formatOffset(meta.tail),
      [H.upToDate]: "true",
      "cache-control": "no-store",
    };
    if (meta.closed) headers[H.closed] = "true";
    if (live === "long-poll") return streamResponse(204, headers);
    return streamResponse(200, { ...headers, ...cursor }, json ? "[]" : null);
  }
  const from = offset.kind === "start" ? 0 : offset.position;
  if (from > meta.tail) return problem(400, "The offset is beyond the stream's tail.");
  const rows = await readRange(stream, meta, from, meta.tail, stream.limits.maxReadBytes);
  const next = rows.length ? rows[rows.length - 1]!.end : from;
  const upToDate = next >= meta.tail;
  if (live === "long-poll" && rows.length === 0) {
    if (!meta.closed) return wait(meta, from);
    return streamResponse(204, { [H.nextOffset]: formatOffset(next), [H.upToDate]: "true", [H.closed]: "true" });
  }
  const closedNow = meta.closed && upToDate;
  const etag = `"${meta.incarnation}:${formatOffset(from)}:${formatOffset(next)}${closedNow ? ":c" : ""}"`;
  const headers: Record<string, string> = {
    "content-type": meta.contentType,
    [H.nextOffset]: formatOffset(next),
    etag,
    // A range that ends before the tail (or at a closed tail) never changes: a CDN may keep it.
    "cache-control":
      !upToDate || closedNow ? `${stream.cacheVisibility}, max-age=31536000, immutable` : `${stream.cacheVisibility}, max-age=60, stale-while-revalidate=300`,
    ...cursor,
  };
  if (upToDate) headers[H.upToDate] = "true";
  if (closedNow) headers[H.closed] = "true";
  if (request.headers.get("if-none-match") === etag) return streamResponse(304, headers);
  return streamResponse(200, headers, renderBody(json, rows));
}

/** Long-poll with nothing to return yet: the Worker subscribes and waits (the object may sleep meanwhile). */
function wait(meta: StreamMeta, from: number): Response {
  return streamResponse(204, { [INTERNAL.wait]: String(from), "content-type": meta.contentType, [H.nextOffset]: formatOffset(from) });
}

function renderBody(json: boolean, rows: Row[]): BodyInit {
  if (json) return `[${rows.map((r) => (r.data as string).replaceAll(MESSAGE_SEPARATOR, ",")).join(",")}]`;
  return concatBytes(rows.map((r) => r.data as Uint8Array));
}
