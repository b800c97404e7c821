/**
 * One stream, served by its Durable Object: the protocol's operations over
 * the object's SQLite (create, append, close, delete, HEAD, catch-up reads),
 * forks that read through to their source's object, TTL expiry, and the
 * subscriber sockets the Worker holds live readers on.
 * @module
 */
import { logError } from "../errors.js";
import type { Connection, Room } from "../types.js";
import { toBase64 } from "./base64.js";
import { TooLarge, concatBytes, jsonMessages, readBody } from "./body.js";
import {
  H, formatOffset, isJsonType, isTrue, mediaType, nextCursor, parseExpiresAt, parseOffset, parseSafeInt, parseTtl,
} from "./protocol.js";
import { problem, streamResponse } from "./responses.js";
import { MESSAGE_SEPARATOR, StreamStore, messageTexts, type Row, type StreamMeta } from "./store.js";
import { INTERNAL, INTERNAL_ORIGIN, decodeRows, encodeRows, sendToStream, type SubscriberMessage, type WireRow } from "./wire.js";

/** Limits of a stream object (see docs/limits.md). */
export type StreamLimits = {
  /** Largest create or append body, in bytes (→ 413). Default 1 MiB (a SQLite row holds at most 2 MB). */
  maxAppendBytes: number;
  /** Most bytes one catch-up response carries; the client continues from `Stream-Next-Offset`. Default 1 MiB. */
  maxReadBytes: number;
};

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxAppendBytes: 1 << 20, maxReadBytes: 1 << 20 };

/** What a stream operation is, for `authorize`. */
export type StreamOperation = "create" | "append" | "read" | "head" | "delete" | "subscribe";

/** Optional hooks a `StreamRoom` subclass may define. */
export type StreamHooks = {
  /**
   * Whether `request` may perform `operation`: `false` answers 403, a `Response`
   * answers with it, anything else allows. Runs in the stream's object, after
   * the class's static `onBeforeRequest` / `onBeforeConnect` edge hooks.
   */
  authorize?(request: Request, operation: StreamOperation): boolean | Response | void | Promise<boolean | Response | void>;
  /** Inspects an append after the protocol's checks, before it is stored: return a `Response` (e.g. 422) to refuse it. */
  validateAppend?(append: AppendInfo): Response | void | Promise<Response | void>;
};

/** An append about to be stored, as `validateAppend` sees it. */
export type AppendInfo = {
  request: Request;
  /** JSON streams: the messages as parsed values; other streams: the body. */
  messages: unknown[] | null;
  bytes: Uint8Array;
  producer: { id: string; epoch: number; seq: number } | null;
  closes: boolean;
};

const EXPIRE_TIMER = "stream-expiry";
const SUB_TAG = "stream-sub";

/**
 * One stream's protocol operations, inside its Durable Object (used by `StreamRoom`).
 *
 * @example
 * const engine = new StreamEngine(room, hooks, DEFAULT_STREAM_LIMITS, "public");
 * const response = await engine.handle(request);
 */
export class StreamEngine {
  readonly #store: StreamStore;
  /** Appends run one at a time: validation + write per producer must be serialised (§5.2.1). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly room: Room,
    private readonly hooks: StreamHooks,
    private readonly limits: StreamLimits,
    private readonly cacheVisibility: "public" | "private",
  ) {
    this.#store = new StreamStore((room.storage as unknown as DurableObjectStorage).sql);
  }

  /** Tags subscriber sockets so appends reach them (and only them). */
  static readonly subscriberTag = SUB_TAG;

