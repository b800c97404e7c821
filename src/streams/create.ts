/**
 * Creating a stream (PUT, §5.1): its TTL or expiry, content type, initial
 * body and closed state, a fork's source and fork point; and the idempotent
 * answer to a PUT on a stream that exists.
 * @module
 */
import { frameRows } from "./body.js";
import type { StreamObject } from "./engine.js";
import { scheduleExpiry } from "./expiry.js";
import { forkFrom, releaseSource } from "./forks.js";
import { H, isTrue, mediaType, parseExpiresAt, parseOffset, parseSafeInt, parseTtl } from "./protocol.js";
import { describeStream, problem, streamResponse } from "./responses.js";
import type { Row, StreamMeta } from "./store.js";
import { INTERNAL } from "./wire.js";

/**
 * Answers a PUT with its already read `body`: 201 for a new stream, 200 for a
 * matching re-creation, 409 for a different one.
 *
 * @example
 * case "create": return createStream(stream, request, await readBody(request, limits.maxAppendBytes));
 */
export async function createStream(stream: StreamObject, request: Request, body: Uint8Array): Promise<Response> {
  const h = request.headers;
  const ttl = parseTtl(h.get(H.ttl));
  if (ttl === null) return problem(400, "Stream-TTL must be a non-negative integer number of seconds (no sign, leading zeros, fraction or exponent).");
  const expiresAt = parseExpiresAt(h.get(H.expiresAt));
  if (expiresAt === null) return problem(400, "Stream-Expires-At must be an RFC 3339 timestamp.");
  if (ttl !== undefined && expiresAt !== undefined) return problem(400, "Give Stream-TTL or Stream-Expires-At, not both.");
  const closes = isTrue(h.get(H.closed));
  const source = h.get(INTERNAL.source);
  const forkOffsetRaw = h.get(H.forkOffset);
  const subRaw = h.get(H.forkSubOffset);
  if (source === null && (forkOffsetRaw !== null || subRaw !== null)) {
    return problem(400, "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From.");
  }
  let forkOffset: number | null = null;
  if (forkOffsetRaw !== null) {
    const parsed = parseOffset(forkOffsetRaw);
    if (!parsed || parsed.kind === "now") return problem(400, "Stream-Fork-Offset is not a valid offset.");
    forkOffset = parsed.kind === "start" ? 0 : parsed.position;
  }
  const sub = subRaw === null ? 0 : parseSafeInt(subRaw.trim());
  if (sub === null) return problem(400, "Stream-Fork-Sub-Offset must be a non-negative integer.");
  if (sub > 0 && forkOffset === null) return problem(400, "Stream-Fork-Sub-Offset needs Stream-Fork-Offset.");
  const requestedType = h.get("content-type");

  const config = JSON.stringify([ttl ?? null, expiresAt ?? null, source, forkOffset, sub]);
  const existing = stream.current();
  if (existing) return recreate(existing, config, requestedType, closes);
  if (source !== null && source === stream.room.id) return problem(409, "A stream cannot be forked from itself.");

  let meta: StreamMeta = {
    incarnation: crypto.randomUUID(),
    contentType: requestedType ?? "application/octet-stream",
    ttl: ttl ?? null,
    expiresAt: expiresAt ?? null,
    closed: closes,
    closedBy: null,
    tail: 0,
    forkSource: null,
    forkPoint: 0,
    forkOffset,
    forkSub: sub,
    refs: 0,
    softDeleted: false,
    lastSeq: null,
    lastAccess: Date.now(),
    config,
    binding: h.get(INTERNAL.binding) ?? "",
    party: h.get(INTERNAL.party) ?? "",
  };
  const rows: Row[] = [];
  if (source !== null) {
    const fork = await forkFrom(stream, request, meta, source, forkOffset, sub, requestedType);
    if (fork instanceof Response) return fork;
    meta = fork.meta;
    rows.push(...fork.prefix);
    // A concurrent create won the race while the source answered.
    if (stream.store.meta) {
      void releaseSource(stream, meta);
      return problem(409, "The stream was created concurrently with a different configuration.");
    }
  }
  const appended = frameRows(meta, body, meta.tail, false);
  if (typeof appended === "string") {
    if (source !== null) void releaseSource(stream, meta);
    return problem(400, appended);
  }
  rows.push(...appended);
  meta = { ...meta, tail: rows.length ? rows[rows.length - 1]!.end : meta.tail, config };
  stream.store.insert(rows);
  stream.store.saveMeta(meta);
  await scheduleExpiry(stream.room, meta);
  return streamResponse(201, { ...describeStream(meta), "content-length": "0" });
}

/** PUT on an existing stream: 200 when the configuration matches, 409 otherwise (§5.1). */
function recreate(existing: StreamMeta, config: string, requestedType: string | null, closes: boolean): Response {
  if (existing.softDeleted) return problem(409, "This stream was deleted while forks still read from it; its path cannot be reused yet.");
  const sameType =
    requestedType === null
      ? existing.forkSource !== null || mediaType(existing.contentType) === "application/octet-stream"
      : mediaType(requestedType) === mediaType(existing.contentType);
  const same = sameType && existing.config === config && existing.closed === closes;
  if (!same) return problem(409, "A stream already exists at this path with a different configuration.");
  return streamResponse(200, describeStream(existing));
}
