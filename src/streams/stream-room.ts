/**
 * `StreamRoom`: a roomkit server class whose room is one durable stream.
 * Host it with `party()` like any room and serve it with `streams()`.
 * @module
 */
import { RoomkitError } from "../errors.js";
import type { Connection, ConnectionContext, Room, Server, ServerOptions } from "../types.js";
import { DEFAULT_STREAM_LIMITS, StreamEngine, type StreamLimits } from "./engine.js";
import type { StreamHooks } from "./hooks.js";
import { LiveTail } from "./live-tail.js";

/** Options of a `StreamRoom` (pass them to `super(room, options)`). */
export type StreamRoomOptions = Partial<StreamLimits> & {
  /**
   * `Cache-Control` visibility of catch-up reads: `public` (default) lets a
   * shared CDN cache them; use `private` for user-specific streams (§10.1).
   */
  cache?: "public" | "private";
};

/**
 * A durable, append-only stream served by the Durable Streams protocol: one
 * stream per Durable Object, its data in the object's SQLite. Subclass it to
 * add the optional hooks of `StreamHooks`: `authorize(request, operation)`
 * (return `false` for a 403, or a `Response`) runs in the object before every
 * operation; `validateAppend(append)` (return a `Response` to refuse) runs after
 * the protocol's checks, before the append is stored.
 *
 * @example
 * import { party } from "roomkit";
 * import { StreamRoom, streams } from "roomkit/streams";
 *
 * export class Feed extends StreamRoom implements StreamHooks {
 *   authorize(request: Request, op: StreamOperation) {
 *     return op === "read" || request.headers.get("authorization") === "Bearer writer";
 *   }
 * }
 * export const Streams = party(Feed, { binding: "STREAMS" });
 * const serve = streams({ party: Streams });
 * export default { fetch: async (req, env, ctx) => (await serve(req, env, ctx)) ?? new Response("Not found", { status: 404 }) };
 */
export class StreamRoom implements Server {
  /** Readers hold hibernatable sockets: the object sleeps between appends. No per-socket rate limit (subscribers never send). */
  static options: ServerOptions = { hibernate: true, limits: { messagesPerSecond: Infinity } };

  readonly #engine: StreamEngine;
  readonly #tail: LiveTail;

  constructor(
    readonly room: Room,
    options: StreamRoomOptions = {},
  ) {
    // A stream and a durable history would share the _stream_* tables of one object.
    if ((new.target as { options?: ServerOptions }).options?.history) {
      throw new RoomkitError(`${new.target.name}: a StreamRoom is already a durable log; remove options.history (durable broadcasts are for ordinary rooms).`);
    }
    const limits = { ...DEFAULT_STREAM_LIMITS, ...options };
    // The optional hooks (StreamHooks) are methods a subclass may define; the engine looks them up on it.
    this.#engine = new StreamEngine(room, this as StreamHooks, limits, options.cache ?? "public");
    this.#tail = new LiveTail(this.#engine);
  }

  onRequest(request: Party_Request): Promise<Response> {
    return this.#engine.handle(request as unknown as Request);
  }

  getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    const url = new URL((ctx.request as unknown as Request).url);
    return url.searchParams.has("subscribe") ? [StreamEngine.subscriberTag] : [LiveTail.tag];
  }

  async onConnect(conn: Connection, ctx: ConnectionContext): Promise<void> {
    const request = ctx.request as unknown as Request;
    const url = new URL(request.url);
    const from = url.searchParams.get("subscribe");
    if (from !== null) return this.#engine.subscribe(conn, Number(from));
    await this.#tail.open(conn, request);
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, conn: Connection): Promise<void> {
    await this.#tail.message(conn, message);
  }

  async onTimer(name: string): Promise<void> {
    await this.#engine.onTimer(name);
  }
}

type Party_Request = Parameters<NonNullable<Server["onRequest"]>>[0];
