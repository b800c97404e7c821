/**
 * `StreamRoom`: a roomkit server class whose room is one durable stream.
 * Host it with `party()` like any room and serve it with `streams()`.
 * @module
 */
import type { Connection, ConnectionContext, Room, Server, ServerOptions } from "../types.js";
import { DEFAULT_STREAM_LIMITS, StreamEngine, type AppendInfo, type StreamLimits, type StreamOperation } from "./engine.js";
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
 * add the optional hooks `authorize` and `validateAppend`.
 *
 * @example
 * import { party } from "roomkit";
 * import { StreamRoom, streams } from "roomkit/streams";
 *
 * export class Feed extends StreamRoom {
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
    const limits = { ...DEFAULT_STREAM_LIMITS, ...options };
    this.#engine = new StreamEngine(room, this, limits, options.cache ?? "public");
    this.#tail = new LiveTail(this.#engine);
  }

  /**
   * Optional: decides whether `request` may perform `operation`. Return
   * `false` for a 403, a `Response` to answer with it, anything else to allow.
   * Runs in the stream's object, after the static `onBeforeRequest` edge hook.
   */
  authorize?(request: Request, operation: StreamOperation): boolean | Response | void | Promise<boolean | Response | void>;

  /**
   * Optional: inspects an append after the protocol's checks and before it is
   * stored. Return a `Response` (e.g. 422) to reject it; nothing is stored then.
   */
  validateAppend?(append: AppendInfo): Response | void | Promise<Response | void>;

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