  // ---------------------------------------------------------------- dispatch

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/__fork":
        return this.#registerFork(request);
      case "/__unref":
        return this.#unref();
      case "/__read":
        return this.#internalRead(url);
    }
    const op = operationOf(request.method);
    if (!op) await request.body?.cancel().catch(() => {});
    if (!op) return problem(405, `Method ${request.method} is not allowed on a stream.`, { allow: "GET, HEAD, PUT, POST, DELETE, OPTIONS" });
    const denied = await this.#authorize(request, op);
    if (denied) {
      await request.body?.cancel().catch(() => {});
      return denied;
    }
    if (op === "create" || op === "append") {
      // The body is read before any answer: an unread request body breaks the Worker that streams it.
      let body: Uint8Array;
      try {
        body = await readBody(request, this.limits.maxAppendBytes);
      } catch (e) {
        if (e instanceof TooLarge) return problem(413, `The body is larger than ${this.limits.maxAppendBytes} bytes.`);
        throw e;
      }
      return op === "create" ? this.#create(request, body) : this.#serial(() => this.#append(request, body));
    }
    switch (op) {
      case "delete":
        return this.#delete();
      case "head":
        return this.#head();
      default:
        return this.#read(request, url);
    }
  }

  async #authorize(request: Request, op: StreamOperation): Promise<Response | undefined> {
    if (!this.hooks.authorize) return undefined;
    const verdict = await this.hooks.authorize(request, op);
    if (verdict instanceof Response) return verdict;
    if (verdict === false) return problem(403, `Not allowed to ${op} this stream.`);
    return undefined;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Called with every stored append (after the subscriber sockets got it): the live tail's feed. */
  onPublish: ((meta: StreamMeta, rows: Row[]) => void) | undefined;
  /** Called when the stream is deleted or expires. */
  onGone: (() => void) | undefined;

  /** The stream's metadata, or null when there is none (expired streams are removed first). */
  current(): StreamMeta | null {
    return this.#current();
  }

  /** Rows in [from, to), reading through to a fork's source below the fork point. */
  readRange(meta: StreamMeta, from: number, to: number, maxBytes: number): Promise<Row[]> {
    return this.#readRange(meta, from, to, maxBytes);
  }

  /** This stream's own rows in [from, to): synchronous, so nothing can be appended in between. */
  readOwn(from: number, to: number, maxBytes: number): Row[] {
    return this.#store.read(from, to, maxBytes);
  }

  get maxReadBytes(): number {
    return this.limits.maxReadBytes;
  }

  /** Answers an authorization question for a socket (`subscribe`). */
  authorizeSocket(request: Request): Promise<Response | undefined> {
    return this.#authorize(request, "subscribe");
  }

  /** The live stream's metadata, after expiring it if its time has come; null when there is none. */
  #current(): StreamMeta | null {
    const meta = this.#store.meta;
    if (meta && !meta.softDeleted && expiryOf(meta) <= Date.now()) {
      this.#remove(meta);
      return this.#store.meta;
    }
    return meta;
  }

  /** Deletes or (while forks read through to it) soft-deletes the stream. */
  #remove(meta: StreamMeta): void {
    this.#notify({ t: "gone" }, true);
    this.onGone?.();
    if (meta.refs > 0) {
      this.#store.saveMeta({ ...meta, softDeleted: true });
      return;
    }
    this.#store.purge();
    if (meta.forkSource) void this.#unrefSource(meta);
  }

  async #unrefSource(meta: StreamMeta): Promise<void> {
    try {
      const res = await sendToStream(this.room.env, meta.binding, meta.party, meta.forkSource!, new Request(`${INTERNAL_ORIGIN}/__unref`, { method: "POST" }));
      await res.body?.cancel();
    } catch (e) {
      logError(`stream ${this.room.id}: releasing fork source ${meta.forkSource}`, e);
    }
  }

  async #unref(): Promise<Response> {
    const meta = this.#store.meta;
    if (!meta) return new Response(null, { status: 204 });
    const next = { ...meta, refs: Math.max(0, meta.refs - 1) };
    if (next.softDeleted && next.refs === 0) {
      this.#store.purge();
      if (next.forkSource) await this.#unrefSource(next);
    } else {
      this.#store.saveMeta(next);
    }
    return new Response(null, { status: 204 });
  }

  /** Resets the sliding TTL: reads and writes that reach the object keep the stream alive. */
  #touch(meta: StreamMeta): StreamMeta {
    if (meta.ttl === null) return meta;
    const next = { ...meta, lastAccess: Date.now() };
    this.#store.saveMeta(next);
    return next;
  }

  async #scheduleExpiry(meta: StreamMeta): Promise<void> {
    const at = expiryOf(meta);
    if (at !== Infinity) await this.room.schedule(new Date(at), EXPIRE_TIMER);
  }

  /** The expiry timer fired: expire now, or come back when a refreshed TTL runs out. */
  async onTimer(name: string): Promise<void> {
    if (name !== EXPIRE_TIMER) return;
    const meta = this.#current();
    if (meta && !meta.softDeleted) await this.#scheduleExpiry(meta);
  }

  // ---------------------------------------------------------------- create

  async #create(request: Request, body: Uint8Array): Promise<Response> {
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
    const existing = this.#current();
    if (existing) return this.#recreate(existing, config, requestedType, closes);
    if (source !== null && source === this.room.id) return problem(409, "A stream cannot be forked from itself.");

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
      const fork = await this.#forkFrom(request, meta, source, forkOffset, sub, requestedType);
      if (fork instanceof Response) return fork;
      meta = fork.meta;
      rows.push(...fork.prefix);
      // A concurrent create won the race while the source answered.
      if (this.#store.meta) {
        void this.#unrefSource(meta);
        return problem(409, "The stream was created concurrently with a different configuration.");
      }
    }
    const appended = frame(meta, body, meta.tail, false);
    if (typeof appended === "string") {
      if (source !== null) void this.#unrefSource(meta);
      return problem(400, appended);
    }
    rows.push(...appended);
    meta = { ...meta, tail: rows.length ? rows[rows.length - 1]!.end : meta.tail, config };
    this.#store.insert(rows);
    this.#store.saveMeta(meta);
    await this.#scheduleExpiry(meta);
    return streamResponse(201, { ...describe(meta), "content-length": "0" });
  }

  /** PUT on an existing stream: 200 when the configuration matches, 409 otherwise (§5.1). */
  #recreate(existing: StreamMeta, config: string, requestedType: string | null, closes: boolean): Response {
    if (existing.softDeleted) return problem(409, "This stream was deleted while forks still read from it; its path cannot be reused yet.");
    const sameType = requestedType === null
      ? existing.forkSource !== null || mediaType(existing.contentType) === "application/octet-stream"
      : mediaType(requestedType) === mediaType(existing.contentType);
    const same = sameType && existing.config === config && existing.closed === closes;
    if (!same) return problem(409, "A stream already exists at this path with a different configuration.");
    return streamResponse(200, describe(existing));
  }

  /** Registers the fork with its source's object and takes the inherited configuration. */
  async #forkFrom(request: Request, meta: StreamMeta, source: string, offset: number | null, sub: number, requestedType: string | null): Promise<{ meta: StreamMeta; prefix: Row[] } | Response> {
    // The fork request's headers go along: the source's authorize hook decides whether this client may read it.
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    headers.set("content-type", "application/json");
    const res = await sendToStream(
      this.room.env, meta.binding, meta.party, source,
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

  /** Source side of a fork: checks the fork point and counts the new reference. */
  async #registerFork(request: Request): Promise<Response> {
    // Forking reads the source: it needs read access to it, as the client that asks.
    const denied = await this.#authorize(request, "read");
    if (denied) {
      await request.body?.cancel().catch(() => {});
      return denied;
    }
    const meta = this.#current();
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
      prefix = await this.#readAll(meta, point, point + sub);
      const got = prefix.reduce((n, r) => n + (r.end - r.start), 0);
      if (got !== sub || prefix.some((r) => r.batchEnd < point + sub) || prefix[0]?.start !== point) {
        return problem(400, "Stream-Fork-Sub-Offset names a position past the next data boundary.");
      }
    }
    const current = this.#store.meta;
    if (!current || current.softDeleted) return problem(409, "The stream to fork from has been deleted.");
    this.#store.saveMeta({ ...current, refs: current.refs + 1 });
    return Response.json({ contentType: meta.contentType, ttl: meta.ttl, expiresAt: meta.expiresAt, point, prefix: encodeRows(prefix) });
  }

  // ---------------------------------------------------------------- append

  async #append(request: Request, body: Uint8Array): Promise<Response> {
    let meta = this.#current();
    if (!meta) return problem(404, "Stream not found.");
    if (meta.softDeleted) return problem(410, "This stream has been deleted.");
    const h = request.headers;
    const closes = isTrue(h.get(H.closed));
    const producer = parseProducer(h);
    if (typeof producer === "string") return problem(400, producer);
    if (body.byteLength === 0 && !closes) return problem(400, "An append needs a body (or Stream-Closed: true to close the stream).");

    const state = producer ? this.#store.producer(producer.id) : undefined;
    if (producer && state && producer.epoch < state.epoch) {
      return problem(403, `Producer epoch ${producer.epoch} is stale; the current epoch is ${state.epoch}.`, { [H.producerEpoch]: String(state.epoch) });
    }
    if (meta.closed) {
      const closedHeaders = { [H.closed]: "true", [H.nextOffset]: formatOffset(meta.tail) };
      if (producer && meta.closedBy === `${producer.id}|${producer.epoch}|${producer.seq}`) {
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
    const rows = frame(meta, body, meta.tail, true);
    if (typeof rows === "string") return problem(400, rows);

    if (producer) {
      const newEpoch = !state || producer.epoch > state.epoch;
      if (newEpoch && producer.seq !== 0) {
        if (state) return problem(400, `A new producer epoch must start at Producer-Seq 0, got ${producer.seq}.`);
        return problem(409, `Producer sequence gap: expected 0, received ${producer.seq}.`, { [H.producerExpectedSeq]: "0", [H.producerReceivedSeq]: String(producer.seq) });
      }
      if (!newEpoch && producer.seq <= state!.seq) {
        return streamResponse(204, { [H.nextOffset]: formatOffset(meta.tail), [H.producerEpoch]: String(state!.epoch), [H.producerSeq]: String(state!.seq) });
      }
      if (!newEpoch && producer.seq > state!.seq + 1) {
        return problem(409, `Producer sequence gap: expected ${state!.seq + 1}, received ${producer.seq}.`, {
          [H.producerExpectedSeq]: String(state!.seq + 1),
          [H.producerReceivedSeq]: String(producer.seq),
        });
      }
    }
    const seq = h.get(H.seq);
    if (seq !== null && meta.lastSeq !== null && seq <= meta.lastSeq) {
      return problem(409, `Stream-Seq "${seq.slice(0, 64)}" is not greater than the last one accepted.`);
    }
    if (this.hooks.validateAppend) {
      const verdict = await this.hooks.validateAppend({
        request,
        messages: isJsonType(meta.contentType) ? messageTexts(rows).map((m) => JSON.parse(m)) : null,
        bytes: body,
        producer,
        closes,
      });
      if (verdict instanceof Response) return verdict;
      meta = this.#current();
      if (!meta || meta.softDeleted || meta.closed) return problem(409, "The stream changed while the append was validated; retry it.");
    }

    const tail = rows.length ? rows[rows.length - 1]!.end : meta.tail;
    const next: StreamMeta = {
      ...meta,
      tail,
      lastSeq: seq ?? meta.lastSeq,
      closed: closes,
      closedBy: closes && producer ? `${producer.id}|${producer.epoch}|${producer.seq}` : null,
      lastAccess: Date.now(),
    };
    this.#store.insert(rows);
    if (producer) this.#store.setProducer(producer.id, producer.epoch, producer.seq);
    this.#store.saveMeta(next);
    this.#publish(next, rows);

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

  // ---------------------------------------------------------------- delete, head

  async #delete(): Promise<Response> {
    const meta = this.#current();
    if (!meta) return problem(404, "Stream not found.");
    if (meta.softDeleted) return problem(410, "This stream has been deleted.");
    this.#remove(meta);
    await this.room.cancel(EXPIRE_TIMER);
    return streamResponse(204);
  }

  #head(): Response {
    const meta = this.#current();
    if (!meta) return problem(404, "Stream not found.");
    if (meta.softDeleted) return problem(410, "This stream has been deleted.");
    return streamResponse(200, { ...describe(meta), "cache-control": "no-store" });
  }

  // ---------------------------------------------------------------- reads

  async #read(request: Request, url: URL): Promise<Response> {
    let meta = this.#current();
    if (!meta) return problem(404, "Stream not found.");
    if (meta.softDeleted) return problem(410, "This stream has been deleted.");
    const offsets = url.searchParams.getAll("offset");
    const live = url.searchParams.get("live");
    if (live !== null && live !== "long-poll" && live !== "sse") return problem(400, `Unknown live mode "${live.slice(0, 32)}": use long-poll or sse.`);
    if (offsets.length > 1) return problem(400, "Give one offset parameter.");
    if (live !== null && offsets.length === 0) return problem(400, "Live reads need an offset parameter.");
    const offset = offsets.length ? parseOffset(offsets[0]!) : { kind: "start" as const };
    if (!offset) return problem(400, "Malformed offset.");
    meta = this.#touch(meta);
    const json = isJsonType(meta.contentType);
    const cursor: Record<string, string> = live ? { [H.cursor]: nextCursor(url.searchParams.get("cursor")) } : {};

    if (offset.kind === "now") {
      if (live === "long-poll" && !meta.closed) return this.#wait(meta, meta.tail);
      const headers: Record<string, string> = { "content-type": meta.contentType, [H.nextOffset]: formatOffset(meta.tail), [H.upToDate]: "true", "cache-control": "no-store" };
      if (meta.closed) headers[H.closed] = "true";
      if (live === "long-poll") return streamResponse(204, headers);
      return streamResponse(200, { ...headers, ...cursor }, json ? "[]" : null);
    }
    const from = offset.kind === "start" ? 0 : offset.position;
    if (from > meta.tail) return problem(400, "The offset is beyond the stream's tail.");
    const rows = await this.#readRange(meta, from, meta.tail, this.limits.maxReadBytes);
    const next = rows.length ? rows[rows.length - 1]!.end : from;
    const upToDate = next >= meta.tail;
    if (live === "long-poll" && rows.length === 0) {
      if (!meta.closed) return this.#wait(meta, from);
      return streamResponse(204, { [H.nextOffset]: formatOffset(next), [H.upToDate]: "true", [H.closed]: "true" });
    }
    const closedNow = meta.closed && upToDate;
    const etag = `"${meta.incarnation}:${formatOffset(from)}:${formatOffset(next)}${closedNow ? ":c" : ""}"`;
    const headers: Record<string, string> = {
      "content-type": meta.contentType,
      [H.nextOffset]: formatOffset(next),
      etag,
      // A range that ends before the tail (or at a closed tail) never changes: a CDN may keep it.
      "cache-control": !upToDate || closedNow ? `${this.cacheVisibility}, max-age=31536000, immutable` : `${this.cacheVisibility}, max-age=60, stale-while-revalidate=300`,
      ...cursor,
    };
    if (upToDate) headers[H.upToDate] = "true";
    if (closedNow) headers[H.closed] = "true";
    if (request.headers.get("if-none-match") === etag) return streamResponse(304, headers);
    return streamResponse(200, headers, renderBody(json, rows));
  }

  /** Long-poll with nothing to return yet: the Worker subscribes and waits (the object may sleep meanwhile). */
  #wait(meta: StreamMeta, from: number): Response {
    return streamResponse(204, { [INTERNAL.wait]: String(from), "content-type": meta.contentType, [H.nextOffset]: formatOffset(from) });
  }

  /** Rows in [from, to): the source's below the fork point, this stream's own above it. */
  async #readRange(meta: StreamMeta, from: number, to: number, maxBytes: number): Promise<Row[]> {
    if (meta.forkSource !== null && from < meta.forkPoint) {
      const end = Math.min(to, meta.forkPoint);
      const res = await sendToStream(
        this.room.env, meta.binding, meta.party, meta.forkSource,
        new Request(`${INTERNAL_ORIGIN}/__read?from=${from}&to=${end}&max=${maxBytes}`),
      );
      if (!res.ok) throw new Error(`fork source ${meta.forkSource} answered ${res.status} to a read`);
      const inherited = decodeRows((await res.json()) as WireRow[]);
      const reached = inherited.length ? inherited[inherited.length - 1]!.end : from;
      const size = inherited.reduce((n, r) => n + (typeof r.data === "string" ? r.data.length : r.data.byteLength), 0);
      // One response stitches the inherited part and the fork's own rows when the budget allows.
      if (reached < meta.forkPoint || to <= meta.forkPoint || size >= maxBytes) return inherited;
      return inherited.concat(this.#store.read(meta.forkPoint, Math.min(to, meta.tail), maxBytes - size));
    }
    return this.#store.read(from, Math.min(to, meta.tail), maxBytes);
  }

  /** Every row in [from, to), however many reads that takes. */
  async #readAll(meta: StreamMeta, from: number, to: number): Promise<Row[]> {
    const out: Row[] = [];
    for (let at = from; at < to; ) {
      const rows = await this.#readRange(meta, at, to, this.limits.maxReadBytes);
      if (rows.length === 0) break;
      out.push(...rows);
      at = rows[rows.length - 1]!.end;
    }
    return out;
  }

  /** A fork reading through to this stream: no TTL refresh (only clients' reads count), allowed while soft-deleted. */
  async #internalRead(url: URL): Promise<Response> {
    const meta = this.#store.meta;
    if (!meta) return problem(410, "The fork's source stream is gone.");
    const from = Number(url.searchParams.get("from"));
    const to = Number(url.searchParams.get("to"));
    const max = Number(url.searchParams.get("max"));
    return Response.json(encodeRows(await this.#readRange(meta, from, to, max)));
  }

  // ---------------------------------------------------------------- subscribers

  /**
   * A subscriber socket (a Worker holding a long-poll or SSE reader) joined at
   * `from`: it gets what it is missing, then every append as it is stored.
   * Runs without an `await`, so no append can slip between catch-up and live.
   */
  subscribe(conn: Connection, from: number): void {
    const meta = this.#current();
    if (!meta || meta.softDeleted || from > meta.tail || from < meta.forkPoint) {
      send(conn, { t: "gone" });
      conn.close(1000, "gone");
      return;
    }
    const rows = this.#store.read(from, meta.tail, Infinity);
    if (rows.length) send(conn, { t: "data", next: meta.tail, data: wireData(meta, rows), closed: meta.closed });
    send(conn, { t: "ready", next: meta.tail, closed: meta.closed });
  }

  #publish(meta: StreamMeta, rows: Row[]): void {
    const msg: SubscriberMessage = rows.length
      ? { t: "data", next: meta.tail, data: wireData(meta, rows), closed: meta.closed }
      : { t: "ready", next: meta.tail, closed: meta.closed };
    this.#notify(msg, false);
    this.onPublish?.(meta, rows);
  }

  #notify(msg: SubscriberMessage, close: boolean): void {
    const text = JSON.stringify(msg);
    for (const conn of this.room.getConnections(SUB_TAG)) {
      try {
        conn.send(text);
        if (close) conn.close(1000, "gone");
      } catch {
        // A subscriber that went away: nothing to deliver.
      }
    }
  }
}

