/**
 * `PartyHost`: the Durable Object that hosts one room of a party. It owns the
 * lifecycle (start once per instance, before any hook; retry after a failed
 * start), takes requests and sockets in, and hands each event to the user's
 * server. Each concept it uses lives in its own module: who the room is
 * (identity), its sockets, admission, departures, timers and the room object.
 * The user's class only ever sees `Party.*` objects.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { Admission, checkTags } from "./admission.js";
import { noteStart } from "./clock.js";
import { acceptDeflate } from "./compression.js";
import { createConnection, setTags } from "./connection.js";
import { Departures } from "./departures.js";
import { attachHistory } from "./durable/attach.js";
import { CloseCode, INTERNAL_ERROR_REASON, RoomkitError, errorResponse, internalErrorResponse, logError } from "./errors.js";
import { RoomIdentity, type PartialAddress } from "./identity.js";
import { resolveLimits } from "./limits.js";
import { RoomImpl } from "./room.js";
import { RoomHookSet } from "./room-hooks.js";
import { acceptedSocket, refuseSocket, socketsFor, type SocketStrategy } from "./sockets.js";
import { RoomTimers } from "./timers.js";
import { drainUnreadBody } from "./unread-body.js";
import type { Resume } from "./durable/history.js";
import type { Connection, ConnectionContext, Room, Server, ServerOptions, Worker } from "./types.js";

/** The user's server class, as `party()` accepts it. */
export type ServerClass = Worker & { options?: ServerOptions };

const NO_TAGS: readonly string[] = Object.freeze([]);

/** A socket being admitted, as one phase of the join hands it to the next. */
type Join = {
  ws: WebSocket;
  client: WebSocket;
  id: string;
  resume: Resume | undefined;
  ctx: ConnectionContext;
  conn: Connection;
  /** The 101's answer to the client's permessage-deflate offer (src/compression.ts), if roomkit gives it. */
  deflate: string | undefined;
};

/** The key under which a party instance exposes its room to `roomkit/testing` (a symbol, so never over RPC). */
export const ROOM_OF = Symbol.for("roomkit.roomOf");

/**
 * The Durable Object class behind every party. `party(Server)` subclasses it
 * with the server class as its static `server`; a subclass written by hand
 * works the same way.
 *
 * @example
 * ```ts
 * export class Chat extends PartyHost {
 *   static override readonly server = ChatServer;
 * }
 * // wrangler.toml: [[durable_objects.bindings]] name = "CHAT", class_name = "Chat"
 * ```
 */
export class PartyHost extends DurableObject<Record<string, unknown>> {
  /** The user's server class this object hosts. */
  static readonly server: ServerClass;
  /** The binding this class is bound as, when not the party name's default (see `party()`'s options). */
  static readonly binding: string | undefined;

