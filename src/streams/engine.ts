/**
 * One stream, served by its Durable Object: the engine that dispatches the
 * protocol's requests to the modules of each operation (create.ts, append.ts,
 * reads.ts, forks.ts, subscribers.ts), queues appends, and owns what they
 * share: the stream's row store, its current metadata (expired first), its
 * removal (deleted, expired or soft-deleted while forks read from it), HEAD
 * and DELETE.
 * @module
 */
import type { Connection, Room } from "../types.js";
import { drainUnreadBody } from "../unread-body.js";
import { appendToStream } from "./append.js";
import { TooLarge, readBody } from "./body.js";
import { createStream } from "./create.js";
import { EXPIRY_TIMER, expiryOf, scheduleExpiry } from "./expiry.js";
import { readRange, registerFork, releaseFork, releaseSource, serveForkRead } from "./forks.js";
import { GroupCommit } from "./group-commit.js";
import { authorize, operationOf, type StreamHooks } from "./hooks.js";
import { catchUpRead } from "./reads.js";
import { describeStream, problem, streamResponse } from "./responses.js";
import { StreamStore, type Row, type StreamMeta } from "./store.js";
import { SUBSCRIBER_TAG, goneToSubscribers, publishToSubscribers, subscribe } from "./subscribers.js";

/** Limits of a stream object (see docs/limits.md). */
export type StreamLimits = {
  /** Largest create or append body, in bytes (→ 413). Default 1 MiB (a SQLite row holds at most 2 MB). */
  maxAppendBytes: number;
  /** Most bytes one catch-up response carries; the client continues from `Stream-Next-Offset`. Default 1 MiB. */
  maxReadBytes: number;
};

/** The limits a `StreamRoom` has unless its options say otherwise. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxAppendBytes: 1 << 20, maxReadBytes: 1 << 20 };

/**
 * What the operations of one stream share inside its object: the modules of
 * create, append, reads, forks and subscribers take it rather than reach
 * into the engine.
 *
 * @example
 * async function head(stream: StreamObject): Promise<Response> {
 *   const meta = stream.current();
 *   return meta ? streamResponse(200, describeStream(meta)) : problem(404, "Stream not found.");
 * }
 */
export interface StreamObject {
  readonly room: Room;
  readonly store: StreamStore;
  readonly hooks: StreamHooks;
  readonly limits: StreamLimits;
  /** `Cache-Control` visibility of catch-up reads. */
  readonly cacheVisibility: "public" | "private";
  /** The live stream's metadata, after expiring it if its time has come; null when there is none. */
  current(): StreamMeta | null;
  /** Hands a stored append to the subscriber sockets and the live tail. */
  publish(meta: StreamMeta, rows: Row[]): void;
}

/**
 * One stream's protocol operations, inside its Durable Object (used by `StreamRoom`).
 *
 * @example
 * const engine = new StreamEngine(room, hooks, DEFAULT_STREAM_LIMITS, "public");
 * const response = await engine.handle(request);
 */
export class StreamEngine {
  readonly #store: StreamStore;
  readonly #stream: StreamObject;
  /** Appends run one at a time, in order (validation + write per producer must be serialised, §5.2.1), concurrent ones in one commit. */
  readonly #appends = new GroupCommit();

  constructor(
    readonly room: Room,
    private readonly hooks: StreamHooks,
    private readonly limits: StreamLimits,
    cacheVisibility: "public" | "private",
  ) {
    this.#store = new StreamStore((room.storage as unknown as DurableObjectStorage).sql);
    const engine = this;
    this.#stream = {
      room,
      store: this.#store,
      hooks,
      limits,
      cacheVisibility,
      // Methods, not arrows: see "Per-room objects" in README.md.
      current() {
        return engine.#current();
      },
      publish(meta, rows) {
        engine.#publish(meta, rows);
      },
    };
  }

  /** Tags subscriber sockets so appends reach them (and only them). */
  static readonly subscriberTag = SUBSCRIBER_TAG;

  // ---------------------------------------------------------------- dispatch

  /**
   * Answers one request to the stream's object: a client's protocol request
   * (forwarded by `streams()`) or another stream object's fork request.
   *
   * @example
   * onRequest(request) { return engine.handle(request); }
   */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/__fork":
        return registerFork(this.#stream, request);
      case "/__unref":
        return releaseFork(this.#stream);
      case "/__read":
        return serveForkRead(this.#stream, url);
    }
    // A refusal drains the body it does not read: cancelled, it would cost the client its connection (src/unread-body.ts).
    const op = operationOf(request.method);
    if (!op) await drainUnreadBody(request);
    if (!op) return problem(405, `Method ${request.method} is not allowed on a stream.`, { allow: "GET, HEAD, PUT, POST, DELETE, OPTIONS" });
    const denied = await authorize(this.hooks, request, op);
    if (denied) {
      await drainUnreadBody(request);
      return denied;
    }
    if (op === "create" || op === "append") {
      // Counted from here, so the appends arriving together are written (and synced) together.
      const ticket = op === "append" ? this.#appends.enter() : undefined;
      // The body is read before any answer: an unread request body breaks the Worker that streams it.
      let body: Uint8Array;
      try {
        body = await readBody(request, this.limits.maxAppendBytes);
      } catch (e) {
        ticket?.cancel();
        if (e instanceof TooLarge) return problem(413, `The body is larger than ${this.limits.maxAppendBytes} bytes.`);
        throw e;
      }
      return ticket ? ticket.run(() => appendToStream(this.#stream, request, body)) : createStream(this.#stream, request, body);
    }
    switch (op) {
      case "delete":
        return this.#delete();
      case "head":
        return this.#head();
      default:
        return catchUpRead(this.#stream, request, url);
    }
  }

  // ---------------------------------------------------------------- for the live tail and StreamRoom

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
    return readRange(this.#stream, meta, from, to, maxBytes);
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
    return authorize(this.hooks, request, "subscribe");
  }

  /**
   * A subscriber socket (a Worker holding a long-poll or SSE reader) joined at
   * `from`: it gets what it is missing, then every append as it is stored.
   */
  subscribe(conn: Connection, from: number): void {
    subscribe(this.#stream, conn, from);
  }

  /** The expiry timer fired: expire now, or come back when a refreshed TTL runs out. */
  async onTimer(name: string): Promise<void> {
    if (name !== EXPIRY_TIMER) return;
    const meta = this.#current();
    if (meta && !meta.softDeleted) await scheduleExpiry(this.room, meta);
  }

  // ---------------------------------------------------------------- lifecycle

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
    goneToSubscribers(this.room);
    this.onGone?.();
    if (meta.refs > 0) {
      this.#store.saveMeta({ ...meta, softDeleted: true });
      return;
    }
    this.#store.purge();
    if (meta.forkSource) void releaseSource(this.#stream, meta);
  }

  #publish(meta: StreamMeta, rows: Row[]): void {
    publishToSubscribers(this.room, meta, rows);
    this.onPublish?.(meta, rows);
  }

  // ---------------------------------------------------------------- delete, head

  async #delete(): Promise<Response> {
    const meta = this.#current();
    if (!meta) return problem(404, "Stream not found.");
    if (meta.softDeleted) return problem(410, "This stream has been deleted.");
    this.#remove(meta);
    await this.room.cancel(EXPIRY_TIMER);
    return streamResponse(204);
  }

  #head(): Response {
    const meta = this.#current();
    if (!meta) return problem(404, "Stream not found.");
    if (meta.softDeleted) return problem(410, "This stream has been deleted.");
    return streamResponse(200, { ...describeStream(meta), "cache-control": "no-store" });
  }
}