function operationOf(method: string): StreamOperation | undefined {
  switch (method) {
    case "PUT":
      return "create";
    case "POST":
      return "append";
    case "DELETE":
      return "delete";
    case "HEAD":
      return "head";
    case "GET":
      return "read";
  }
  return undefined;
}

function expiryOf(meta: StreamMeta): number {
  const ttlAt = meta.ttl === null ? Infinity : meta.lastAccess + meta.ttl * 1000;
  return Math.min(ttlAt, meta.expiresAt ?? Infinity);
}

/** Headers describing a stream (PUT and HEAD answers). */
function describe(meta: StreamMeta): Record<string, string> {
  const h: Record<string, string> = { "content-type": meta.contentType, [H.nextOffset]: formatOffset(meta.tail) };
  if (meta.ttl !== null) h[H.ttl] = String(meta.ttl);
  if (meta.expiresAt !== null) h[H.expiresAt] = new Date(meta.expiresAt).toISOString();
  if (meta.closed) h[H.closed] = "true";
  return h;
}

/** Splits a body into rows from `start`; a reason string when it is not acceptable. */
function frame(meta: StreamMeta, body: Uint8Array, start: number, isAppend: boolean): Row[] | string {
  if (body.byteLength === 0) return [];
  if (!isJsonType(meta.contentType)) return [{ start, end: start + body.byteLength, batchEnd: start + body.byteLength, data: body }];
  const messages = jsonMessages(body);
  if (messages === null) return "The body is not valid JSON.";
  if (messages.length === 0 && isAppend) return "An empty JSON array appends nothing.";
  const end = start + messages.length;
  return messages.length ? [{ start, end, batchEnd: end, data: messages.join(MESSAGE_SEPARATOR) }] : [];
}