  readonly #state: DurableObjectState;
  readonly #identity: RoomIdentity;
  readonly #timers: RoomTimers;
  readonly #hooks: RoomHookSet;
  readonly #room: RoomImpl;
  readonly #server: Server | undefined;
  readonly #serverError: unknown;
  readonly #sockets: SocketStrategy;
  readonly #admission: Admission;
  readonly #departures: Departures;
  /** `options.closeOnError`: a throwing onMessage closes its connection (1011) instead of only being logged. */
  readonly #closeOnError: boolean;
  readonly #clientContextTakeover: boolean;
  #started = false;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    const Host = new.target as typeof PartyHost;
    const Server = Host.server;
    if (typeof Server !== "function") throw new RoomkitError(`${Host.name}: a PartyHost subclass needs a static server class; make it with party(Server).`);
    this.#state = ctx;
    this.#identity = new RoomIdentity(ctx, Host);
    // The ports below are objects of methods, not of arrows: see "Per-room objects" in README.md.
    const host = this;
    this.#timers = new RoomTimers(ctx, {
      internalHandler(name) {
        return host.#hooks.timerHandler(name);
      },
      server() {
        return host.#server!;
      },
      start() {
        return host.#ensureStarted();
      },
      started() {
        return host.#started;
      },
      where() {
        return host.#where();
      },
      beforeFirstTimer(sql) {
        host.#identity.keep(sql);
      },
    });
    this.#hooks = new RoomHookSet(this.#timers.scheduler);
    this.#room = new RoomImpl({
      ctx,
      env,
      scheduler: this.#timers.scheduler,
      identity: this.#identity,
      hooks: this.#hooks,
      sockets() {
        return host.#sockets;
      },
    });
    let server: Server | undefined;
    let limits = resolveLimits(Server.options?.limits);
    try {
      server = new Server(this.#room as Room);
      // An instance `options.limits` (docs/api.md) refines the static one.
      const own = server.options?.limits;
      if (own) limits = resolveLimits({ ...Server.options?.limits, ...own });
    } catch (e) {
      server = undefined;
      this.#serverError = e;
    }
    const opts = { ...Server.options, ...server?.options };
    try {
      if (server) attachHistory(this.#room, ctx, opts.history, server);
    } catch (e) {
      server = undefined;
      this.#serverError = e;
    }
    this.#server = server;
    this.#sockets = socketsFor(Boolean(opts.hibernate ?? false), ctx, {
      message(ws, data) {
        void host.#message(ws, data);
      },
      close(ws, code, reason) {
        void host.#departures.closed(ws, code, reason);
      },
      error(ws, error) {
        void host.#departures.failed(ws, error);
      },
    });
    this.#admission = new Admission(limits, this.#sockets);
    this.#departures = new Departures(this.#sockets, {
      run(hook, conn, error) {
        return host.#runDepartureHook(hook, conn, error);
      },
      departed() {
        return host.#afterDeparture();
      },
      left() {
        host.#admission.left();
      },
      // `roomkit dev` sets ROOMKIT_DEV_LOG so closes get a line of their own (wrangler never reports them).
      closing: env?.ROOMKIT_DEV_LOG === "1" ? (id, code) => this.#logClose(id, code) : undefined,
    });
    this.#closeOnError = Boolean(opts.closeOnError ?? false);
    this.#clientContextTakeover = Boolean(opts.clientContextTakeover ?? false);
  }

  /** The room this instance hosts, for `roomkit/testing`'s inspection of connections. */
  get [ROOM_OF](): Room {
    return this.#room as Room;
  }

  async #ensureStarted(): Promise<void> {
    if (this.#started) return;
    if (!this.#server) throw this.#serverError;
    let error: unknown;
    // A throw inside blockConcurrencyWhile would reset the whole object (and drop
    // every socket), so the error is carried out and rethrown to the caller only.
    await this.#state.blockConcurrencyWhile(async () => {
      if (this.#started) return;
      try {
        await this.#server!.onStart?.();
        this.#started = true;
        noteStart(this.#state.id);
        // An alarm the platform gave up on (or a failed start never set again) must not strand timers.
        await this.#timers.scheduler.resume();
      } catch (e) {
        error = e;
      }
    });
    if (error !== undefined) throw error;
  }

  /** An HTTP request or a WebSocket upgrade, forwarded by the router (or a stub). */
  override fetch(request: Request): Response | Promise<Response> {
    const address = this.#identity.learn(request);
    const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    // A join to a started room, the hot path, takes no async frame unless a hook returns a promise.
    if (upgrade && this.#started && request.body === null) return this.#accept(request, this.#server!, address);
    return this.#respondAndDrain(request, address, upgrade);
  }

  async #respondAndDrain(request: Request, address: PartialAddress, upgrade: boolean): Promise<Response> {
    const res = await this.#respond(request, address, upgrade);
    // The body was piped here from the Worker: left unread, it would cost the client its connection (src/unread-body.ts).
    if (request.body !== null) await drainUnreadBody(request);
    return res;
  }

  async #respond(request: Request, address: PartialAddress, upgrade: boolean): Promise<Response> {
    if (!this.#started) {
      try {
        await this.#ensureStarted();
      } catch (e) {
        logError(`${this.#where()} onStart`, e);
        return upgrade ? refuseSocket(CloseCode.InternalError, INTERNAL_ERROR_REASON) : internalErrorResponse();
      }
    }
    const server = this.#server!;
    if (upgrade) return this.#accept(request, server, address);

    if (!server.onRequest) {
      if (hasSocketHooks(server)) {
        return errorResponse(426, "This room only accepts WebSocket connections.", { upgrade: "websocket" });
      }
      return errorResponse(404, "This room does not handle HTTP requests.");
    }
    const clean = this.#identity.strip(request, address);
    try {
      const res = await server.onRequest(clean as never);
      if (!(res instanceof Response)) {
        throw new RoomkitError(`onRequest must return a Response, got ${res === null ? "null" : typeof res}.`);
      }
      return res;
    } catch (e) {
      logError(`${this.#where()} onRequest`, e);
      return internalErrorResponse();
    } finally {
      // The copy holds the body now; onRequest may have left it unread (src/unread-body.ts).
      await drainUnreadBody(clean);
    }
  }

  /**
   * Admits a WebSocket: id, history resume, capacity, tags; then onConnect.
   * Synchronous up to the first hook that returns a promise: most rooms have
   * no `getConnectionTags` and a synchronous `onConnect`, and each async
   * frame cost every join a promise, a suspended frame and a turn.
   */
  #accept(request: Request, server: Server, address: PartialAddress): Response | Promise<Response> {
    if (!hasSocketHooks(server)) {
      return errorResponse(400, "This room does not accept WebSocket connections (its server has no onConnect/onMessage).");
    }
    const url = request.url; // a native getter: a new string on every read
    const id = this.#admission.connectionId(url);
    if (typeof id !== "string") return errorResponse(400, id.reason);
    const resume = this.#hooks.history?.resumeOf(new URL(url));
    if (typeof resume === "string") return errorResponse(400, resume);
    if (!this.#admission.hasRoom()) return refuseSocket(CloseCode.TryAgainLater, this.#admission.fullReason());
    const pair = new WebSocketPair();
    const ws = pair[1];
    const ctx = this.#identity.joinContext(request, address);
    let join: Join;
    try {
      const conn = createConnection(ws, { id, uri: url, tags: [] }, this.#sockets.keep);
      const deflate = this.#clientContextTakeover ? undefined : acceptDeflate(request.headers.get("Sec-WebSocket-Extensions"));
      join = { ws, client: pair[0], id, resume, ctx, conn, deflate };
      if (server.getConnectionTags) return this.#tagThenConnect(server, join);
      this.#sockets.accept(ws, id, NO_TAGS);
    } catch (e) {
      return this.#untagged(e);
    }
    return this.#connect(server, join);
  }

  async #tagThenConnect(server: Server, join: Join): Promise<Response> {
    try {
      const tags = checkTags((await server.getConnectionTags!(join.conn, join.ctx)) ?? []);
      if (tags.length > 0) setTags(join.ws, tags); // keeps a state set inside getConnectionTags
      this.#sockets.accept(join.ws, join.id, tags);
    } catch (e) {
      return this.#untagged(e);
    }
    return this.#connect(server, join);
  }

  #untagged(e: unknown): Response {
    logError(`${this.#where()} getConnectionTags`, e);
    return refuseSocket(CloseCode.InternalError, INTERNAL_ERROR_REASON);
  }

  /** onConnect on an accepted socket, then a resuming client's catch-up; the 101 in the same turn when neither waits. */
  #connect(server: Server, join: Join): Response | Promise<Response> {
    // A resuming client gets no durable broadcast until its catch-up (src/durable/history.ts).
    if (join.resume) this.#hooks.history!.hold(join.ws);
    let pending: unknown;
    try {
      pending = server.onConnect?.(join.conn, join.ctx);
    } catch (e) {
      this.#connectFailed(join, e);
    }
    if (isThenable(pending) || join.resume) return this.#finishConnect(join, pending);
    return acceptedSocket(join.client, join.deflate);
  }

  async #finishConnect(join: Join, pending: unknown): Promise<Response> {
    try {
      await pending;
    } catch (e) {
      this.#connectFailed(join, e);
    }
    if (join.resume && !this.#departures.isGone(join.ws)) {
      try {
        await this.#hooks.history!.catchUp(join.conn, join.resume);
      } catch (e) {
        logError(`${this.#where()} history catch-up of connection "${join.id}"`, e);
        await this.#departures.reject(join.ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      }
    }
    return acceptedSocket(join.client, join.deflate);
  }

  #connectFailed(join: Join, e: unknown): void {
    logError(`${this.#where()} onConnect of connection "${join.id}"`, e);
    this.#departures.neverJoined(join.ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
  }

  /**
   * A message from a connection: admitted (size, rate), then the server's
   * onMessage. The hot path of every room, so once the room has started it
   * is a plain function: no async frame, and a promise only when onMessage
   * returns one (its rejection is handled like a throw).
   */
  #message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> | undefined {
    const conn = this.#departures.present(ws);
    if (conn === undefined) return;
    const refused = this.#admission.checkMessage(ws, message);
    if (refused !== null) return this.#departures.reject(ws, refused.code, refused.reason);
    if (!this.#started) return this.#startThenDeliver(ws, conn, message);
    let pending: unknown;
    try {
      pending = this.#server!.onMessage?.(message, conn);
    } catch (e) {
      return this.#messageFailed(ws, conn, e);
    }
    if (isThenable(pending)) return Promise.resolve(pending).then(undefined, (e: unknown) => this.#messageFailed(ws, conn, e));
  }

  /** The first message of an instance that has not started yet (a wake): onStart, then onMessage. */
  async #startThenDeliver(ws: WebSocket, conn: Connection, message: string | ArrayBuffer): Promise<void> {
    try {
      await this.#ensureStarted();
      await this.#server!.onMessage?.(message, conn);
    } catch (e) {
      await this.#messageFailed(ws, conn, e);
    }
  }

  /**
   * As in PartyKit: logged, and the connection stays open (a bad frame must
   * not cost a user their connection) unless the party opted into closing.
   */
  async #messageFailed(ws: WebSocket, conn: Connection, error: unknown): Promise<void> {
    logError(`${this.#where()} onMessage of connection "${conn.id}"`, error);
    if (this.#closeOnError) await this.#departures.reject(ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
  }

  /**
   * onClose or onError, logged if it throws. A started room whose hook is
   * synchronous (or absent) runs it in this turn and returns no promise:
   * each close of a 1,000-client room paid for several otherwise.
   */
  #runDepartureHook(hook: "onClose" | "onError", conn: Connection, error?: Error): Promise<void> | undefined {
    if (!this.#started) return this.#startThenDepart(hook, conn, error);
    let pending: unknown;
    try {
      pending = hook === "onClose" ? this.#server!.onClose?.(conn) : this.#server!.onError?.(conn, error!);
    } catch (e) {
      this.#departureHookFailed(hook, conn, e);
      return undefined;
    }
    if (isThenable(pending)) return Promise.resolve(pending).then(undefined, (e: unknown) => this.#departureHookFailed(hook, conn, e));
    return undefined;
  }

  /** A departure reaching an instance that has not started (a close that woke the room): onStart first. */
  async #startThenDepart(hook: "onClose" | "onError", conn: Connection, error?: Error): Promise<void> {
    try {
      await this.#ensureStarted();
    } catch (e) {
      this.#departureHookFailed(hook, conn, e);
      return;
    }
    await this.#runDepartureHook(hook, conn, error);
  }

  #departureHookFailed(hook: "onClose" | "onError", conn: Connection, e: unknown): void {
    logError(`${this.#where()} ${hook} of connection "${conn.id}"`, e);
  }

  /** Tells the helpers when the last connection has left; nothing to wait for in a room with no such helper. */
  #afterDeparture(): Promise<void> | undefined {
    if (!this.#hooks.wantsLastLeft) return undefined;
    return this.#lastLeft();
  }

  async #lastLeft(): Promise<void> {
    for (const _ of this.#room.getConnections()) return;
    await this.#hooks.lastConnectionLeft(this.#where());
  }

  // Hibernation API entry points.
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> | undefined {
    return this.#message(ws, message);
  }
  override webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> | undefined {
    return this.#departures.closed(ws, code, reason);
  }
  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.#departures.failed(ws, error);
  }

  /** The object's one alarm: the room's timers (src/timers.ts). */
  override async alarm(): Promise<void> {
    await this.#timers.alarm();
  }

  /** The line `roomkit dev` turns into "⇄ close party/room id (code)"; parts are URI-encoded so spaces never split it. */
  #logClose(id: string, code: number): void {
    const e = encodeURIComponent;
    console.log(`[roomkit:dev] close ${e(this.#identity.party)} ${e(this.#identity.roomForLogs())} ${e(id)} ${code}`);
  }

  #where(): string {
    const Server = (this.constructor as typeof PartyHost).server;
    return `${Server.name || "Server"} ${this.#identity.forLogs()}`;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

function hasSocketHooks(server: Server): boolean {
  return Boolean(server.onConnect || server.onMessage || server.onClose || server.onError);
}
