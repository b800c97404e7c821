/**
 * Appending to a stream (POST, §5.2): content-type and closed-stream checks,
 * idempotent producers and `Stream-Seq`, the `validateAppend` hook, then one
 * synchronous write of the rows, the producer's state and the metadata, and
 * the append's delivery to live readers.
 * @module
 */
import { frameRows } from "./body.js";
import type { StreamObject } from "./engine.js";
import { parseProducer, producerKey, sequenceVerdict, staleEpoch } from "./producers.js";
import { H, formatOffset, isJsonType, isTrue, mediaType } from "./protocol.js";
import { problem, streamResponse } from "./responses.js";
import { messageTexts, type StreamMeta } from "./store.js";

/**
 * Answers a POST with its already read `body`. Appends must run one at a time
 * (the engine queues them in a `GroupCommit`): validation and write per producer
 * are one step, with no await between them unless `validateAppend` is async.
 *
 * @example
 * case "append": return appends.run(() => appendToStream(stream, request, body));
 */
export async function appendToStream(stream: StreamObject, request: Request, body: Uint8Array): Promise<Response> {
  let meta = stream.current();
  if (!meta) return problem(404, "Stream not found.");
  if (meta.softDeleted) return problem(410, "This stream has been deleted.");
  const h = request.headers;
  const closes = isTrue(h.get(H.closed));
  const producer = parseProducer(h);
  if (typeof producer === "string") return problem(400, producer);
  if (body.byteLength === 0 && !closes) return problem(400, "An append needs a body (or Stream-Closed: true to close the stream).");

  const state = producer ? stream.store.producer(producer.id) : undefined;
  const stale = producer ? staleEpoch(producer, state) : undefined;
  if (stale) return stale;
  if (meta.closed) {
    const closedHeaders = { [H.closed]: "true", [H.nextOffset]: formatOffset(meta.tail) };
    if (producer && meta.closedBy === producerKey(producer)) {
      return streamResponse(204, { ...closedHeaders, [H.producerEpoch]: String(producer.epoch), [H.producerSeq]: String(producer.seq) });
    }
    if (!producer && closes && body.byteLength === 0) return streamResponse(204, closedHeaders);
    return problem(409, "The stream is closed.", closedHeaders);
  }
  if (body.byteLength > 0) {
    const type = h.get("content-type");
    if (type === null) return problem(400, "An append with a body needs a Content-Type.");
    if (mediaType(type) !== mediaType(meta.contentType)) {
      return problem(409, `Content-Type ${mediaType(type)} does not match the stream's ${mediaType(meta.contentType)}.`);
    }
  }
  const rows = frameRows(meta, body, meta.tail, true);
  if (typeof rows === "string") return problem(400, rows);

  if (producer) {
    const answer = sequenceVerdict(producer, state, meta.tail);
    if (answer) return answer;
  }
  const seq = h.get(H.seq);
  if (seq !== null && meta.lastSeq !== null && seq <= meta.lastSeq) {
    return problem(409, `Stream-Seq "${seq.slice(0, 64)}" is not greater than the last one accepted.`);
  }
  if (stream.hooks.validateAppend) {
    const verdict = await stream.hooks.validateAppend({
      request,
      messages: isJsonType(meta.contentType) ? messageTexts(rows).map((m) => JSON.parse(m)) : null,
      bytes: body,
      producer,
      closes,
    });
    if (verdict instanceof Response) return verdict;
    meta = stream.current();
    if (!meta || meta.softDeleted || meta.closed) return problem(409, "The stream changed while the append was validated; retry it.");
  }

  const tail = rows.length ? rows[rows.length - 1]!.end : meta.tail;
  // Only the tail moves in an ordinary append (no Stream-Seq, no close, no sliding TTL to refresh): the row records it.
  const tailOnly = rows.length > 0 && seq === null && !closes && meta.ttl === null;
  const next: StreamMeta = tailOnly
    ? { ...meta, tail }
    : {
        ...meta,
        tail,
        lastSeq: seq ?? meta.lastSeq,
        closed: closes,
        closedBy: closes && producer ? producerKey(producer) : null,
        lastAccess: Date.now(),
      };
  stream.store.insert(rows);
  if (producer) stream.store.setProducer(producer.id, producer.epoch, producer.seq);
  if (tailOnly) stream.store.advance(next);
  else stream.store.saveMeta(next);
  stream.publish(next, rows);

  const headers: Record<string, string> = { [H.nextOffset]: formatOffset(tail) };
  if (closes) headers[H.closed] = "true";
  if (producer) {
    headers[H.producerEpoch] = String(producer.epoch);
    headers[H.producerSeq] = String(producer.seq);
    // 200 says "new data stored"; a close-only request stores none.
    return streamResponse(rows.length ? 200 : 204, headers);
  }
  return streamResponse(204, headers);
}