function renderBody(json: boolean, rows: Row[]): BodyInit {
  if (json) return `[${rows.map((r) => (r.data as string).replaceAll(MESSAGE_SEPARATOR, ",")).join(",")}]`;
  return concatBytes(rows.map((r) => r.data as Uint8Array));
}

/** A subscriber message's payload: JSON messages comma-joined, other streams' bytes in base64. */
function wireData(meta: StreamMeta, rows: Row[]): string {
  if (isJsonType(meta.contentType)) return rows.map((r) => (r.data as string).replaceAll(MESSAGE_SEPARATOR, ",")).join(",");
  return toBase64(concatBytes(rows.map((r) => r.data as Uint8Array)));
}

function send(conn: Connection, msg: SubscriberMessage): void {
  conn.send(JSON.stringify(msg));
}

/** The producer headers (all three or none, §5.2.1); a reason string when they are malformed. */
function parseProducer(h: Headers): { id: string; epoch: number; seq: number } | null | string {
  const id = h.get(H.producerId);
  const epoch = h.get(H.producerEpoch);
  const seq = h.get(H.producerSeq);
  if (id === null && epoch === null && seq === null) return null;
  if (id === null || epoch === null || seq === null) return "Producer-Id, Producer-Epoch and Producer-Seq must be sent together.";
  if (id.trim() === "") return "Producer-Id must not be empty.";
  const e = parseSafeInt(epoch.trim());
  const s = parseSafeInt(seq.trim());
  if (e === null) return "Producer-Epoch must be an integer from 0 to 2^53-1.";
  if (s === null) return "Producer-Seq must be an integer from 0 to 2^53-1.";
  return { id, epoch: e, seq: s };
}
